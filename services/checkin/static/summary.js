/* The printable festival summary: GET /api/v1/summary, drawn as tables (print with the browser). */

import { api, download, loginAgain, named, place, start, T } from "./dashboard-session.js";
import { STATUS } from "./js/vocabulary.js";

function fmt(v, isRate) {
  if (v === null || v === undefined) { return T.unknown; }
  return isRate ? (v * 100).toFixed(1) + "%" : String(v);
}
function numbers(r) {
  var noShows = r.no_shows === null ? "–" : fmt(r.no_shows);  // null: not ended yet (never unknown)
  var noShowRate = r.no_show_rate === null || r.no_show_rate === undefined ? "–" : fmt(r.no_show_rate, true);
  var lottery = r.lottery_entries ? r.lottery_entries + " / " + r.lottery_winners + " / " + r.lottery_waitlisted : "–";
  // issue 26: the attendance rate, like the no-shows, only over ended activities (null: "–")
  var rate = r.attendance_rate === null || r.attendance_rate === undefined ? "–" : fmt(r.attendance_rate, true);
  return [fmt(r.capacity), fmt(r.registered), fmt(r.attended), rate,
          fmt(r.waitlist_demand), noShows, noShowRate, fmt(r.standby_admitted), lottery];
}
function fill(id, rows, textColumns) {
  var body = document.querySelector("#" + id + " tbody");
  body.replaceChildren();
  rows.forEach(function (cells) {
    var tr = document.createElement("tr");
    cells.forEach(function (c, i) {
      var td = document.createElement("td");
      if (c instanceof Node) { td.appendChild(c); } else { td.textContent = c; }
      if (i >= textColumns) { td.className = "num"; }
      tr.appendChild(td);
    });
    body.appendChild(tr);
  });
}

function render(d) {
  document.getElementById("generated").textContent = T.generated + " " + d.generated_at.substring(0, 16).replace("T", " ");
  var note = document.getElementById("unknown-note");
  note.hidden = d.waitlist_demand_known;
  note.textContent = d.waitlist_demand_known ? "" : T.unknown_note;
  fill("totals", [[d.totals.activities].concat(numbers(d.totals))], 0);
  fill("per-activity", d.activities.map(function (r) {
    var state = r.status === STATUS.CANCELLED ? T.cancelled : (r.ended ? T.ended : T.not_ended);
    return [r.day + " " + r.starts_at.substring(11, 16), named(r.title), T.kinds[r.kind] || r.kind,
            place(r.venue, r.hall, r.hall_en), state].concat(numbers(r));
  }), 5);
  var groups = { "by-venue": function (g) { return named({ zh: g.label, en: g.label_en }); }, "by-kind": function (g) { return T.kinds[g.key] || g.key; },
                 "by-day": function (g) { return g.key; } };
  Object.keys(groups).forEach(function (id) {
    var list = d[id.replace("-", "_")];
    fill(id, list.map(function (g) { return [groups[id](g), g.activities].concat(numbers(g)); })
      .concat([[T.total, d.totals.activities].concat(numbers(d.totals))]), 1);
  });
}

function load() {
  api("/api/v1/summary").then(function (resp) {
    if (resp.status === 401 || resp.status === 403) { loginAgain(T.bad_token); return null; }
    if (!resp.ok) { throw new Error(String(resp.status)); }
    return resp.json().then(render);
  }).catch(function () {
    var note = document.getElementById("unknown-note");
    note.hidden = false;
    note.textContent = T.offline;
  });
}

document.getElementById("print").addEventListener("click", function () { window.print(); });
document.querySelectorAll("[data-export]").forEach(function (b) {
  b.addEventListener("click", function () { download(b.dataset.export); });
});
start("/api/v1/summary", load);
