// A real-name party at the door, member by member (issue 26).
//
// The verdict lists the party's members as the scanner state carries them (`parties`: masked
// name, ID type and masked number; a child booked without a document marked as a child), each
// with whether they are in. The steward ticks who is here and one tap admits the ticked members
// together (admit.lua's `ticked` step online, doorbook.judge offline). A member's ID card read in
// the card form (scan.js, issue 23) is that member's own tap: matched and admitted at once, and the
// list shows them in. When cards are required (the state's id_required), a member booked with a
// document comes in on their card only, so only the others (children) can be ticked.

import { cardsRequired } from "./doorbook.js";
import { $, people } from "./verdict.js";
import { _ } from "./i18n.js";

const ID_TYPES = {
  resident_id: () => _("Resident ID card"),
  hk_macau_permit: () => _("HK/Macao travel permit"),
  taiwan_permit: () => _("Taiwan travel permit"),
  passport: () => _("Passport"),
  foreign_permanent_id: () => _("Foreign permanent resident ID"),
};

let party = null;  // {scan, members, hashes, required, inside: Set, ticked: Set} (places from 1)
let onAdmit = null;

/** The members the scanner state lists for this ticket's registration ([] for a head count). */
export function membersOf(ticket, state) {
  const act = ((state || {}).activities || []).find((a) => a.id === ticket.activity_id);
  return (act && act.parties && act.parties[ticket.registration_id]) || [];
}

const isChild = (m) => m.id_type === "none" || !m.id_masked;
const docOf = (m) => (isChild(m) ? _("Child") : `${(ID_TYPES[m.id_type] || (() => m.id_type))()} ${m.id_masked}`);

/** "张* · 居民身份证 1101**********1234", or "张* · 儿童" for a child without a document. */
export function memberLine(m) {
  return m ? `${m.name_masked} · ${docOf(m)}` : "";
}

/** List the members of `scan` (its ticket is real-name and the state lists its members). */
export function askMembers(scan, state, entry, admit) {
  const tk = scan.ticket;
  const act = (state.activities || []).find((a) => a.id === tk.activity_id) || {};
  party = { scan, members: membersOf(tk, state), hashes: (act.cards || {})[tk.registration_id] || [],
            required: cardsRequired(tk, state, act), inside: new Set((entry && entry.members) || []),
            ticked: new Set() };
  onAdmit = admit;
  render();
}

/** After an admission: who is in now (the device's log); the list closes once everyone is. */
export function updateMembers(entry) {
  if (!party) return;
  party.inside = new Set((entry && entry.members) || []);
  for (const place of party.inside) party.ticked.delete(place);
  if (party.members.every((m, i) => party.inside.has(i + 1))) closeMembers();
  else render();
}

/** Whether some member still to come must show a card (the card form is offered then). */
export function cardsToCome() {
  return Boolean(party && party.required && party.hashes.some((h, i) => h && !party.inside.has(i + 1)));
}

export function closeMembers() {
  party = null;
  render();
}

export const membersOpen = () => party !== null;

function carded(place) {
  return Boolean(party.hashes[place - 1]);
}

function render() {
  const form = $("members-form");
  form.hidden = !party;
  if (!party) return;
  $("member-list").replaceChildren(...party.members.map((m, i) => row(m, i + 1)));
  const n = party.ticked.size;
  $("members-confirm").disabled = n === 0;
  $("members-confirm").textContent = n ? _("Admit %(people)s", { people: people(n) }) : _("Tick who is here");
  // Issue 29: everyone still to come in one action (a school's group: no card asked, cardsRequired)
  const rest = tickable();
  $("members-all").hidden = rest.length < 2;
  $("members-all").textContent = _("Admit everyone still to come: %(people)s", { people: people(rest.length) });
}

/** The places of the members still to come that a tick may admit (not those who must show a card). */
function tickable() {
  return party.members.map((_m, i) => i + 1).filter((p) => !party.inside.has(p) && !(party.required && carded(p)));
}

function admitAll() {
  if (!party) return;
  const rest = tickable();
  if (rest.length) onAdmit(party.scan, rest.map((member) => ({ member, id_hash: "" })));
}

function row(m, place) {
  const li = document.createElement("li");
  const inside = party.inside.has(place), ticked = party.ticked.has(place);
  const byCard = party.required && carded(place);  // ticked by reading the card only
  li.className = `member${inside ? " inside" : ""}${ticked ? " ticked" : ""}`;
  li.dataset.place = String(place);
  const box = document.createElement("input");
  box.type = "checkbox";
  box.id = `member-${place}`;
  box.checked = inside || ticked;
  box.disabled = inside || byCard;
  box.addEventListener("change", () => {
    if (box.checked) party.ticked.add(place);
    else party.ticked.delete(place);
    render();
  });
  const label = document.createElement("label");
  label.htmlFor = box.id;
  const span = (cls, text) => Object.assign(document.createElement("span"), { className: cls, textContent: text });
  const state = inside ? _("Already in") : byCard ? _("Read the card") : "";
  const doc = span("m-doc", isChild(m) ? _("Child") : `${(ID_TYPES[m.id_type] || (() => m.id_type))()} `);
  if (!isChild(m)) doc.append(span("m-num", m.id_masked));  // never broken inside the number
  label.append(span("m-name", m.name_masked), doc, span("m-state", state));
  if (isChild(m)) li.classList.add("child");
  li.append(box, label);
  return li;
}

function confirm() {
  if (!party || party.ticked.size === 0) return;
  const ticks = [...party.ticked].sort((a, b) => a - b).map((member) => ({ member, id_hash: "" }));
  onAdmit(party.scan, ticks);
}

export function wireMembers(onCancel) {
  $("members-confirm").addEventListener("click", confirm);
  $("members-all").addEventListener("click", admitAll);
  $("members-cancel").addEventListener("click", () => { closeMembers(); onCancel(); });
}
