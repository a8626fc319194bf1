// What this device remembers, in localStorage: the sign-in, the last scanner state (keys,
// activities, revocations), the door log (so this device never admits the same people twice),
// the queue of offline admissions to upload, and the server verdicts that disagreed.

import { DOOR_OFFLINE } from "./door_rules.js";
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

  /** Issue 26: the door log's entry with the people this device has queued for it (not uploaded). */
  entryNow(rid) {
    const e = read(K.log, {})[rid] || null;
    const queued = read(K.queue, []).filter((i) => i.rid === rid).reduce((n, i) => n + (i.admit || 0), 0);
    return e || queued ? { ...(e || {}), queued } : null;
  },

  conflicts: () => read(K.conflicts, []),
  addConflict(c) { write(K.conflicts, [c, ...read(K.conflicts, [])].slice(0, MAX_CONFLICTS)); },
};

/** The people a party counts now: fewer than its ticket says when it dropped a member (issue 17). */
export function partyNow(ticket, state) {
  const act = ((state || {}).activities || []).find((a) => a.id === ticket.activity_id);
  const now = act && act.reduced ? act.reduced[ticket.registration_id] : undefined;
  return now && now < ticket.party_size ? now : ticket.party_size;
}

const refused = (reason, more = {}) => ({ ok: false, reason, ...more });

// Each row of the door's table (DOOR_OFFLINE, generated from services/checkin/door/rules.py) judged
// here: a verdict, or null to go on. `c` is the scan: ticket, state, entry, now, card, act, party.
const CHECKS = {
  wrong_venue: (c) => (c.state.venue && c.venue !== c.state.venue ? refused(REASON.WRONG_VENUE, c.named) : null),
  wrong_gate: (c) => {
    const plan = c.state.gate_activities;
    return plan && !plan.includes(c.ticket.activity_id) ? refused(REASON.WRONG_GATE, c.named) : null;
  },
  activity_cancelled: (c) => (c.act && c.act.status === STATUS.CANCELLED ? refused(REASON.ACTIVITY_CANCELLED) : null),
  too_early: (c) => (c.now < c.window.opens_at ? refused(REASON.INVALID_TIME, { side: STATUS.TOO_EARLY, ...c.window }) : null),
  too_late: (c) => (c.now > c.window.closes_at ? refused(REASON.INVALID_TIME, { side: STATUS.TOO_LATE, ...c.window }) : null),
  revoked: (c) => (c.act && (c.act.revoked || []).includes(c.ticket.registration_id) ? refused(REASON.REVOKED) : null),
  party_reduced: (c) => { c.party = partyNow(c.ticket, c.state); return null; },
  already_inside: (c) => (c.admitted >= c.party ? firstScan(c.entry, c.inside) : null),
  seat_released: (c) => (c.act && (c.act.released || []).includes(c.ticket.registration_id)
    ? refused(REASON.SEAT_RELEASED) : null),
  // Issue 23, admit.lua's step offline: a real-name party's members are matched by their cards
  // (`card`: the door hash doorid.js made of the card read); without one, when cards are required,
  // only the members booked without a document may come in.
  card: (c) => {
    if (c.ticks) return judgeTicks(c);  // issue 26: member by member
    const hashes = (c.act && c.act.cards && c.act.cards[c.ticket.registration_id]) || [];
    const carded = hashes.filter(Boolean).length;
    if (carded === 0 || !(c.card || c.required)) return null;
    const cardsIn = [...new Set([...((c.entry && c.entry.members) || []), ...((c.inside && c.inside.members) || [])])];
    if (c.card) {
      const member = hashes.indexOf(c.card) + 1;
      if (member === 0) return refused(REASON.ID_MISMATCH);
      if (cardsIn.includes(member)) return firstScan(c.entry, c.inside);
      return { ok: true, remaining: 1, left: c.party - c.admitted, member, activity: c.act };
    }
    const without = c.party - carded - (c.admitted - cardsIn.length);
    if (without <= 0) return refused(REASON.ID_REQUIRED);
    c.most = without;
    return null;
  },
  party_stepping: (c) => ({ ok: true, remaining: Math.min(c.party - c.admitted, c.most), activity: c.act }),
};

