/* Organizers' activity management (/organizer): list (search, filter, sort), create, edit,
 * duplicate, capacity, cancel, notices, exports and spreadsheet import, all through the JSON API
 * with `Authorization: Bearer`.
 * The token is kept in sessionStorage (localStorage if "remember" is ticked), never in a URL.
 */
import { quotaValues, quotasOf } from "./quota_form.js";  // issue 29: seats kept for channels
var KEY = "sciday.organizer.token";
var T = JSON.parse(document.getElementById("i18n").textContent);
var EN = T.lang === "en";
var activities = {}, venues = {}, current = null, editing = null, listed = [], lotteryState = null;
var PATHS = { "title.zh": "title_zh", "title.en": "title_en", "description.zh": "description_zh",
              "venue.id": "venue_id", "venue.name": "venue_name", "venue.address": "venue_address",
              "venue.name_en": "venue_name_en", "venue.address_en": "venue_address_en",
              "waitlist.enabled": "waitlist_enabled", "waitlist.max_length": "waitlist_max",
              "lottery.opens_at": "lottery_opens_at", "lottery.closes_at": "lottery_closes_at",
              "lottery.draw_at": "lottery_draw_at", "lottery.confirm_hours": "lottery_confirm_hours",
              "lottery._schema": "lottery_draw_at" };

function $(id) { return document.getElementById(id); }
function token() { return sessionStorage.getItem(KEY) || localStorage.getItem(KEY) || ""; }
function forget() { sessionStorage.removeItem(KEY); localStorage.removeItem(KEY); }
function pick(text) { var p = String(text || "").split(" / "); return EN ? (p[1] || p[0]) : p[0]; }
function title(t) { return (EN && t && t.en) || (t && t.zh) || ""; }
// issue 26: an English page names a place or title in English, else the Chinese marked as such
function named(zh, en) { return EN ? (en || (zh ? zh + " (" + T.chinese_only + ")" : "")) : (zh || en || ""); }
function local(iso) { return iso ? iso.substring(0, 16) : ""; }           // stored in +08:00
function shanghai(value) { return value ? value + ":00+08:00" : null; }   // datetime-local -> ISO

function api(method, path, body, isForm) {
  var headers = { "Authorization": "Bearer " + token(), "Accept-Language": EN ? "en" : "zh-CN" };
  var opts = { method: method, headers: headers, cache: "no-store", credentials: "omit" };
  if (body !== undefined) {
    if (isForm) { opts.body = body; } else { headers["Content-Type"] = "application/json"; opts.body = JSON.stringify(body); }
  }
  return fetch(path + (path.indexOf("?") < 0 ? "?" : "&") + "lang=" + (EN ? "en" : "zh-CN"), opts)
    .then(function (resp) {
      var type = resp.headers.get("Content-Type") || "";
      var parsed = type.indexOf("json") >= 0 ? resp.json() : Promise.resolve({});
      return parsed.then(function (data) {
        if (resp.status === 401) { loginAgain(T.bad_token); }
        return { ok: resp.ok, status: resp.status, data: data };
      });
    });
}

function flash(message, kind) {
  var el = $("flash");
  el.hidden = !message;
  el.className = "banner " + (kind || "ok");
  el.textContent = message || "";
  if (message) { el.scrollIntoView({ block: "nearest" }); }
}

function failed(result) { flash(pick(result.data.message) || T.offline, "error"); }

// -- session ------------------------------------------------------------------------------
function show(loggedIn) {
  $("login").hidden = loggedIn;
  $("board").hidden = !loggedIn;
  $("logout").hidden = !loggedIn;
}

function loginAgain(message) {
  forget();
  show(false);
  $("login-error").textContent = message || "";
}

$("login-form").addEventListener("submit", function (ev) {
  ev.preventDefault();
  var value = $("token").value.trim();
  fetch("/api/v1/tokens/current", { headers: { "Authorization": "Bearer " + value }, cache: "no-store", credentials: "omit" })
    .then(function (resp) { return resp.ok ? resp.json() : null; })
    .then(function (who) {
      if (!who || who.role !== "organizer") { $("login-error").textContent = T.bad_token; return; }
      forget();
      ($("remember").checked ? localStorage : sessionStorage).setItem(KEY, value);
      $("token").value = "";
      $("login-error").textContent = "";
      show(true);
      load();
    })
    .catch(function () { $("login-error").textContent = T.offline; });
});
$("logout").addEventListener("click", function () { loginAgain(""); });

