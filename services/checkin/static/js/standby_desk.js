// Issue 26: the steward's standby desk. The activity's list in the order people joined, masked
// (GET …/standby/list); "call the next that fits" the free seats (POST …/standby/calls
// {"most": 1}: standby_call.lua gives each seat once, and a party that does not fit keeps its
// place); a called number admitted here at this device's gate (POST …/standby/admissions), or by
// its ticket at the scanner; a supervisor may release the unscanned seats (POST …/standby/release).

import { $, api, book, said, start, when } from "./desk.js";
import { EN, people, pick } from "./verdict.js";
import { _, ngettext } from "./i18n.js";
import { STATUS } from "./vocabulary.js";

const POLL_MS = 5000;
let aid = "";

const base = () => `/api/v1/activities/${encodeURIComponent(aid)}/standby`;
const gate = () => (book.auth() || {}).gate || "";

function say(text) { $("desk-msg").textContent = text; }

function stateText(e) {
  if (e.status === STATUS.ADMITTED) return _("Came in %(at)s · %(gate)s", { at: when(e.admitted_at), gate: e.gate || "" });
  if (e.status === STATUS.CALLED) return _("Called %(at)s", { at: when(e.called_at) });
  return _("Waiting");
}

function entry(e) {
  const li = document.createElement("li");
  li.dataset.status = e.status;
  li.dataset.number = String(e.number);
  const no = document.createElement("span");
  no.className = "no";
  no.textContent = String(e.number);
  const info = document.createElement("div");
  info.className = "info";
  const who = document.createElement("div");
  who.textContent = [people(e.party_size), e.phone_masked].filter(Boolean).join(" · ");
  const st = document.createElement("div");
  st.className = "state";
  st.textContent = stateText(e);
  info.append(who, st);
  li.append(no, info);
  if (e.status === STATUS.CALLED) {
    const btn = document.createElement("button");
    btn.type = "button";
    btn.textContent = _("Let in");
    btn.addEventListener("click", () => admit(e.number));
    li.append(btn);
  }
  return li;
}

async function load() {
  if (!aid) return;
  let r = null;
  try { r = await api(`${base()}/list`); } catch { r = null; }
  if (!r || r.status !== 200) { say(said(r)); return; }
  const d = r.body;
  $("seats-free").textContent = String(d.seats_free);
  $("waiting").textContent = String(d.waiting);
  $("released").textContent = String(d.released);
  $("admitted").textContent = String(d.admitted);
  $("handed-back").textContent = String(d.handed_back || 0);  // issue 27
  $("entries").replaceChildren(...d.entries.map(entry));
  $("empty").hidden = d.entries.length > 0;
  return d;
}

async function call() {
  let r = null;
  try { r = await api(`${base()}/calls`, { method: "POST", body: { most: 1 } }); } catch { r = null; }
  if (!r || r.status !== 201) { say(said(r)); return; }
  const d = await load();
  if (r.body.length) {
    const c = r.body[0];
    say(_("Called number %(number)d (%(people)s): it is shown on the screen and sent by SMS",
      { number: c.number, people: people(c.party_size) }));
  } else if (d && d.seats_free <= 0) {
    say(_("No free seats to give"));
  } else if (d && d.waiting > 0) {
    say(ngettext("Nobody waiting fits %(num)d free seat", "Nobody waiting fits %(num)d free seats", d.seats_free));
  } else {
    say(_("Nobody is waiting"));
  }
}

async function admit(number) {
  let r = null;
  try { r = await api(`${base()}/admissions`, { method: "POST", body: { number, gate: gate() } }); } catch { r = null; }
  say(r && r.status === 201 ? _("Number %(number)d let in: %(people)s", { number, people: people(r.body.party_size) })
    : said(r));
  await load();
}

async function release() {
  let r = null;
  try { r = await api(`${base()}/release`, { method: "POST" }); } catch { r = null; }
  say(r && r.status === 200 ? _("%(num)d seats released to standby", { num: r.body.released }) : said(r));
  await load();
}

function choose(state) {
  const now = Date.now() / 1000;
  const acts = (state.activities || []).filter((a) => a.closes_at >= now).sort((a, b) => a.opens_at - b.opens_at);
  const wanted = new URLSearchParams(location.search).get("activity");
  $("f-activity").replaceChildren(...acts.map((a) => {
    const o = document.createElement("option");
    o.value = a.id;
    o.textContent = [pick(a.title), EN ? "" : a.hall]  // the hall has a Chinese name only
      .filter(Boolean).join(" · ");
    return o;
  }));
  if (acts.some((a) => a.id === wanted)) $("f-activity").value = wanted;
  aid = $("f-activity").value;
  $("release").hidden = !["supervisor", "organizer"].includes(state.role);
  $("gate-label").textContent = gate();
  if (!acts.length) say(_("No activity of this venue is on now"));
  load();
}

$("f-activity").addEventListener("change", () => { aid = $("f-activity").value; say(""); load(); });
$("call").addEventListener("click", call);
$("release").addEventListener("click", release);
setInterval(() => { if (!document.hidden) load(); }, POLL_MS);
start(choose, { withGate: true });
