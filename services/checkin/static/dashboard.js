/* Live attendance: polls the attendance API every second and updates the page in place.
 * One activity (/dashboard/<id>): GET /api/v1/activities/<id>/attendance.
 * The festival (/dashboard):       GET /api/v1/attendance.
 */

import { api, download, loginAgain, named, place, start, T } from "./dashboard-session.js";
import { STATUS } from "./js/vocabulary.js";

var aid = document.body.dataset.activityId || "";
var path = aid ? "/api/v1/activities/" + encodeURIComponent(aid) + "/attendance" : "/api/v1/attendance";
var PERIOD_MS = 1000, HIDDEN_PERIOD_MS = 5000, BUCKET_MS = 300000;
var chart = null, lastArrivals = "", timer = null, running = false, inFlight = false;

function $(id) { return document.getElementById(id); }
function text(id, value) { var el = $(id); if (el && el.textContent !== String(value)) { el.textContent = value; } }
function pct(rate) { return rate === null || rate === undefined ? "–" : (rate * 100).toFixed(1) + "%"; }
function hm(iso) { return iso ? iso.substring(11, 16) : ""; }
function day(iso) { return iso ? iso.substring(0, 10) : ""; }

function cell(tr, value, cls) {
  var td = document.createElement("td");
  if (value instanceof Node) { td.appendChild(value); } else { td.textContent = value; }
  if (cls) { td.className = cls; }
  tr.appendChild(td);
}

/* Issue 26: 未到, 未到率 and 到场率 only over ended activities (null before: "–"); 待入场 apart. */
function figures(d) {
  ["capacity", "confirmed", "waitlisted", "checked_in"].forEach(function (k) { text("n-" + k, d[k]); });
  text("n-remaining", d.ended ? "–" : d.remaining);
  text("n-no_shows", d.no_shows === null || d.no_shows === undefined ? "–" : d.no_shows);
  text("n-no_show_rate", d.no_shows === null ? "–" : pct(d.no_show_rate));
  text("n-attendance_rate", pct(d.attendance_rate));
  text("no-show-note", d.no_shows === null ? T.not_ended : "");
  text("n-standby_admitted", d.standby_admitted === undefined ? "–" : d.standby_admitted);
  text("n-lottery", lottery(d, true));
}

/* Issue 15: the draw's figures, "–" for an activity without a lottery. */
function lottery(d, withWaitlist) {
  if (!d.lottery_entries) { return "–"; }
  var parts = [d.lottery_entries, d.lottery_winners].concat(withWaitlist ? [d.lottery_waitlisted] : []);
  return parts.join(" / ");
}

function gates(list) {
  var body = document.querySelector("#gates tbody");
  body.replaceChildren();
  list.forEach(function (g) {
    var tr = document.createElement("tr");
    cell(tr, g.gate);
    cell(tr, g.checked_in, "num");
    body.appendChild(tr);
  });
}

/* The festival's gates grouped by venue id (issue 26): a venue's row, then its gates. */
function venueGates(venues) {
  var body = document.querySelector("#gates tbody");
  body.replaceChildren();
  var names = {};
  venues.forEach(function (v) { names[v.venue.name] = (names[v.venue.name] || 0) + 1; });
  venues.forEach(function (v) {
    var head = document.createElement("tr");
    head.className = "venue";
    head.dataset.venue = v.venue.id;
    var name = document.createElement("span");
    name.appendChild(named({ zh: v.venue.name, en: v.venue.name_en }));
    if (names[v.venue.name] > 1 && (v.venue.address || v.venue.address_en)) {  // one name, two places
      var where = document.createElement("small");
      where.className = "where";
      where.appendChild(named({ zh: v.venue.address, en: v.venue.address_en }));
      name.append(document.createElement("br"), where);
    }
    cell(head, name);
    cell(head, "");
    cell(head, v.checked_in, "num");
    body.appendChild(head);
    v.gates.forEach(function (g) {
      var tr = document.createElement("tr");
      tr.dataset.venue = v.venue.id;
      cell(tr, "");
      cell(tr, g.gate);
      cell(tr, g.checked_in, "num");
      body.appendChild(tr);
    });
  });
}