// -- the list -----------------------------------------------------------------------------
function cell(tr, value, cls) {
  var td = document.createElement("td");
  if (value instanceof Node) { td.appendChild(value); } else { td.textContent = value; }
  if (cls) { td.className = cls; }
  tr.appendChild(td);
}

function load(selectId) {
  return api("GET", "/api/v1/activities").then(function (r) {
    if (!r.ok) { failed(r); return; }
    activities = {};
    venues = {};
    listed = r.data.activities;
    listed.forEach(function (a) {
      activities[a.id] = a;
      venues[a.venue.id] = venues[a.venue.id] || a.venue;
    });
    fillVenueFilter();
    if (selectId) { current = selectId; }
    renderList();
    if (selectId || current) { select(selectId || current); }
  });
}

// -- search, filter and sort (issue 26): in the page, over the list the API gave ---------------
function ended(a) { return Date.parse(a.ends_at) < Date.now(); }
function statusOf(a) { return a.status === "cancelled" ? "cancelled" : ended(a) ? "ended" : "upcoming"; }

function fillVenueFilter() {
  var sel = $("filter-venue"), was = sel.value;
  sel.replaceChildren(sel.options[0]);
  Object.keys(venues).sort(function (x, y) { return venues[x].name.localeCompare(venues[y].name, "zh-CN"); })
    .forEach(function (id) {
      var o = document.createElement("option");
      o.value = id;
      o.textContent = venues[id].name;
      sel.appendChild(o);
    });
  sel.value = venues[was] ? was : "";
}

function matches(a) {
  var q = $("q").value.trim().toLowerCase(), day = $("filter-date").value;
  var text = [a.id, a.title.zh, a.title.en, a.venue.name, a.hall, a.organizer].join(" ").toLowerCase();
  return (!q || text.indexOf(q) >= 0) &&
    (!day || (local(a.starts_at).substring(0, 10) <= day && day <= local(a.ends_at).substring(0, 10))) &&
    (!$("filter-venue").value || a.venue.id === $("filter-venue").value) &&
    (!$("filter-kind").value || a.kind === $("filter-kind").value) &&
    (!$("filter-status").value || statusOf(a) === $("filter-status").value);
}

var SORTS = {
  "time": function (x, y) { return x.starts_at < y.starts_at ? -1 : x.starts_at > y.starts_at ? 1 : 0; },
  "time-desc": function (x, y) { return SORTS.time(y, x); },
  "title": function (x, y) { return title(x.title).localeCompare(title(y.title), EN ? "en" : "zh-CN"); },
  "venue": function (x, y) { return (x.venue.name + x.hall).localeCompare(y.venue.name + y.hall, "zh-CN") || SORTS.time(x, y); },
  "fill": function (x, y) { return y.seats_taken / y.capacity - x.seats_taken / x.capacity || SORTS.time(x, y); }
};

function statusText(a) {
  if (a.status === "cancelled") { return T.cancelled + (a.cancel_reason ? T.colon + a.cancel_reason : ""); }
  return ended(a) ? T.ended : T.scheduled;
}

function row(a) {
  var tr = document.createElement("tr");
  tr.dataset.id = a.id;
  tr.className = (a.status === "cancelled" ? "cancelled" : "") + (a.id === current ? " selected" : "");
  cell(tr, local(a.starts_at).replace("T", " "));
  var name = document.createElement("span");
  name.textContent = named(a.title.zh, a.title.en);  // issue 26: marked where there is no English
  var what = document.createElement("div");
  what.appendChild(name);
  [[a.real_name, T.real_name_tag], [a.allocation === "lottery", T.lottery_tag]].forEach(function (tag) {
    if (!tag[0]) { return; }
    var t = document.createElement("span");
    t.className = "tag";
    t.textContent = tag[1];
    what.appendChild(t);
  });
  cell(tr, what);
  cell(tr, [named(a.venue.name, a.venue.name_en), named(a.hall, a.hall_en)].filter(Boolean).join(" · "));
  cell(tr, T.kinds[a.kind] || a.kind);
  cell(tr, a.capacity, "num");
  // issue 27: seats handed back are free but kept for the waitlist or standby, never bookable
  cell(tr, a.seats_handed_back ? a.seats_taken + " · " + T.handed_back.replace("{n}", a.seats_handed_back) : a.seats_taken, "num");
  cell(tr, a.waitlist_people, "num");
  cell(tr, statusText(a));
  var b = document.createElement("button");
  b.type = "button";
  b.textContent = T.manage;
  b.addEventListener("click", function () { select(a.id); });
  cell(tr, b);
  return tr;
}

