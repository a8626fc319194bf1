// When the QR cannot be read (issue 17): the steward finds the party by the last 4 digits of the
// phone (or of an ID) plus the registrant's name, and admits it through the same server rules as
// a scan (POST /api/v1/checkins/found). Only masked values are shown. Needs the network.
//
// And a supervisor's undo of the check-in just shown (POST /api/v1/checkins/<id>/undo).

import { book } from "./doorbook.js";
import { $, people, pick, refusalText, show } from "./verdict.js";
import { _ } from "./i18n.js";
import { REASON } from "./vocabulary.js";
import { api, definite, net } from "./sync.js";

const UNDO_ROLES = ["supervisor", "organizer"];
const WHEN = new Intl.DateTimeFormat(document.documentElement.lang === "en" ? "en-GB" : "zh-CN", {
  month: "numeric", day: "numeric", hour: "2-digit", minute: "2-digit", hour12: false,
  timeZone: document.documentElement.dataset.tz || undefined });

function matchItem(m, onAdmit) {
  const li = document.createElement("li");
  const who = document.createElement("p");
  const members = (m.members || []).map((x) => [x.name_masked, x.id_masked].filter(Boolean).join(" "));
  who.className = "who";
  const wheel = m.wheelchairs ? `♿ ${_("Wheelchair place")} ×${m.wheelchairs}` : "";  // issue 29
  who.textContent = [m.name_masked, m.phone_masked, people(m.party_size), wheel].filter(Boolean).join(" · ");
  const what = document.createElement("p");
  what.className = "what";
  what.textContent = [pick(m.activity_title), m.hall, WHEN.format(new Date(m.starts_at))].filter(Boolean).join(" · ")
    + (members.length ? ` · ${members.join(_(", "))}` : "");
  const btn = document.createElement("button");
  btn.type = "button";
  btn.className = "primary";
  btn.dataset.rid = m.registration_id;
  btn.textContent = _("Check this party in");
  btn.addEventListener("click", () => {
    clearLookup();
    window.scrollTo({ top: 0 });  // the verdict (and the count to confirm) is at the top
    onAdmit(m);
  });
  li.append(who, what, btn);
  return li;
}

export function clearLookup() {
  $("lookup-results").replaceChildren();
  $("lookup-msg").textContent = "";
}

async function find(ev, onAdmit) {
  ev.preventDefault();
  const last4 = $("f-last4").value.trim(), name = $("f-name").value.trim();
  const msg = $("lookup-msg");
  clearLookup();
  if (!/^[0-9]{3}[0-9Xx]$/.test(last4) || !name) {
    msg.textContent = _("Give the last 4 digits of the phone (or ID) and the name");
    return;
  }
  if (net.online === false) { msg.textContent = _("Looking up needs the network"); return; }
  let r = null;
  try { r = await api("/api/v1/checkins/lookup", { method: "POST", body: { last4, name } }); } catch { r = null; }
  if (!r || !definite(r.status)) { msg.textContent = _("Looking up needs the network: try again"); return; }
  if (r.status !== 200) { msg.textContent = (r.body && r.body.message) || refusalText(REASON.INVALID).head; return; }
  const matches = r.body.matches || [];
  if (!matches.length) { msg.textContent = _("Nobody found: check the digits and the name"); return; }
  msg.textContent = _("%(num)d found: check, then tap to check in", { num: matches.length });
  $("lookup-results").replaceChildren(...matches.map((m) => matchItem(m, onAdmit)));
  $("f-last4").value = "";
  $("f-name").value = "";
}

// -- undo --------------------------------------------------------------------------------------

let undoId = null;

export function mayUndo() {
  return UNDO_ROLES.includes((book.state() || {}).role);
}

/** After an admission the server recorded: a supervisor may take it back (two taps). */
export function offerUndo(checkinId) {
  const btn = $("undo");
  undoId = checkinId;
  btn.dataset.armed = "";
  btn.textContent = _("Undo this check-in");
  btn.hidden = !(checkinId && mayUndo());
}

async function undo(onDone) {
  const btn = $("undo");
  if (!undoId) return;
  if (!btn.dataset.armed) {   // the first tap asks, the second undoes
    btn.dataset.armed = "1";
    btn.textContent = _("Tap again to undo");
    return;
  }
  const id = undoId;
  undoId = null;
  btn.hidden = true;
  let r = null;
  try { r = await api(`/api/v1/checkins/${encodeURIComponent(id)}/undo`, { method: "POST" }); } catch { r = null; }
  if (r && r.status === 200) {
    show("idle", { head: _("Undone: %(people)s", { people: people(r.body.reverted) }) });
    onDone(r.body);
    return;
  }
  const reason = (r && r.body && r.body.reason) || "";
  show("refused", { head: (r && r.body && r.body.message) || _("Undo failed: try again online"),
                    reason });
}

export function wireLookup({ onAdmit, onUndone }) {
  $("lookup-form").addEventListener("submit", (ev) => find(ev, onAdmit));
  $("undo").addEventListener("click", () => undo(onUndone));
}