/* Shanghai wall-clock label of a bucket start (ms since the epoch). */
function label(ms, withDay) {
  var at = new Date(ms + 8 * 3600000).toISOString();
  return (withDay ? at.substring(5, 10) + " " : "") + at.substring(11, 16);
}
function floorBucket(ms) { return ms - (ms % BUCKET_MS); }

/* The x axis: one activity from its door opening (60 min before the start) to now or its end;
 * the festival over the latest day with arrivals. At least an hour, at most a day. */
function span(list, d) {
  var now = floorBucket(Date.now()), first, last;
  if (aid) {
    first = floorBucket(Date.parse(d.starts_at) - 3600000);
    last = Math.max(first, Math.min(now, floorBucket(Date.parse(d.ends_at))));
  } else if (list.length) {
    var lastDay = day(list[list.length - 1].at);
    first = Date.parse(list.filter(function (b) { return day(b.at) === lastDay; })[0].at);
    last = day(new Date(now + 8 * 3600000).toISOString()) === lastDay ? now : first;
  } else {
    first = last = now;
  }
  if (list.length) {
    first = Math.min(first, Date.parse(list[0].at));
    last = Math.max(last, Date.parse(list[list.length - 1].at));
  }
  first = Math.min(first, last - 11 * BUCKET_MS);
  first = Math.max(first, last - 287 * BUCKET_MS);
  return [first, last];
}

/* The festival: arrivals per hour over the days with activities, and today, so today's arrivals
 * are always in view (a 5-minute window over the latest day with arrivals once left them out). */
var HOUR_MS = 3600000, MAX_DAYS = 14;
function festivalHours(list, rows) {
  var today = day(new Date(Date.now() + 8 * HOUR_MS).toISOString());
  var days = {};
  days[today] = true;
  rows.forEach(function (r) {
    if (r.status === STATUS.CANCELLED) { return; }
    for (var t = Date.parse(r.starts_at); t <= Date.parse(r.ends_at) && t - Date.parse(r.starts_at) < 60 * 86400000; t += 86400000) {
      days[day(new Date(t + 8 * HOUR_MS).toISOString())] = true;
    }
    days[day(new Date(Date.parse(r.ends_at) + 8 * HOUR_MS).toISOString())] = true;
  });
  var all = Object.keys(days).sort(), at = all.indexOf(today);
  var from = Math.max(0, Math.min(at - Math.floor(MAX_DAYS / 2), all.length - MAX_DAYS));
  var shown = all.slice(from, from + MAX_DAYS);
  var byHour = {};
  list.forEach(function (b) { var h = Date.parse(b.at); h -= (h % HOUR_MS); byHour[h] = (byHour[h] || 0) + b.people; });
  var labels = [], data = [];
  shown.forEach(function (dd) {
    var start = Date.parse(dd + "T00:00:00+08:00");
    for (var h = 0; h < 24; h++) {
      labels.push(dd.substring(5) + " " + ("0" + h).slice(-2) + ":00");
      data.push(byHour[start + h * HOUR_MS] || 0);
    }
  });
  return { labels: labels, data: data, days: shown };
}

function draw(labels, data) {
  if (!window.Chart) { return; }
  if (!chart) {
    chart = new window.Chart($("arrivals"), {
      type: "bar",
      data: { labels: labels, datasets: [{ label: aid ? T.arrivals : T.arrivals_hourly, data: data, backgroundColor: "#0b5cad" }] },
      options: { animation: false, responsive: true, maintainAspectRatio: false,
                 plugins: { legend: { display: false } },
                 scales: { y: { beginAtZero: true, ticks: { precision: 0 } } } }
    });
  } else {
    chart.data.labels = labels;
    chart.data.datasets[0].data = data;
    chart.update("none");
  }
}

