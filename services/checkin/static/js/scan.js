// The scanner page: sign-in, camera and typed scans, parties, and switching to offline.
//
// Online, the server decides every scan (POST /api/v1/checkins with a nonce). sync.js keeps the
// public keys and cancellations fresh. When the network or the server does not answer, the page
// judges the ticket itself (doorbook.judge), logs the admission so this device never admits the
// same people twice, and queues it with its nonce for sync.js to upload.
//
// Parties: a single person is admitted on the scan. For a party the scan shows "4 人" with a
// stepper set to the people still to come and one confirm tap, so absent members are never
// admitted by mistake (undo needs a supervisor); one tap for 2–4 people keeps the door well
// inside 3–4 s a person.

import { InvalidTicket, verifier } from "./ticket.js";
import { admittedNow, book, judge, partyNow } from "./doorbook.js";
import { doorHash } from "./doorid.js";
import { Camera, prepareDecoder } from "./camera.js";
import { $, hm, people, pick, refusalText, show, unlockAudio } from "./verdict.js";
import { _ } from "./i18n.js";
import { REASON, STATUS } from "./vocabulary.js";
import { api, applyState, definite, gate, loadKeys, net, refresh, refreshSoon, setOnline, stateUrl } from "./sync.js";
import { clearLookup, offerUndo, wireLookup } from "./lookup.js";
import { askMembers, cardsToCome, closeMembers, memberLine, membersOf, membersOpen, updateMembers,
         wireMembers } from "./members.js";

const POLL_MS = 4000;       // scanner state refresh and queue upload
const SAME_CODE_MS = 3000;  // the camera ignores a code still in view for this long

let pending = null;         // a party waiting for the steward's count
let cardScan = null;        // a real-name party whose members show their ID cards one by one (issue 23)
let busy = false;
let last = { text: "", at: 0 };
let camera = null;

const skewMs = () => (book.state() || {}).skew_ms || 0;
const nowS = () => (Date.now() + skewMs()) / 1000;

function titleOf(aid) {
  const st = book.state() || {};
  const act = (st.activities || []).find((a) => a.id === aid);
  if (act) return [pick(act.title), pick({ zh: act.hall, en: act.hall_en })].filter(Boolean).join(" · "); // no hall at a square or a park
  const away = (st.elsewhere || []).find((a) => a.id === aid);  // another venue's: named, never a raw id
  return away ? `${pick(away.title)} · ${away.venue_name}` : "";
}

function renderCounts() {
  const q = book.queue();
  $("queue-len").textContent = String(q.length);
  const st = book.state();
  const queued = q.filter((i) => i.gate === gate()).reduce((n, i) => n + i.admit, 0);
  $("gate-count").textContent = st ? String((st.gate_checked_in || 0) + queued) : "–";
  $("gate-label").textContent = gate();
  $("net").dataset.online = net.online === null ? "" : net.online ? "1" : "0";
  $("net-text").textContent = net.online === null ? _("Connecting…")
    : net.online ? _("Online") : _("Offline");
  $("state-age").textContent = st && st.fetched_at
    ? _("List updated at %(time)s", { time: hm(st.fetched_at / 1000) }) : "";
  document.body.dataset.verifier = verifier();  // for tests and support, never on screen
  const list = book.conflicts();
  $("conflicts").hidden = list.length === 0;
  $("conflict-list").replaceChildren(...list.map((c) => {
    const li = document.createElement("li");
    li.textContent = `${hm(c.scanned_at)} ${c.title} (${c.rid.slice(0, 6)}…): ${c.text}`;
    return li;
  }));
}

// -- one scan ----------------------------------------------------------------------------------

async function onCode(text, t0, source) {
  text = (text || "").trim();
  if (!text || !book.auth()) return;
  const now = performance.now();
  if (source === "camera") {
    if (pending || busy) return;
    if (text === last.text && now - last.at < SAME_CODE_MS) { last.at = now; return; }
  }
  if (busy) return;
  busy = true;
  last = { text, at: now };
  try {
    await handle(text, t0);
  } catch (err) {
    show("refused", { head: _("Something failed: scan again"), sub: String(err), t0 });
  } finally {
    busy = false;
    last.at = performance.now();
    renderCard();
    renderCounts();
  }
}

