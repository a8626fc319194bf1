// Issue 26: a supervisor's past admissions. Search this venue's admissions from every gate and
// device (GET /api/v1/admissions: masked values only), then undo one with a reason
// (POST /api/v1/checkins/<id>/undo {"reason", "note"}): the server takes the people off every
// count, records why and audits it in one step, and answers the activity's figure after it.

import { $, api, definite, said, start, when } from "./desk.js";
import { EN, people, pick } from "./verdict.js";
import { _, ngettext } from "./i18n.js";

const HOUR_MS = 3600 * 1000;
let asked = 0;  // only the newest search's answer is shown

/** The undo reasons' labels, read from the page's own form (its template holds the texts). */
function labels() {
  const form = $("undo-template").content;
  return Object.fromEntries([...form.querySelectorAll("input[name=reason]")]
    .map((i) => [i.value, i.parentElement.textContent.trim()]));
}

// A wall time typed as the venue's clock says it (datetime-local: "2026-05-30T14:00"), as an
// instant: the festival's time zone (data-tz) may not be this device's.
const TZ_PARTS = new Intl.DateTimeFormat("en-US", { timeZone: document.documentElement.dataset.tz || undefined,
  hourCycle: "h23", year: "numeric", month: "2-digit", day: "2-digit", hour: "2-digit", minute: "2-digit" });
function venueTime(value) {
  if (!value) return "";
  const wall = Date.parse(`${value}Z`);  // the wall time read as if UTC
  const p = Object.fromEntries(TZ_PARTS.formatToParts(new Date(wall)).map((x) => [x.type, Number(x.value)]));
  const shown = Date.UTC(p.year, p.month - 1, p.day, p.hour, p.minute);  // that instant at the venue
  return new Date(wall - (shown - wall)).toISOString();
}

function query() {
  const q = new URLSearchParams();
  for (const name of ["ticket", "last4", "name", "gate"]) {
    const v = $(`f-${name}`).value.trim();
    if (v) q.set(name, v);
  }
  const from = venueTime($("f-from").value), to = venueTime($("f-to").value);
  q.set("since", from || new Date(Date.now() - Number($("f-hours").value) * HOUR_MS).toISOString());
  if (to) q.set("until", to);
  return q;
}

async function search(ev) {
  if (ev) ev.preventDefault();
  const msg = $("search-msg");
  const last4 = $("f-last4").value.trim();
  if (last4 && !/^[0-9]{3}[0-9Xx]$/.test(last4)) { msg.textContent = _("Give the last 4 digits of the phone (or ID)"); return; }
  msg.textContent = _("Searching…");
  const mine = ++asked;
  let r = null;
  try { r = await api(`/api/v1/admissions?${query()}`); } catch { r = null; }
  if (mine !== asked) return;
  if (!r || r.status !== 200) { msg.textContent = said(r); $("results").replaceChildren(); return; }
  const found = r.body.admissions || [];
  msg.textContent = found.length
    ? ngettext("%(num)d admission found", "%(num)d admissions found, newest first", found.length)
    : _("No admission found: widen the search");
  $("results").replaceChildren(...found.map(item));
}

function line(cls, text) {
  const p = document.createElement("p");
  p.className = cls;
  p.textContent = text;
  return p;
}

function item(a) {
  const li = document.createElement("li");
  li.dataset.checkin = a.checkin_id;
  const member = a.member ? [a.member.name_masked, a.member.id_masked].filter(Boolean).join(" ") : "";
  li.append(
    line("when", [when(a.at), a.gate].filter(Boolean).join(" · ")),
    line("who", [a.name_masked, a.phone_masked, _("%(admitted)s in (party of %(party)d)", { admitted: people(a.admitted),
      party: a.party_size }), member].filter(Boolean).join(" · ")),
    line("what", [pick(a.activity_title), EN ? "" : a.hall, _("by %(device)s", { device: a.staff })].filter(Boolean).join(" · ")),
  );
  if (a.reverted) return reverted(li, a);
  const btn = document.createElement("button");
  btn.type = "button";
  btn.className = "undo";
  btn.textContent = _("Undo…");
  btn.addEventListener("click", () => { btn.hidden = true; li.append(undoForm(li, a, btn)); });
  li.append(btn);
  return li;
}

function reverted(li, a) {
  li.classList.add("reverted");
  const why = labels()[a.undo_reason] || "";
  li.append(line("was", _("Undone %(at)s by %(who)s: %(why)s", { at: when(a.reverted_at), who: a.reverted_by,
    why: [why, a.undo_note].filter(Boolean).join(" · ") })));
  return li;
}

function undoForm(li, a, btn) {
  const form = $("undo-template").content.firstElementChild.cloneNode(true);
  const err = form.querySelector(".field-error");
  form.querySelector(".cancel-undo").addEventListener("click", () => { form.remove(); btn.hidden = false; });
  form.addEventListener("submit", async (ev) => {
    ev.preventDefault();
    const reason = (form.querySelector("input[name=reason]:checked") || {}).value;
    const note = form.elements.note.value.trim();
    const other = form.querySelector("input[name=reason]:checked").dataset.other;
    if (other && !note) { err.textContent = _("Say why in the note"); err.hidden = false; return; }
    let r = null;
    try {
      r = await api(`/api/v1/checkins/${encodeURIComponent(a.checkin_id)}/undo`, { method: "POST", body: { reason, note } });
    } catch { r = null; }
    if (!r || !definite(r.status) || r.status !== 200) { err.textContent = said(r); err.hidden = false; return; }
    await search();  // the list as the server now has it: who undid it, when, why
    $("search-msg").textContent = _("Undone: %(people)s. This activity now has %(num)d in", {
      people: people(r.body.reverted), num: r.body.checked_in });
  });
  return form;
}

const SUPERVISORS = ["supervisor", "organizer"];

$("search-form").addEventListener("submit", search);
start((state) => {
  const may = SUPERVISORS.includes(state.role);
  $("search-form").hidden = !may;
  if (may) return search();
  $("results").replaceChildren();
  $("search-msg").textContent = _("This page is for supervisors: sign in with a supervisor's token");
});
