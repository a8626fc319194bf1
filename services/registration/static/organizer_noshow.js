/* The organizer page's no-show panel (issue 15 §2): look a registrant's phone up, then forgive
 * a mark with a note.  The phone travels in a POST body, never in a URL; the note goes to the
 * audit log.  Uses the organizer page's token (organizer.js keeps it).
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
      .then(function (r) { if (r.ok) { render(r.data); } else { $("noshow-summary").textContent = r.data.message; } })
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
    cell(tr, m.activity_id);
    cell(tr, T[m.cause] || m.cause);
    cell(tr, m.forgiven ? T.forgiven : forgiveForm(m));
    body.appendChild(tr);
  });
  $("noshow-marks").hidden = !standing.marks.length;
  var summary = standing.marks.length ? T.counting + standing.counting : T.none;
  if (standing.locked_until) { summary += " · " + T.locked + day(standing.locked_until); }
  $("noshow-summary").textContent = summary;
}

$("noshow-lookup").addEventListener("submit", function (ev) {
  ev.preventDefault();
  call("POST", "/api/v1/noshow/lookups", { phone: $("noshow-phone").value })
    .then(function (r) { if (r.ok) { render(r.data); } else { $("noshow-summary").textContent = r.data.message; } })
    .catch(function () { $("noshow-summary").textContent = T.offline; });
});
