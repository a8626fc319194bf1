// What this device remembers, in localStorage: the sign-in, the last scanner state (keys,
// activities, revocations), the door log (so this device never admits the same people twice),
// the queue of offline admissions to upload, and the server verdicts that disagreed.

import { REASON, STATUS } from "./vocabulary.js";

const K = { auth: "sciday.scan.auth", state: "sciday.scan.state", log: "sciday.scan.log",
            queue: "sciday.scan.queue", conflicts: "sciday.scan.conflicts" };
const LOG_KEEP_S = 3 * 86400;   // door log entries older than this are dropped
const MAX_CONFLICTS = 30;

function read(key, fallback) {
  try { const v = JSON.parse(localStorage.getItem(key)); return v ?? fallback; } catch { return fallback; }
}
function write(key, value) { localStorage.setItem(key, JSON.stringify(value)); }

export const book = {
  auth: () => read(K.auth, null),
  setAuth: (token, gate) => write(K.auth, { token, gate }),
  clearAuth: () => localStorage.removeItem(K.auth),

  state: () => read(K.state, null),
  setState: (state) => write(K.state, state),
  clearState: () => localStorage.removeItem(K.state),

  // -- the door log: registration id -> {aid, party, admitted, first_at, gate} -----------------
  entry: (rid) => read(K.log, {})[rid] || null,
  note(rid, fields) {
    const log = read(K.log, {});
    const now = Date.now() / 1000;
    for (const [k, v] of Object.entries(log)) if (now - (v.noted || 0) > LOG_KEEP_S) delete log[k];
    log[rid] = { ...(log[rid] || {}), ...fields, noted: now };
    write(K.log, log);
    return log[rid];
  },

  // -- the upload queue -----------------------------------------------------------------------
  queue: () => read(K.queue, []),
  enqueue(item) { const q = read(K.queue, []); q.push(item); write(K.queue, q); },
  dequeue(nonce) { write(K.queue, read(K.queue, []).filter((i) => i.nonce !== nonce)); },

  conflicts: () => read(K.conflicts, []),
  addConflict(c) { write(K.conflicts, [c, ...read(K.conflicts, [])].slice(0, MAX_CONFLICTS)); },
};

/**
 * The door rules, judged on this device (offline), in the server's order: venue (the activity's
 * current one), gate plan, cancelled activity, check-in window, revocation, already admitted, seats
 * released to standby.
 * Returns {ok: true, remaining} or {ok: false, reason, side?, opens_at?, closes_at?, now?,
 * title?, venue_name?, first_at?, first_gate?}.
 */
export function judge(ticket, state, entry, nowS, card = "") {
  const act = (state.activities || []).find((a) => a.id === ticket.activity_id) || null;
  const away = act ? null : (state.elsewhere || []).find((a) => a.id === ticket.activity_id) || null;
  const known = act || away;
  const venue = (known && known.venue_id) || ticket.venue_id;
  const named = known ? { title: known.title, venue_name: known.venue_name || "" } : {};
  if (state.venue && venue !== state.venue) return { ok: false, reason: REASON.WRONG_VENUE, ...named };
  const plan = state.gate_activities;
  if (plan && !plan.includes(ticket.activity_id)) return { ok: false, reason: REASON.WRONG_GATE, ...named };
  if (act && act.status === STATUS.CANCELLED) return { ok: false, reason: REASON.ACTIVITY_CANCELLED };
  const opens = act ? act.opens_at : ticket.valid_from;
  const closes = act ? act.closes_at : ticket.valid_until;
  const window = { opens_at: opens, closes_at: closes, now: nowS };
  if (nowS < opens) return { ok: false, reason: REASON.INVALID_TIME, side: STATUS.TOO_EARLY, ...window };
  if (nowS > closes) return { ok: false, reason: REASON.INVALID_TIME, side: STATUS.TOO_LATE, ...window };
  if (act && (act.revoked || []).includes(ticket.registration_id)) return { ok: false, reason: REASON.REVOKED };
  const admitted = entry ? entry.admitted || 0 : 0;
  if (admitted >= ticket.party_size) {
    return { ok: false, reason: REASON.ALREADY_CHECKED_IN, first_at: entry.first_at, first_gate: entry.gate,
             local: !entry.server };
  }
  // admit.lua's order: revoked, already in, then seats released to standby (issue 23, finding 6)
  if (act && (act.released || []).includes(ticket.registration_id)) return { ok: false, reason: REASON.SEAT_RELEASED };
  // Issue 23, admit.lua's step offline: a real-name party's members are matched by their cards
  // (`card`: the door hash doorid.js made of the card read); without one, when cards are required,
  // only the members booked without a document may come in.
  const hashes = (act && act.cards && act.cards[ticket.registration_id]) || [];
  const carded = hashes.filter(Boolean).length;
  let remaining = ticket.party_size - admitted;
  if (carded > 0 && (card || state.id_required)) {
    const cardsIn = (entry && entry.members) || [];
    if (card) {
      const member = hashes.indexOf(card) + 1;
      if (member === 0) return { ok: false, reason: REASON.ID_MISMATCH };
      if (cardsIn.includes(member)) {
        return { ok: false, reason: REASON.ALREADY_CHECKED_IN, first_at: entry.first_at, first_gate: entry.gate,
                 local: !entry.server };
      }
      return { ok: true, remaining: 1, member, activity: act };
    }
    const without = ticket.party_size - carded - (admitted - cardsIn.length);
    if (without <= 0) return { ok: false, reason: REASON.ID_REQUIRED };
    remaining = Math.min(remaining, without);
  }
  return { ok: true, remaining, activity: act };
}
