/* The forgiveness log (/organizer/forgiveness, issue 26): who forgave which no-show mark, when and
 * why, newest first.  Uses the organizer page's token (organizer.js keeps it); without one the
 * page says to log in there.
 */
var KEY = "sciday.organizer.token";
var T = JSON.parse(document.getElementById("forgiveness-i18n").textContent);
var EN = T.lang === "en";

function $(id) { return document.getElementById(id); }
function token() { return sessionStorage.getItem(KEY) || localStorage.getItem(KEY) || ""; }
function beijing(ms) { return new Date(ms + 8 * 3600000).toISOString().substring(0, 16).replace("T", " "); }
function title(t) { return t ? ((EN && t.en) || t.zh) : T.no_title; }

function cell(tr, text) {
  var td = document.createElement("td");
  td.textContent = text;
  tr.appendChild(td);
}

function render(entries) {
  var body = document.querySelector("#forgiveness-log tbody");
  body.replaceChildren();
  entries.forEach(function (e) {
    var tr = document.createElement("tr");
    cell(tr, beijing(Date.parse(e.at)));
    cell(tr, e.by);
    cell(tr, e.note);
    cell(tr, title(e.activity_title));
    cell(tr, e.marked_at ? beijing(e.marked_at * 1000).substring(0, 10) : "");
    cell(tr, T[e.cause] || e.cause || "");
    cell(tr, T["holder_" + e.holder_kind] || e.holder_kind);
    body.appendChild(tr);
  });
  labelCells($("forgiveness-log"));
  $("forgiveness-log").hidden = !entries.length;
  $("forgiveness-summary").textContent = entries.length ? T.count.replace("{n}", entries.length) : T.none;
}

// On a phone the table's rows are cards (organizer.css, table.cards): each cell names its column.
function labelCells(table) {
  var heads = Array.prototype.map.call(table.querySelectorAll("thead th"), function (th) { return th.textContent; });
  table.querySelectorAll("tbody tr").forEach(function (tr) {
    Array.prototype.forEach.call(tr.children, function (td, i) { td.dataset.label = heads[i] || ""; });
  });
}

if (!token()) {
  $("forgiveness-login").hidden = false;
} else {
  fetch("/api/v1/noshow/forgiveness?lang=" + (EN ? "en" : "zh-CN"), {
    cache: "no-store", credentials: "omit",
    headers: { "Authorization": "Bearer " + token(), "Accept-Language": EN ? "en" : "zh-CN" }
  }).then(function (resp) {
    if (resp.status === 401 || resp.status === 403) { $("forgiveness-login").hidden = false; return null; }
    return resp.json();
  }).then(function (data) { if (data) { render(data.entries); } })
    .catch(function () { $("forgiveness-summary").textContent = T.offline; });
}