// Issue 26, admit.lua's `ticked` offline: the members the steward ticked come in together, each
// once; a card read must be that member's; a member booked with a document shows it when cards are
// required. A party this device knows no members of is counted by head.
function judgeTicks(c) {
  const rid = c.ticket.registration_id;
  const members = (c.act && c.act.parties && c.act.parties[rid]) || [];
  if (members.length === 0) return { ok: true, remaining: Math.min(c.party - c.admitted, c.ticks.length), activity: c.act };
  const hashes = (c.act.cards && c.act.cards[rid]) || [];
  const inside = [...new Set([...((c.entry && c.entry.members) || []), ...((c.inside && c.inside.members) || [])])];
  const seen = new Set();
  for (const t of c.ticks) {
    const own = hashes[t.member - 1] || "";
    if (!members[t.member - 1] || seen.has(t.member)) return refused(REASON.ID_MISMATCH, { member: t.member });
    if (inside.includes(t.member)) return { ...firstScan(c.entry, c.inside), member: t.member };
    if (t.id_hash && t.id_hash !== own) return refused(REASON.ID_MISMATCH, { member: t.member });
    if (!t.id_hash && own && c.required) return refused(REASON.ID_REQUIRED, { member: t.member });
    seen.add(t.member);
  }
  if (seen.size === 0) return refused(REASON.ID_REQUIRED);
  if (seen.size > c.party - c.admitted) return firstScan(c.entry, c.inside);
  return { ok: true, remaining: seen.size, left: c.party - c.admitted, members: [...seen], activity: c.act };
}

/** Whether this ticket's members show their cards: the state's rule, unless its registration is one
 * the door rules waive cards for (issue 29, rules.py CARDS_WAIVED: a school's group). */
export function cardsRequired(ticket, state, act) {
  return Boolean(state.id_required) && !((act && act.cards_waived) || []).includes(ticket.registration_id);
}

// Where and when the party first came in: the server's record (any gate, issue 26) before this device's.
function firstScan(entry, inside) {
  if (inside && inside.at) return refused(REASON.ALREADY_CHECKED_IN, { first_at: inside.at, first_gate: inside.gate });
  return refused(REASON.ALREADY_CHECKED_IN, { first_at: entry.first_at, first_gate: entry.gate, local: !entry.server });
}

/**
 * Issue 26: the people of a party in now: the server's count at every gate (the state's `admitted`)
 * plus what this device queued and has not uploaded, or this device's own log when it knows more.
 */
export function admittedNow(inside, entry) {
  const mine = entry ? entry.admitted || 0 : 0;
  return Math.max(mine, (inside ? inside.n || 0 : 0) + (entry ? entry.queued || 0 : 0));
}

/**
 * The door rules, judged on this device (offline), in the order of the door's one table
 * (DOOR_OFFLINE): venue (the activity's current one), gate plan, cancelled activity, check-in
 * window, revocation, the party's size now, already admitted, seats released to standby, cards.
 * `ticks` (issue 26): the members the steward ticked, [{member, id_hash}], judged together.
 * Returns {ok: true, remaining, left?, members?} (`left`: the people not yet in, where `remaining`
 * is only those a card or the ticks admit) or {ok: false, reason, side?, opens_at?, closes_at?, now?,
 * title?, venue_name?, first_at?, first_gate?}.
 */
export function judge(ticket, state, entry, nowS, card = "", ticks = null) {
  const act = (state.activities || []).find((a) => a.id === ticket.activity_id) || null;
  const away = act ? null : (state.elsewhere || []).find((a) => a.id === ticket.activity_id) || null;
  const known = act || away;
  const inside = (act && act.admitted && act.admitted[ticket.registration_id]) || null;  // issue 26
  const c = {
    ticket, state, entry, card, ticks, act, inside, now: nowS, party: ticket.party_size, most: Infinity,
    required: cardsRequired(ticket, state, act),
    admitted: admittedNow(inside, entry),
    venue: (known && known.venue_id) || ticket.venue_id,
    named: known ? { title: known.title, venue_name: known.venue_name || "" } : {},
    window: { opens_at: act ? act.opens_at : ticket.valid_from, closes_at: act ? act.closes_at : ticket.valid_until,
              now: nowS },
  };
  for (const name of DOOR_OFFLINE) {
    const verdict = CHECKS[name](c);
    if (verdict) return verdict;
  }
  throw new Error(`the door table ends without a verdict: ${DOOR_OFFLINE}`);
}