function renderList() {
  var shown = listed.filter(matches).sort(SORTS[$("sort").value] || SORTS.time);
  document.querySelector("#activity-list tbody").replaceChildren.apply(
    document.querySelector("#activity-list tbody"), shown.map(row));
  labelCells($("activity-list"));
  $("list-count").textContent = T.shown.replace("{shown}", shown.length).replace("{total}", listed.length);
}

// On a phone the table's rows are cards (organizer.css, table.cards): each cell names its column.
function labelCells(table) {
  var heads = Array.prototype.map.call(table.querySelectorAll("thead th"), function (th) { return th.textContent; });
  table.querySelectorAll("tbody tr").forEach(function (tr) {
    Array.prototype.forEach.call(tr.children, function (td, i) { td.dataset.label = heads[i] || ""; });
  });
}

["q", "filter-date", "filter-venue", "filter-kind", "filter-status", "sort"].forEach(function (id) {
  $(id).addEventListener(id === "q" ? "input" : "change", renderList);
});
$("list-filters").addEventListener("submit", function (ev) { ev.preventDefault(); });
$("list-filters").addEventListener("reset", function () { setTimeout(renderList, 0); });

function select(id) {
  var a = activities[id];
  if (!a) { $("manage").hidden = true; current = null; return; }
  current = id;
  document.querySelectorAll("#activity-list tbody tr").forEach(function (tr) { tr.classList.toggle("selected", tr.dataset.id === id); });
  $("manage").hidden = false;
  $("manage-title").textContent = title(a.title);
  $("manage-meta").textContent = a.id + " · " + local(a.starts_at).replace("T", " ") + " · " +
    (a.status === "cancelled" ? T.cancelled : T.scheduled);
  $("capacity-value").value = a.capacity;
  $("manage-dashboard").href = document.body.dataset.dashboard + "/" + encodeURIComponent(a.id);
  ["capacity-form", "notice-form", "cancel-form"].forEach(function (f) {
    $(f).querySelectorAll("input, textarea, button").forEach(function (el) { el.disabled = a.status === "cancelled"; });
  });
  $("edit-activity").disabled = a.status === "cancelled";
  cancelAsked(false);
}

// -- capacity, cancel, notice, exports ------------------------------------------------------
$("capacity-form").addEventListener("submit", function (ev) {
  ev.preventDefault();
  var n = parseInt($("capacity-value").value, 10);
  api("PATCH", "/api/v1/activities/" + encodeURIComponent(current), { capacity: n }).then(function (r) {
    if (!r.ok) { failed(r); return; }
    flash(T.capacity_saved + " " + r.data.capacity, "ok");
    load();
  });
});

function cancelAsked(asked) {
  var a = activities[current] || {};
  $("cancel-confirm").hidden = !asked;
  $("cancel-back").hidden = !asked;
  $("cancel-confirm").textContent = asked ? T.cancel_ask.replace("{title}", title(a.title)).replace("{n}", a.seats_taken + a.waitlist_people) : "";
  $("cancel-submit").textContent = asked ? T.cancel_yes : $("cancel-submit").dataset.label;
  $("cancel-form").dataset.asked = asked ? "1" : "";
}
$("cancel-submit").dataset.label = $("cancel-submit").textContent;
$("cancel-back").addEventListener("click", function () { cancelAsked(false); });

$("cancel-form").addEventListener("submit", function (ev) {
  ev.preventDefault();
  var reason = $("cancel-reason").value.trim();
  if (!reason) { $("cancel-reason").focus(); return; }
  if (!$("cancel-form").dataset.asked) { cancelAsked(true); return; }  // the first tap asks
  cancelAsked(false);
  api("POST", "/api/v1/activities/" + encodeURIComponent(current) + "/cancel", { reason: reason }).then(function (r) {
    if (!r.ok) { failed(r); return; }
    $("cancel-reason").value = "";
    flash(T.cancelled_done, "ok");
    load();
  });
});