async function handle(code, t0) {
  const scan = { code, t0, nonce: crypto.randomUUID(), scanned_at: new Date(Date.now() + skewMs()).toISOString(),
                 gate: gate(), admit: null, ticket: null, local: null };
  pending = null;
  cardScan = null;
  closeMembers();
  if (!net.keys) {
    scan.local = { ok: false, reason: REASON.NO_STATE };
  } else {
    try {
      scan.ticket = smaller(await net.keys.verify(code));
      scan.local = judge(scan.ticket, book.state(), book.entryNow(scan.ticket.registration_id), nowS());
    } catch (err) {
      if (!(err instanceof InvalidTicket)) throw err;
      scan.local = { ok: false, reason: err.reason };
    }
  }
  // Issue 26: online, the server judges before the steward is asked anything (a count, a card):
  // a ticket it will refuse is refused now, and a party partly in is offered only the rest.
  if (net.online !== false && wouldAsk(scan) && await judgedFirst(scan)) return;
  // Issue 26: a party whose members this device knows is ticked member by member (members.js).
  if (byMembers(scan)) return listMembers(scan);
  // Issue 23: a real-name party comes in member by member, each on their own ID card.
  // The judge asks for a card (id_required) only when every other rule let the ticket through.
  if (scan.local.reason === REASON.ID_REQUIRED) return askCard(scan);
  // A standby party comes in whole (standby_admit.lua): no count to ask.
  if (scan.local.ok && scan.ticket.party_size > 1 && scan.ticket.kind !== "standby") return askParty(scan);
  if (net.online !== false) return submitOnline(scan);   // the server decides (and records refusals)
  return decideOffline(scan);
}

// -- the judge before the prompt (issue 26) ------------------------------------------------------

/** The scan would ask the steward something: a party's count, or a real-name party's cards. */
function wouldAsk(scan) {
  if (!scan.ticket || scan.ticket.kind === "standby") return false;
  return scan.local.reason === REASON.ID_REQUIRED || (scan.local.ok && scan.ticket.party_size > 1);
}

/**
 * Ask the server for this scan's verdict, nobody admitted (POST /api/v1/checkins/verdict, the same
 * rules and atomic step as the admission). True when the verdict is shown (a refusal, recorded by
 * the server); false to go on asking, with scan.local set to the server's verdict (the people still
 * to come, or a card to read), or to this device's own when the server gives no definite answer.
 */
async function judgedFirst(scan) {
  let r = null;
  try {
    r = scan.found  // a party found by hand (lookup.js)
      ? await api("/api/v1/checkins/found/verdict", { method: "POST", body: { ...scan.found, gate: scan.gate,
                                                                               nonce: scan.nonce } })
      : await api("/api/v1/checkins/verdict", { method: "POST", body: { code: scan.code, gate: scan.gate,
                                                                         nonce: scan.nonce, scanned_at: scan.scanned_at } });
  } catch { r = null; }
  if (r && r.status === 401) { refusedOnline(scan, r); return true; }
  if (!r || !definite(r.status)) {
    setOnline(false);
    if (!scan.found) return false;  // judged here, as offline
    needsNetwork();
    return true;
  }
  setOnline(true);
  const b = r.body || {};
  if (r.status === 200) {
    const size = Math.min(scan.ticket.party_size, b.party_size || scan.ticket.party_size);
    scan.ticket = { ...scan.ticket, party_size: size };  // a party that dropped a member (issue 17)
    scan.local = { ok: true, remaining: b.remaining, activity: scan.local.activity };
    return false;
  }
  if (b.reason === REASON.ID_REQUIRED) { scan.local = { ok: false, reason: REASON.ID_REQUIRED }; return false; }
  refusedOnline(scan, r);
  return true;
}

// Issue 26: a real-name party (the state lists its members) that the rows before the cards let in.
function byMembers(scan) {
  const tk = scan.ticket;
  return Boolean(tk && tk.kind !== "standby" && (scan.local.ok || scan.local.reason === REASON.ID_REQUIRED)
    && membersOf(tk, book.state()).length > 0);
}

// Issue 26: the verdict lists the members; those with a card to show read it in the card form (each
// card admits its member at once, issue 23), the others are ticked and admitted with one tap.
function listMembers(scan) {
  const tk = scan.ticket;
  askMembers(scan, book.state(), book.entry(tk.registration_id), admitMembers);
  const meta = titleOf(tk.activity_id) + (net.online === false ? ` · ${_("offline")}` : "");
  if (cardsToCome()) {
    cardScan = scan;
    show("card", { head: _("Read each member's ID card"), reason: STATUS.CARD, t0: scan.t0, meta,
                   sub: _("Real-name party of %(num)d: each shows their own card", { num: tk.party_size }) });
  } else {
    show("card", { head: _("Tick who is here"), reason: STATUS.CARD, t0: scan.t0, meta,
                   sub: _("Real-name party of %(num)d: tap the members who are here", { num: tk.party_size }) });
  }
  renderCard();
}

