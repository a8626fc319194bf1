/* The organizer page's no-show panel (issue 15 §2, issue 26): look a registrant's phone (with the
 * IDs it booked) or one ID number up, then forgive a mark with a note.  The number travels in a
 * POST body, never in a URL, and is hashed on the server; the note goes to the audit log (the
 * forgiveness log page).  Uses the organizer page's token (organizer.js keeps it).
 */
var KEY = "sciday.organizer.token";
var T = JSON.parse(document.getElementById("noshow-i18n").textContent);
var EN = T.lang === "en";

function $(id) { return document.getElementById(id); }
function token() { return sessionStorage.getItem(KEY) || localStorage.getItem(KEY) || ""; }
function day(ts) { return new Date(ts * 1000 + 8 * 3600000).toISOString().substring(0, 10); }  // +08:00

function call(method, path, body) {
  return fetch(path, {
    method: method, cache: "no-store", credentials: "omit",
    headers: { "Authorization": "Bearer " + token(), "Content-Type": "application/json",
               "Accept-Language": EN ? "en" : "zh-CN" },
    body: JSON.stringify(body)
  }).then(function (resp) { return resp.json().then(function (data) { return { ok: resp.ok, data: data }; }); });
}

function cell(tr, content) {
  var td = document.createElement("td");
  if (content instanceof Node) { td.appendChild(content); } else { td.textContent = content; }
  tr.appendChild(td);
}

function forgiveForm(mark) {
  var form = document.createElement("form");
  form.className = "inline";
  var note = document.createElement("input");
  note.name = "note"; note.maxLength = 500; note.placeholder = T.note; note.required = true;
  note.setAttribute("aria-label", T.note);
  var button = document.createElement("button");
  button.type = "submit"; button.textContent = T.forgive;
  form.append(note, button);
  form.addEventListener("submit", function (ev) {
    ev.preventDefault();
    call("POST", "/api/v1/noshow/marks/" + encodeURIComponent(mark.mark_id) + "/forgiveness", { note: note.value })
      .then(function (r) { if (r.ok) { lookUp(); } else { $("noshow-summary").textContent = r.data.message; } })
      .catch(function () { $("noshow-summary").textContent = T.offline; });
  });
  return form;
}

function render(standing) {
  var body = document.querySelector("#noshow-marks tbody");
  body.replaceChildren();
  standing.marks.forEach(function (m) {
    var tr = document.createElement("tr");
    cell(tr, day(m.at));
    cell(tr, m.activity_title ? ((EN && m.activity_title.en) || m.activity_title.zh) : T.no_title);
    cell(tr, T["holder_" + m.holder_kind] || m.holder_kind || "");
    cell(tr, T[m.cause] || m.cause);
    cell(tr, m.forgiven ? T.forgiven : forgiveForm(m));
    body.appendChild(tr);
  });
  labelCells($("noshow-marks"));
  $("noshow-marks").hidden = !standing.marks.length;
  var summary = standing.marks.length ? T.counting + standing.counting : T.none;
  if (standing.locked_until) { summary += " · " + T.locked + day(standing.locked_until); }
  $("noshow-summary").textContent = summary;
}

// On a phone the table's rows are cards (organizer.css, table.cards): each cell names its column.
function labelCells(table) {
  var heads = Array.prototype.map.call(table.querySelectorAll("thead th"), function (th) { return th.textContent; });
  table.querySelectorAll("tbody tr").forEach(function (tr) {
    Array.prototype.forEach.call(tr.children, function (td, i) { td.dataset.label = heads[i] || ""; });
  });
}

function byId() { return $("noshow-by").value === "id"; }

function said(data) {  // the reason's message and the field's rule, e.g. "证件号码无效：校验位不符"
  var errors = data.errors || {}, first = Object.keys(errors)[0];
  return data.message + (first ? " " + [].concat(errors[first]).join(" ") : "");
}

function lookUp() {
  var body = byId() ? { id_type: $("noshow-id-type").value, id_number: $("noshow-id-number").value }
                    : { phone: $("noshow-phone").value };
  return call("POST", "/api/v1/noshow/lookups", body)
    .then(function (r) { if (r.ok) { render(r.data); } else { $("noshow-summary").textContent = said(r.data); } })
    .catch(function () { $("noshow-summary").textContent = T.offline; });
}

$("noshow-by").addEventListener("change", function () {
  $("noshow-phone-field").hidden = byId();
  $("noshow-id-type-field").hidden = !byId();
  $("noshow-id-field").hidden = !byId();
  $("noshow-marks").hidden = true;
  $("noshow-summary").textContent = "";
});

$("noshow-lookup").addEventListener("submit", function (ev) {
  ev.preventDefault();
  lookUp();
});