$("notice-form").addEventListener("submit", function (ev) {
  ev.preventDefault();
  var body = { message_zh: $("notice-zh").value.trim(), message_en: $("notice-en").value.trim() };
  api("POST", "/api/v1/activities/" + encodeURIComponent(current) + "/notices", body).then(function (r) {
    if (!r.ok) { failed(r); return; }
    $("notice-zh").value = "";
    $("notice-en").value = "";
    flash(T.notice_sent, "ok");
  });
});

function download(fmt) {
  var path = "/api/v1/activities/" + encodeURIComponent(current) + "/registrations." + fmt + "?lang=" + (EN ? "en" : "zh-CN");
  fetch(path, { headers: { "Authorization": "Bearer " + token() }, cache: "no-store", credentials: "omit" })
    .then(function (resp) {
      if (!resp.ok) { throw new Error(String(resp.status)); }
      return resp.blob().then(function (blob) {
        var a = document.createElement("a");
        a.href = URL.createObjectURL(blob);
        a.download = current + "-registrations." + fmt;
        document.body.appendChild(a);
        a.click();
        setTimeout(function () { URL.revokeObjectURL(a.href); a.remove(); }, 1000);
      });
    })
    .catch(function () { flash(T.offline, "error"); });
}
$("export-csv").addEventListener("click", function () { download("csv"); });
$("export-xlsx").addEventListener("click", function () { download("xlsx"); });

// -- create and edit ----------------------------------------------------------------------
var form = $("activity-form");

function setField(name, value) {
  var el = form.elements[name];
  if (el.type === "checkbox") { el.checked = !!value; } else { el.value = value === undefined || value === null ? "" : value; }
}

function clearErrors() {
  form.querySelectorAll("[data-error-for]").forEach(function (p) { p.textContent = ""; });
  form.querySelectorAll("[aria-invalid]").forEach(function (el) { el.removeAttribute("aria-invalid"); });
}

// ``copy``: the duplicate of ``a`` (issue 26): the create form filled with its details, a new id,
// nothing published until saved, the lottery's times left to give anew.
function openEditor(a, copy) {
  editing = a && !copy ? a.id : null;
  clearErrors();
  $("editor").hidden = false;
  $("editor-title").textContent = copy ? T.duplicate_title + " · " + title(a.title)
    : a ? T.edit_title + " · " + title(a.title) : T.new_title;
  form.elements.id.disabled = !!editing;
  var wl = (a && a.waitlist) || { enabled: true, max_length: 200 };
  var values = a ? {
    id: a.id, kind: a.kind, title_zh: a.title.zh, title_en: a.title.en, description_zh: (a.description || {}).zh,
    venue_id: a.venue.id, venue_name: a.venue.name, venue_address: a.venue.address, hall: a.hall,
    venue_name_en: a.venue.name_en || "", venue_address_en: a.venue.address_en || "", hall_en: a.hall_en || "",
    organizer: a.organizer, starts_at: local(a.starts_at), ends_at: local(a.ends_at), capacity: a.capacity,
    max_party_size: a.max_party_size, audience: a.audience, registration_opens_at: local(a.registration_opens_at),
    registration_closes_at: local(a.registration_closes_at), allocation: a.allocation || "fcfs",
    handback: a.handback || "", real_name: !!a.real_name, queue: a.queue || "auto",
    expected_demand: a.expected_demand === null || a.expected_demand === undefined ? "" : a.expected_demand
  } : { kind: "imax", audience: "sci_workers_and_families", max_party_size: 4, allocation: "fcfs", queue: "auto" };
  if (copy) { values.id = ""; }
  values.waitlist_enabled = wl.enabled;
  values.waitlist_max = wl.max_length;
  Object.assign(values, quotaValues(a));
  Array.prototype.forEach.call(form.elements, function (el) { if (el.name) { setField(el.name, values[el.name]); } });
  // real-name cannot change once people have registered (their parties were booked without IDs, or with)
  var taken = !!editing && (a.seats_taken + a.waitlist_people) > 0;
  form.elements.real_name.disabled = taken;
  $("real-name-note").textContent = taken ? T.real_name_locked : $("real-name-note").dataset.text;
  fillVenues(a ? a.venue.id : "");
  showLottery(editing);
  if (copy) { flash(T.duplicate_note, "warn"); }
  $("editor").scrollIntoView({ block: "start" });
}
$("real-name-note").dataset.text = $("real-name-note").textContent;