// Issue 26: one tap admits the ticked members together, judged by the server (or here, offline).
async function admitMembers(scan, ticks) {
  const tk = scan.ticket;
  const next = { ...scan, t0: null, nonce: crypto.randomUUID(), admit: ticks.length, members: ticks,
                 scanned_at: new Date(Date.now() + skewMs()).toISOString() };
  next.local = judge(tk, book.state(), book.entry(tk.registration_id), nowS(), "", ticks);
  busy = true;
  try {
    if (net.online !== false) await submitOnline(next);
    else decideOffline(next);
  } finally {
    busy = false;
    last.at = performance.now();
    updateMembers(book.entry(tk.registration_id));
    renderCard();
    renderCounts();
  }
}

// A party that dropped a member (issue 17): its older code admits no more than the party now is
// (the door table's party_reduced row, doorbook.partyNow); shown and queued at that size.
function smaller(tk) {
  const now = partyNow(tk, book.state());
  return now < tk.party_size ? { ...tk, party_size: now } : tk;
}

function decideOffline(scan) {
  if (!scan.local.ok) {
    const said = refusalText(scan.local.reason, scan.local);
    if (scan.local.member) said.sub = memberLine(membersOf(scan.ticket, book.state())[scan.local.member - 1]);
    return show("refused", { ...said, reason: scan.local.reason, t0: scan.t0,
                             meta: [_("judged offline"), scan.ticket ? titleOf(scan.ticket.activity_id) : ""]
                               .filter(Boolean).join(" · ") });
  }
  admitOffline(scan, scan.admit || scan.local.remaining);
}

function admitOffline(scan, n) {
  const tk = scan.ticket, rid = tk.registration_id;
  const e = book.entry(rid);
  const admitted = (e ? e.admitted || 0 : 0) + n;
  const member = scan.local && scan.local.member;  // issue 23: the member whose card matched
  const named = member ? [member] : (scan.local && scan.local.members) || [];  // issue 26: the ticked
  book.note(rid, { aid: tk.activity_id, party: tk.party_size, admitted, first_at: (e && e.first_at) || scan.scanned_at,
                   gate: (e && e.gate) || scan.gate, members: [...((e && e.members) || []), ...named] });
  // The mark of this device's last exchange with the server vouches for the scan's own time.
  // A card travels as its door hash only: the number read is never kept on this device.
  book.enqueue({ nonce: scan.nonce, code: scan.code, gate: scan.gate, admit: n, scanned_at: scan.scanned_at,
                 online_mark: (book.state() || {}).online_mark || null, id_hash: scan.card || null,
                 members: scan.members || null,
                 rid, aid: tk.activity_id, party: tk.party_size, title: titleOf(tk.activity_id) });
  const left = scan.local.left ?? scan.local.remaining;  // issue 26: people in at other gates count too
  const rest = Math.max(0, left - n);
  show("ok", { head: _("✓ Admit %(people)s", { people: people(n) }), reason: STATUS.OK, t0: scan.t0,
               sub: rest > 0 ? _("%(rest)d still to come", { rest }) : "",
               meta: [wheelOf(tk), titleOf(tk.activity_id), _("checked offline, queued")].filter(Boolean).join(" · ") });
  renderCounts();
  if (net.online !== false) refreshSoon();
}