function arrivals(list, d) {
  if (!aid) {
    var hours = festivalHours(list, d.activities || []);
    var fkey = JSON.stringify(list) + hours.days.join();
    if (fkey === lastArrivals) { return; }
    lastArrivals = fkey;
    $("no-arrivals").hidden = list.length > 0;
    $("arrivals").dataset.days = hours.days.join(",");
    draw(hours.labels, hours.data);
    return;
  }
  var range = span(list, d);
  var key = JSON.stringify(list) + range.join();
  if (key === lastArrivals) { return; }
  lastArrivals = key;
  $("no-arrivals").hidden = list.length > 0;
  var byMs = {}, labels = [], data = [];
  list.forEach(function (b) { byMs[Date.parse(b.at)] = b.people; });
  var withDay = day(new Date(range[0] + 8 * 3600000).toISOString()) !== day(new Date(range[1] + 8 * 3600000).toISOString());
  for (var t = range[0]; t <= range[1]; t += BUCKET_MS) {
    labels.push(label(t, withDay));
    data.push(byMs[t] || 0);
  }
  draw(labels, data);
}

function activities(rows) {
  var body = document.querySelector("#activities tbody");
  body.replaceChildren();
  rows.forEach(function (r) {
    var tr = document.createElement("tr");
    if (r.status === STATUS.CANCELLED) { tr.className = "cancelled"; }
    var link = document.createElement("a");
    link.href = "/dashboard/" + encodeURIComponent(r.activity_id);
    link.appendChild(named(r.title));
    cell(tr, day(r.starts_at) + " " + hm(r.starts_at));
    cell(tr, link);
    cell(tr, place(r.venue, r.hall, r.hall_en));
    ["capacity", "confirmed", "waitlisted", "checked_in"].forEach(function (k) { cell(tr, r[k], "num"); });
    var gone = r.status === STATUS.CANCELLED;
    cell(tr, gone || r.ended ? "–" : r.to_come, "num");
    cell(tr, gone || !r.ended ? "–" : r.no_shows, "num");
    cell(tr, gone ? T.cancelled : (r.ended ? pct(r.no_show_rate) : "–"), "num");
    cell(tr, r.standby_admitted, "num");
    cell(tr, lottery(r, false), "num");
    body.appendChild(tr);
  });
}

function render(d) {
  if (aid) {
    var heading = $("title");
    if (heading.dataset.shown !== JSON.stringify(d.title)) { heading.replaceChildren(named(d.title)); heading.dataset.shown = JSON.stringify(d.title); }
    text("when", day(d.starts_at) + " " + hm(d.starts_at) + "–" + hm(d.ends_at));
    var started = Date.now() >= Date.parse(d.starts_at);
    text("state", d.status === STATUS.CANCELLED ? T.cancelled : (d.ended ? T.ended : (started ? T.running : T.upcoming)));
    figures(d);
    gates(d.gates);
  } else {
    // "未到", "未到率" and "到场率" over the ended activities; the rest are "待入场" (issues 17, 26)
    var tt = d.totals;
    figures(tt);
    text("n-to_come", tt.to_come);
    venueGates(d.venues);
    activities(d.activities);
  }
  arrivals(d.arrivals, d);
}

function status(ok) {
  $("problem").hidden = ok;
  if (!ok) { $("problem").textContent = T.offline; }
  $("dot").className = ok ? "dot on" : "dot";
  if (ok) { text("updated", T.updated + " " + label(Date.now(), false) + new Date(Date.now() + 8 * 3600000).toISOString().substring(16, 19)); }
}

function tick() {
  if (inFlight) { return; }
  inFlight = true;
  clearTimeout(timer);
  api(path).then(function (resp) {
    if (resp.status === 401 || resp.status === 403) { running = false; loginAgain(T.bad_token); return null; }
    if (resp.status === 404) { $("problem").hidden = false; $("problem").textContent = T.unknown_activity; return null; }
    if (!resp.ok) { throw new Error(String(resp.status)); }
    return resp.json().then(function (d) { render(d); status(true); });
  }).catch(function () { status(false); }).then(function () {
    inFlight = false;
    if (running) { timer = setTimeout(tick, document.hidden ? HIDDEN_PERIOD_MS : PERIOD_MS); }
  });
}

function begin() {
  if (running) { return; }
  running = true;
  clearTimeout(timer);
  tick();
}

document.addEventListener("visibilitychange", function () {
  if (!document.hidden && running) { tick(); }
});
document.querySelectorAll("[data-export]").forEach(function (b) {
  b.addEventListener("click", function () { download(b.dataset.export).catch(function () { status(false); }); });
});
document.getElementById("logout").addEventListener("click", function () { running = false; clearTimeout(timer); });
start(path, begin);