// -- the lottery's times (issue 26): shown for allocation "lottery"; saving opens it or moves them --
var LOTTERY_FIELDS = ["opens_at", "closes_at", "draw_at"];

function showLottery(id) {
  lotteryState = null;
  LOTTERY_FIELDS.forEach(function (k) { setField("lottery_" + k, ""); });
  setField("lottery_confirm_hours", "");
  lotteryToggle();
  if (!id || form.elements.allocation.value !== "lottery") { return; }
  api("GET", "/api/v1/activities/" + encodeURIComponent(id) + "/lottery").then(function (r) {
    if (editing !== id) { return; }
    lotteryState = r.ok ? r.data.state : null;
    if (r.ok && r.data.times) {
      LOTTERY_FIELDS.forEach(function (k) { setField("lottery_" + k, local(r.data.times[k])); });
      setField("lottery_confirm_hours", r.data.times.confirm_hours);
    }
    lotteryToggle();
  });
}

function lotteryToggle() {
  var on = form.elements.allocation.value === "lottery", drawn = lotteryState && lotteryState !== "open";
  $("lottery-times").hidden = !on;
  $("lottery-times").querySelectorAll("input").forEach(function (el) { el.disabled = !!drawn; });
  $("lottery-state").textContent = !on ? "" : drawn ? T.lottery_drawn : lotteryState ? T.lottery_open : T.lottery_unopened;
}
form.elements.allocation.addEventListener("change", lotteryToggle);

// The lottery part of the body: only for a lottery not yet drawn, and once any of its times is given.
function lotteryOf(v) {
  if (v("allocation") !== "lottery" || (lotteryState && lotteryState !== "open")) { return undefined; }
  if (!LOTTERY_FIELDS.some(function (k) { return v("lottery_" + k); })) { return undefined; }
  var out = {};
  LOTTERY_FIELDS.forEach(function (k) { out[k] = shanghai(v("lottery_" + k)); });
  if (v("lottery_confirm_hours") !== "") { out.confirm_hours = Number(v("lottery_confirm_hours")); }
  return out;
}

// -- venues: pick an existing one, or a new one whose id is made for you ----------------------
function fillVenues(selected) {
  var pickEl = form.elements.venue_pick;
  var first = pickEl.options[0];
  pickEl.replaceChildren(first);
  Object.keys(venues).sort(function (x, y) { return venues[x].name.localeCompare(venues[y].name, "zh-CN"); })
    .forEach(function (id) {
      var o = document.createElement("option");
      o.value = id;
      o.textContent = venues[id].name + (venues[id].address ? " · " + venues[id].address : "");
      pickEl.appendChild(o);
    });
  pickEl.value = selected && venues[selected] ? selected : "";
  if (!selected && Object.keys(venues).length === 1) { pickEl.value = Object.keys(venues)[0]; }
  pickVenue();
}

function pickVenue() {
  var id = form.elements.venue_pick.value, v = venues[id];
  if (v) {
    setField("venue_id", v.id);
    setField("venue_name", v.name);
    setField("venue_address", v.address || "");
    setField("venue_name_en", v.name_en || "");
    setField("venue_address_en", v.address_en || "");
  } else if (editing && activities[editing] && form.elements.venue_id.value === activities[editing].venue.id) {
    setField("venue_id", "");
    setField("venue_name", "");
    setField("venue_address", "");
    setField("venue_name_en", "");
    setField("venue_address_en", "");
  }
  noteVenueId();
}

function noteVenueId() {
  var id = form.elements.venue_pick.value ? form.elements.venue_id.value : newVenueId(form.elements.venue_name.value);
  $("venue-id-note").textContent = id ? (form.elements.venue_pick.value ? T.venue_id_is : T.venue_id_new) + id : "";
}

// A short, stable id from the name ("v-" and 6 letters or digits): the same name gives the same id,
// and a name already in use gives that venue's id.
function newVenueId(name) {
  name = String(name || "").trim();
  if (!name) { return ""; }
  var same = Object.keys(venues).filter(function (id) { return venues[id].name === name; })[0];
  if (same) { return same; }
  var h = 2166136261;
  for (var i = 0; i < name.length; i++) { h ^= name.charCodeAt(i); h = Math.imul(h, 16777619) >>> 0; }
  return "v-" + ("000000" + h.toString(36)).slice(-6);
}