async function submitOnline(scan) {
  let r = null;
  try {
    r = scan.found  // a party the steward found by hand: the same rules, no code
      ? await api("/api/v1/checkins/found", { method: "POST", body: { ...scan.found, gate: scan.gate, admit: scan.admit,
                                                                       nonce: scan.nonce, id_number: scan.id_number || null,
                                                                       members: scan.members || null } })
      : await api("/api/v1/checkins", { method: "POST", body: { code: scan.code, gate: scan.gate, admit: scan.admit,
                                                                 nonce: scan.nonce, scanned_at: scan.scanned_at,
                                                                 id_number: scan.id_number || null,
                                                                 members: scan.members || null } });
  } catch { r = null; }
  if (r && r.status === 401) return refusedOnline(scan, r);
  if ((!r || !definite(r.status)) && scan.found) {
    setOnline(false);
    return needsNetwork();
  }
  if (!r || !definite(r.status)) {
    // No answer: judge here and queue it with the same nonce. If the server did get it, the upload
    // returns that first result and nothing is counted twice.
    setOnline(false);
    return decideOffline(scan);
  }
  setOnline(true);
  const b = r.body || {};
  if (r.status === 201) {
    const reg = b.registration || {};
    const e = book.entry(reg.id);
    book.note(reg.id, { aid: reg.activity_id, party: reg.party_size, admitted: reg.admitted_total, server: true,
                        first_at: (e && e.first_at) || b.checked_in_at, gate: (e && e.gate) || b.gate,
                        members: (reg.members || []).flatMap((m, i) => (m.admitted ? [i + 1] : [])) });
    show("ok", { head: _("✓ Admit %(people)s", { people: people(b.admitted) }), reason: STATUS.OK, t0: scan.t0,
                 sub: b.remaining > 0 ? _("%(rest)d still to come", { rest: b.remaining }) : "",
                 meta: doorMeta(reg) });
    offerUndo(b.checkin_id);
    // Count it at once; the refresh below replaces it with the server's figure. A state read by the
    // server after this admission already counts it (a refresh can land between the two answers).
    const st = book.state();
    const counted = st && st.server_time && b.checked_in_at && Date.parse(st.server_time) >= Date.parse(b.checked_in_at);
    if (st && !counted) {
      st.gate_checked_in = (st.gate_checked_in || 0) + (b.admitted || 0);
      book.setState(st);
      renderCounts();
    }
    refreshSoon();
    return;
  }
  refusedOnline(scan, r);
}

/** A party found by hand is judged by the server only. */
function needsNetwork() {
  return show("refused", { head: _("Needs the network"), sub: _("Try again shortly"), reason: REASON.NO_STATE });
}

/** The server's refusal of this scan, in its colour and words (and what it tells this device). */
function refusedOnline(scan, r) {
  if (r.status === 401) return show("refused", { ...refusalText(REASON.UNAUTHORIZED), reason: REASON.UNAUTHORIZED, t0: scan.t0 });
  const b = r.body || {};
  const d = b.detail || {};
  if (b.reason === REASON.ALREADY_CHECKED_IN && scan.ticket && !d.member) {  // a member in: not the party
    book.note(scan.ticket.registration_id, { aid: scan.ticket.activity_id, party: scan.ticket.party_size,
      admitted: scan.ticket.party_size, first_at: d.first_checked_in_at, gate: d.first_gate, server: true });
  }
  const reg = d.registration || {};
  // Issue 23: the server knows the party is real-name (this device's list did not yet): ask for cards.
  if (b.reason === REASON.ID_REQUIRED && scan.ticket) cardScan = scan;  // found by hand too (needs the network)
  const said = refusalText(b.reason, { ...d, first_at: d.first_checked_in_at });
  if (d.member) said.sub = memberLine((reg.members || [])[d.member - 1]) || said.sub;  // issue 26: whose
  show("refused", { ...said, reason: b.reason || REASON.INVALID, t0: scan.t0, meta: doorMeta(reg) });
}

// -- real-name parties: each member's ID card (issue 23) -----------------------------------------

function renderCard() {
  if (cardScan && membersOpen() && !cardsToCome()) cardScan = null;  // issue 26: every card read
  $("card-form").hidden = !cardScan;
  $("card-done").hidden = membersOpen();  // the member list has its own "do not admit"
  if (cardScan) $("f-card").focus({ preventScroll: true });  // a card reader types into it
}

function askCard(scan) {
  cardScan = scan;
  const tk = scan.ticket;
  show("card", { head: _("Read each member's ID card"), reason: STATUS.CARD, t0: scan.t0,
                 sub: _("Real-name party of %(num)d: each shows their own card", { num: tk.party_size }),
                 meta: titleOf(tk.activity_id) + (net.online === false ? ` · ${_("offline")}` : "") });
  renderCard();
}

/** One card read: hashed with the activity's key (offline), sent as read (online), never kept. */
async function onCard(number) {
  const base = cardScan;
  if (!base || busy || !number.trim()) return;
  busy = true;
  try {
    const tk = base.ticket;
    const act = ((book.state() || {}).activities || []).find((a) => a.id === tk.activity_id);
    const card = act && act.door_key ? await doorHash(act.door_key, number) : "";
    const scan = { ...base, t0: null, nonce: crypto.randomUUID(), admit: 1, id_number: number, card,
                   scanned_at: new Date(Date.now() + skewMs()).toISOString() };
    scan.local = judge(tk, book.state(), book.entryNow(tk.registration_id), nowS(), card);
    if (net.online !== false) await submitOnline(scan);
    else decideOffline(scan);
    delete scan.id_number;
  } finally {
    busy = false;
    last.at = performance.now();
    updateMembers(book.entry(base.ticket.registration_id));  // issue 26: the list shows them in
    renderCard();
    renderCounts();
  }
}