// An activity id when the organizer leaves it empty: kind, month and day, and 4 random letters.
function newActivityId(kind, startsAt) {
  var day = (startsAt || "").substring(5, 10).replace("-", "");
  var rand = Math.random().toString(36).slice(2, 6);
  return [kind || "act", day, rand].filter(Boolean).join("-");
}

form.elements.venue_pick.addEventListener("change", pickVenue);
form.elements.venue_name.addEventListener("input", noteVenueId);

function bodyOf() {
  var v = function (name) { return form.elements[name].value.trim(); };
  var num = function (name) { return v(name) === "" ? null : Number(v(name)); };
  var body = {
    kind: v("kind"), title: { zh: v("title_zh"), en: v("title_en") },
    description: { zh: v("description_zh"), en: editing ? ((activities[editing].description || {}).en || "") : "" },
    venue: { id: v("venue_id"), name: v("venue_name"), address: v("venue_address"),
             name_en: v("venue_name_en"), address_en: v("venue_address_en") },
    hall: v("hall"), hall_en: v("hall_en"), organizer: v("organizer"), starts_at: shanghai(v("starts_at")), ends_at: shanghai(v("ends_at")),
    capacity: num("capacity"), max_party_size: num("max_party_size"), audience: v("audience"),
    registration_opens_at: shanghai(v("registration_opens_at")),
    registration_closes_at: shanghai(v("registration_closes_at")),
    waitlist: { enabled: form.elements.waitlist_enabled.checked, max_length: num("waitlist_max") || 0 },
    allocation: v("allocation"), real_name: form.elements.real_name.checked,
    queue: v("queue"), expected_demand: num("expected_demand")
  };
  if (v("handback")) { body.handback = v("handback"); }  // unset: the allocation's default (issue 27)
  var quotas = quotasOf(form, editing ? activities[editing].quotas : null);
  if (quotas) { body.quotas = quotas; }
  var lottery = lotteryOf(v);
  if (lottery) { body.lottery = lottery; }
  if (!v("venue_pick")) { body.venue.id = newVenueId(v("venue_name")); }
  if (editing) {
    body.venue.directions = activities[editing].venue.directions || { zh: "", en: "" };
  } else {
    body.id = v("id") || newActivityId(v("kind"), v("starts_at"));
  }
  return body;
}

function showErrors(errors, prefix) {
  Object.keys(errors || {}).forEach(function (k) {
    var path = prefix ? prefix + "." + k : k, value = errors[k];
    if (value && !Array.isArray(value) && typeof value === "object") { showErrors(value, path); return; }
    var name = PATHS[path] || path.split(".")[0];
    var p = form.querySelector('[data-error-for="' + name + '"]') || form.querySelector('[data-error-for="_schema"]');
    p.textContent = [].concat(value).join(" ");
    if (form.elements[name]) { form.elements[name].setAttribute("aria-invalid", "true"); }
  });
}

form.addEventListener("submit", function (ev) {
  ev.preventDefault();
  clearErrors();
  var req = editing ? api("PATCH", "/api/v1/activities/" + encodeURIComponent(editing), bodyOf())
                    : api("POST", "/api/v1/activities", bodyOf());
  req.then(function (r) {
    if (!r.ok) {
      if (r.status === 422) { showErrors(r.data.errors); flash(T.fix_errors, "error"); } else { failed(r); }
      return;
    }
    $("editor").hidden = true;
    flash(editing ? T.saved : T.created + T.colon + title(r.data.title), "ok");
    load(r.data.id);
  });
});
$("new-activity").addEventListener("click", function () { openEditor(null); });
$("edit-activity").addEventListener("click", function () { openEditor(activities[current]); });
$("duplicate-activity").addEventListener("click", function () { openEditor(activities[current], true); });
$("close-editor").addEventListener("click", function () { $("editor").hidden = true; });

// -- import: static/js/import.js; it says when it created activities -----------------------
document.addEventListener("sciday:activities-changed", function () { load(); });

// -- start --------------------------------------------------------------------------------
if (token()) { show(true); load(); } else { show(false); }