// What the steward reads: the activity, the registrant, and for a real-name party each member's
// masked name and ID ("张* 1101**********002X"), to compare with the ID cards shown.
/** Issue 29 item 6: "♿ 轮椅位 ×N" for a party with wheelchair places ("" for any other). */
function wheelLine(n) {
  return n ? `♿ ${_("Wheelchair place")} ×${n}` : "";
}

/** The same for a ticket judged offline, from the scanner state's ``wheelchairs``. */
function wheelOf(tk) {
  const act = ((book.state() || {}).activities || []).find((a) => a.id === tk.activity_id) || {};
  return wheelLine((act.wheelchairs || {})[tk.registration_id]);
}

function doorMeta(reg) {
  const members = (reg.members || []).map((m) => [m.admitted ? "✓" : "", m.name_masked, m.id_masked]
    .filter(Boolean).join(" "));  // ✓: in on their own ID card (issue 23)
  const who = reg.standby_number ? _("Standby no. %(number)s", { number: reg.standby_number })
    : reg.name_masked;  // a called walk-in's standby ticket (issue 15 §3)
  return [wheelLine(reg.wheelchairs), pick(reg.activity_title), members.length ? members.join(" · ") : who]
    .filter(Boolean).join(" · ");
}

// -- parties: one scan, a count to confirm -----------------------------------------------------

function askParty(scan) {
  pending = scan;
  const tk = scan.ticket, rest = scan.local.remaining;
  $("party-size").textContent = people(tk.party_size);
  setStep(rest);
  show("pending", { head: _("Count the party"), reason: STATUS.PARTY, t0: scan.t0,
                    sub: rest < tk.party_size ? _("%(inside)d in, %(rest)d to come", { inside: tk.party_size - rest, rest }) : "",
                    meta: titleOf(tk.activity_id) + (net.online === false ? ` · ${_("offline")}` : "") });
}

function setStep(n) {
  const max = pending ? pending.local.remaining : 1;
  n = Math.max(1, Math.min(max, n));
  $("step-value").textContent = String(n);
  $("step-minus").disabled = n <= 1;
  $("step-plus").disabled = n >= max;
  $("party-confirm").textContent = _("Admit %(people)s", { people: people(n) });
}

async function confirmParty() {
  if (!pending || busy) return;
  const scan = pending;
  pending = null;
  scan.admit = Number($("step-value").textContent);
  scan.t0 = null; // frame-to-verdict is measured to the count shown, not to the steward's tap
  busy = true;
  try {
    if (net.online !== false) await submitOnline(scan);
    else admitOffline(scan, scan.admit);
  } finally {
    busy = false;
    last.at = performance.now();
    renderCounts();
  }
}

// A party found by the lookup (lookup.js): counted like a scanned one, judged by the server.
async function admitFound(m) {
  const act = ((book.state() || {}).activities || []).find((a) => a.id === m.activity_id);
  const inside = act && act.admitted ? act.admitted[m.registration_id] : null;  // issue 26: any gate
  const remaining = m.party_size - admittedNow(inside, book.entryNow(m.registration_id));
  const scan = { code: "", t0: null, nonce: crypto.randomUUID(), gate: gate(), admit: null,
                 scanned_at: new Date(Date.now() + skewMs()).toISOString(),
                 found: { activity_id: m.activity_id, registration_id: m.registration_id },
                 ticket: { registration_id: m.registration_id, activity_id: m.activity_id, party_size: m.party_size },
                 local: { ok: true, remaining } };
  const named = remaining > 0 && membersOf(scan.ticket, book.state()).length > 0;
  if (named || (m.party_size > 1 && remaining > 0)) {  // issue 26: the server judges before anything is asked
    if (await judgedFirst(scan)) return;
    if (named) return listMembers(scan);
    return scan.local.reason === REASON.ID_REQUIRED ? askCard(scan) : askParty(scan);
  }
  busy = true;  // one person, or a party this device saw come in: the server says (already in)
  submitOnline(scan).finally(() => { busy = false; renderCounts(); });
}

function cancelParty() {
  pending = null;
  cardScan = null;
  closeMembers();
  renderCard();
  show("idle", { head: _("Not admitted. Scan the next ticket") });
}

// -- sign-in, camera, wiring ---------------------------------------------------------------------

function enterDoor() {
  $("login").hidden = true;
  $("door").hidden = false;
  loadKeys();
  renderCounts();
  refresh();
}

async function login(ev) {
  ev.preventDefault();
  const token = $("f-token").value.trim(), g = $("f-gate").value.trim();
  const err = $("login-error");
  err.hidden = true;
  let r = null;
  try { r = await api(stateUrl(g), { token }); } catch { r = null; }
  if (r && r.status === 200) {
    book.setAuth(token, g);
    applyState(r.body);
    $("f-token").value = "";
    setOnline(true);
    return enterDoor();
  }
  err.textContent = !r ? _("Cannot reach the server: the first sign-in needs the network")
    : r.status === 401 ? refusalText(REASON.UNAUTHORIZED).head
    : r.status === 403 ? refusalText((r.body || {}).reason || REASON.FORBIDDEN).head
    : _("Sign-in failed: try again");
  err.hidden = false;
}

function logout() {
  const n = book.queue().length;
  const msg = $("logout-msg");
  if (n > 0) {  // the queue is uploaded with this sign-in's token
    msg.textContent = _("%(num)d offline scans are not uploaded yet: go online first", { num: n });
    msg.hidden = false;
    return;
  }
  msg.hidden = true;
  if (camera) toggleCamera();
  book.clearAuth();
  book.clearState();
  clearLookup();
  loadKeys();
  $("door").hidden = true;
  $("login").hidden = false;
}

async function toggleCamera() {
  const btn = $("camera-toggle"), msg = $("camera-msg");
  if (camera) {
    camera.stop(); camera = null;
    btn.textContent = _("Start the camera");
    msg.textContent = "";
    return;
  }
  camera = new Camera($("video"), (text, t0) => onCode(text, t0, "camera"));
  btn.disabled = true;
  msg.textContent = _("Starting the camera…");
  try {
    await camera.start();
    btn.textContent = _("Stop the camera");
    msg.textContent = _("Hold the QR code in view");
  } catch (err) {
    camera = null;
    msg.textContent = _("Camera unavailable, type the code instead: ") + (err.message || err);
  } finally {
    btn.disabled = false;
  }
}

function wire() {
  net.onChange = renderCounts;
  net.onUnauthorized = () => {
    if ($("verdict").dataset.reason !== REASON.UNAUTHORIZED) {
      show("refused", { ...refusalText(REASON.UNAUTHORIZED), reason: REASON.UNAUTHORIZED, quiet: true });
    }
  };
  document.addEventListener("pointerdown", unlockAudio, { once: true });
  document.addEventListener("keydown", unlockAudio, { once: true });
  $("login-form").addEventListener("submit", login);
  $("logout").addEventListener("click", logout);
  $("camera-toggle").addEventListener("click", toggleCamera);
  $("manual-form").addEventListener("submit", (ev) => {
    ev.preventDefault();
    const code = $("f-code").value;
    $("f-code").value = "";
    onCode(code, null, "manual");
  });
  $("step-minus").addEventListener("click", () => setStep(Number($("step-value").textContent) - 1));
  $("step-plus").addEventListener("click", () => setStep(Number($("step-value").textContent) + 1));
  $("party-confirm").addEventListener("click", confirmParty);
  $("party-cancel").addEventListener("click", cancelParty);
  $("card-form").addEventListener("submit", (ev) => {
    ev.preventDefault();
    const number = $("f-card").value;
    $("f-card").value = "";  // the number read leaves the screen at once
    onCard(number);
  });
  $("card-done").addEventListener("click", () => { cardScan = null; renderCard(); cancelParty(); });
  wireMembers(cancelParty);
  wireLookup({ onAdmit: admitFound, onUndone: () => refreshSoon() });
  window.addEventListener("offline", () => setOnline(false));
  window.addEventListener("online", () => (book.auth() ? refresh() : setOnline(true)));
  window.addEventListener("storage", renderCounts);  // another tab changed the queue or the log
  setInterval(refresh, POLL_MS);

  if ("serviceWorker" in navigator) navigator.serviceWorker.register("/scan-sw.js", { scope: "/scan" }).catch(() => {});
  prepareDecoder().catch(() => {}); // fetch and compile the decoder now, while the network is there

  if (book.auth()) enterDoor();
  else { $("login").hidden = false; setOnline(navigator.onLine !== false); }
  document.body.dataset.ready = "1";
}

wire();
