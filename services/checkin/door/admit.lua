-- admit.lua: one door scan of a validly signed ticket, decided atomically.
--
-- KEYS[1] ADM   hash  {p}ck:adm:{aid}       registration id -> people admitted so far
-- KEYS[2] FIRST hash  {p}ck:first:{aid}     registration id -> JSON {at, gate} of its first admission
-- KEYS[3] NONCE hash  {p}ck:nonce:{aid}     scan nonce -> JSON result (a retried upload gets it again)
-- KEYS[4] REV   set   {p}ck:revoked:{aid}   revoked registration ids (from the projection)
-- KEYS[5] GATES hash  {p}ck:gates:{aid}     gate -> people admitted
-- KEYS[6] ARR   hash  {p}ck:arrivals:{aid}  5-minute bucket (Unix s) -> people admitted
-- KEYS[7] CKS   hash  {p}ck:checkins:{aid}  check-in id -> JSON record (for undo)
-- KEYS[8] STATS hash  {p}ck:stats:{aid}     checked_in, denied
-- KEYS[9] OUT   stream {p}ck:outbox         events for checkin-events (moved by the relay)
-- KEYS[10] CIDX hash  {p}ck:cidx            check-in id -> activity id (global; see docs/scaling.md)
-- KEYS[11] RELEASED set {p}ck:released:{aid} registrations whose unscanned seats went to standby
-- KEYS[12] PLAN hash  {p}ck:gateplan:{venue} gate -> JSON list of the activity ids it is open for
--                                            (services/checkin/door/store.py; no entry: every activity)
-- KEYS[13] REGS hash  {p}ck:regs:{aid}      the projection's registrations (read only)
-- KEYS[14] UNSEEN set {p}ck:unseen:{aid}    tickets admitted before the projection saw their
--                                            registration (projection.py reconciles them)
-- ARGV[1] registration id   ARGV[2] party size (from the signed ticket)   ARGV[3] admit (0 = the rest)
-- ARGV[4] gate              ARGV[5] at (ISO time of the scan)            ARGV[6] 5-minute bucket
-- ARGV[7] check-in id       ARGV[8] nonce or ""                          ARGV[9] staff label
-- ARGV[10] activity id      ARGV[11] occurred_at (ISO, now)             ARGV[12] venue id
-- ARGV[13] the refusal rules 4-6 of usecases.py already gave (activity_cancelled, bad_scan_time,
--          invalid_time) or "": judged here after the gate (rule 3), so the order stays the same
-- KEYS[15] MEMBERS hash {p}ck:members:{aid} registration id -> JSON list of the member places (from 1)
--                                            admitted on their ID card (issue 23)
-- ARGV[14] the door hash of the ID card read (shared/door_id.py) or ""
-- ARGV[15] "1" when a real-name party's members must each show their card (Settings.door_id_required)
-- ARGV[16] "1": judge only (issue 26, the scanner judges before it prompts): every step as above,
--          a refusal recorded as above, but an admission is answered {"status":"ok","peek":true,
--          admitted (would be), remaining, admitted_total, party_size} and nothing is written
-- ARGV[17] issue 26: the members the steward ticked, JSON [{"member": place from 1, "id_hash": door hash
--          of the card read or ""}], or "" (a head count or one card, as above)
--
-- Issue 23, after the seat checks: for a party whose members carry door hashes (the projection's
-- REGS record), a card is matched to a member not yet in (else id_mismatch, or already_checked_in
-- for that member) and admits that one person; without a card, when cards are required, only the
-- members booked without a document (children) may come in (else id_required). A party without
-- door hashes is admitted as before, card or not.
--
-- Issue 26, member by member: with ARGV[17], the ticked members come in together, each once
-- (already_checked_in naming the member), a card read must be that member's (id_mismatch), and a
-- member booked with a document must show it when cards are required (id_required); the admission
-- and its CheckinRecorded name the members (places), never a number or a hash. A party the
-- projection knows no members of is counted by head, as many as were ticked.
--
-- Words (statuses, reasons, topic, event types) come from vocabulary.lua, generated from
-- vocabulary.py.
-- Returns a JSON result: {"status":"ok", admitted, remaining, admitted_total, checkin_id, at, gate}
-- or {"status":"denied", "reason":"revoked"|"already_checked_in"|"seat_released"|"id_mismatch"|
--     "id_required", first_at, first_gate}; an admission by card also returns member, members_in
-- or {"status":"denied", "reason":"wrong_gate", gate_activities} or the refusal of ARGV[13]
-- (these two recorded as denied, with no nonce kept: they are judged again when retried).
-- Partial admissions never add up to more than the party.
--#include envelope.lua
--#include ../vocabulary.lua
--#include door_rules.lua
--#include nonce.lua

local ADM, FIRST, NONCE, REV, GATES, ARR, CKS, STATS, OUT, CIDX, RELEASED, PLAN, REGS, UNSEEN =
  KEYS[1], KEYS[2], KEYS[3], KEYS[4], KEYS[5], KEYS[6], KEYS[7], KEYS[8], KEYS[9], KEYS[10], KEYS[11], KEYS[12],
  KEYS[13], KEYS[14]
local MEMBERS, card, card_required = KEYS[15], ARGV[14] or '', ARGV[15] == '1'
local peek = ARGV[16] == '1'
local rid, party, want, gate = ARGV[1], tonumber(ARGV[2]), tonumber(ARGV[3]), ARGV[4]
local at, bucket, cid, nonce, staff = ARGV[5], ARGV[6], ARGV[7], ARGV[8], ARGV[9]
local aid, occurred_at, venue, refusal = ARGV[10], ARGV[11], ARGV[12], ARGV[13]
local ticks = (ARGV[17] or '') ~= '' and cjson.decode(ARGV[17]) or nil
if card_required then  -- issue 29: a school's group comes in on its lead teacher's word (rules.py)
  local raw = redis.call('HGET', REGS, rid)
  local channel = raw and cjson.decode(raw).channel
  if channel and DOOR_CARDS_WAIVED[channel] then card_required = false end
end
local named = {}  -- issue 26: the places of the members this admission names

-- The door's rows this step judges, in the order of the one table (services/checkin/door/rules.py,
-- generated as DOOR_STEPS): each step returns the verdict, or nil to go on.  Rows before
-- 'replay' are recorded with no nonce kept (they are judged again when retried); rows after it
-- keep their answer under the nonce.
local kept = false

local function finish(result, event_type, data)
  local encoded = cjson.encode(result)
  if kept and nonce ~= '' then redis.call('HSET', NONCE, nonce, encoded) end
  emit(OUT, TOPIC.CHECKIN_EVENTS, SOURCE, event_type, aid, occurred_at, cid .. ':' .. event_type, data)
  return encoded
end

local admitted = tonumber(redis.call('HGET', ADM, rid) or '0')
local remaining = party - admitted
local member, members_in = 0, nil  -- issue 23: the member whose card matched; members in on cards

local function deny(reason, more, bare)  -- bare: no counts (the rows judged before the party's)
  redis.call('HINCRBY', STATS, 'denied', 1)
  local result = { status = STATUS.DENIED, reason = reason }
  if kept and not bare then result.admitted_total, result.party_size = admitted, party end
  if members_in and #members_in > 0 then result.members_in = members_in end  -- who is in, for the steward
  for k, v in pairs(more) do result[k] = v end
  return finish(result, EVENT.CHECKIN_DENIED, { registration_id = rid, gate = gate, staff = staff, reason = reason })
end

local function first_scan(more)
  local first = cjson.decode(redis.call('HGET', FIRST, rid) or '{}')
  more.first_at, more.first_gate = first.at, first.gate
  return more
end

-- Issue 23, the members' cards. "carded": members booked with a document (a door hash).
local function cards()
  if card == '' and not card_required then return nil end
  local raw, carded = redis.call('HGET', REGS, rid), 0
  local members = raw and cjson.decode(raw).members
  if type(members) == 'table' then
    for i, m in ipairs(members) do
      if type(m) == 'table' and type(m.door_hash) == 'string' and m.door_hash ~= '' then
        carded = carded + 1
        if member == 0 and m.door_hash == card then member = i end
      end
    end
  end
  if carded == 0 then return nil end
  members_in = cjson.decode(redis.call('HGET', MEMBERS, rid) or '[]')
  if card ~= '' then
    if member == 0 then return deny(REASON.ID_MISMATCH, {}) end
    for _, j in ipairs(members_in) do
      if j == member then return deny(REASON.ALREADY_CHECKED_IN, first_scan({ member = member })) end
    end
    want = 1
  elseif card_required then
    local without = party - carded - (admitted - #members_in)
    if without <= 0 then return deny(REASON.ID_REQUIRED, {}) end
    if want == 0 or want > without then want = without end
  end
  return nil
end

-- Issue 26: what an admission would be, written nowhere (the steward is asked for the rest only).
local function peeked(n)
  return cjson.encode({ status = STATUS.OK, peek = true, admitted = n, remaining = remaining,
                        admitted_total = admitted, party_size = party, member = member })
end

-- Issue 26: the ticked members, each judged before anyone is counted in.
local function judge_tick(members, seen, t)
  local place, hash = tonumber(t.member) or 0, t.id_hash or ''
  local m = members[place]
  if type(m) ~= 'table' or seen[place] then return deny(REASON.ID_MISMATCH, { member = place }) end
  for _, j in ipairs(members_in) do
    if j == place then return deny(REASON.ALREADY_CHECKED_IN, first_scan({ member = place })) end
  end
  local own = type(m.door_hash) == 'string' and m.door_hash or ''
  if hash ~= '' and hash ~= own then return deny(REASON.ID_MISMATCH, { member = place }) end
  if hash == '' and own ~= '' and card_required then return deny(REASON.ID_REQUIRED, { member = place }) end
  seen[place] = true
  named[#named + 1] = place
  return nil
end

local function ticked()
  local raw = redis.call('HGET', REGS, rid)
  local members = raw and cjson.decode(raw).members
  if type(members) ~= 'table' or #members == 0 then  -- no names known here: a head count
    want = math.max(1, #ticks)
    return nil
  end
  members_in = cjson.decode(redis.call('HGET', MEMBERS, rid) or '[]')
  local seen = {}
  for _, t in ipairs(ticks) do
    local verdict = judge_tick(members, seen, t)
    if verdict then return verdict end
  end
  if #named == 0 then return deny(REASON.ID_REQUIRED, {}) end
  if #named > remaining then return deny(REASON.ALREADY_CHECKED_IN, first_scan({})) end
  want = #named
  return nil
end

local STEPS = {
  wrong_gate = function()
    local plan = redis.call('HGET', PLAN, gate)
    if not plan then return nil end
    local open_for = cjson.decode(plan)
    for _, id in ipairs(open_for) do
      if id == aid then return nil end
    end
    return deny(REASON.WRONG_GATE, { gate_activities = open_for })
  end,
  given = function()
    if refusal ~= '' then return deny(refusal, {}) end
  end,
  replay = function()
    kept = true
    return replayed(NONCE, nonce)
  end,
  revoked = function()
    if redis.call('SISMEMBER', REV, rid) == 1 then return deny(REASON.REVOKED, {}, true) end
  end,
  already_inside = function()
    if remaining <= 0 then return deny(REASON.ALREADY_CHECKED_IN, first_scan({})) end
  end,
  seat_released = function()
    if redis.call('SISMEMBER', RELEASED, rid) == 1 then return deny(REASON.SEAT_RELEASED, {}) end
  end,
  card = function()
    if ticks then return ticked() end
    return cards()
  end,
}

-- The party's people counted in: what the steward asked for, never more than remain.
function STEPS.party_stepping()
  local unseen = redis.call('HEXISTS', REGS, rid) == 0
  local n = remaining
  if want > 0 and want < remaining then n = want end
  if peek then return peeked(n) end
  if member > 0 then named = { member } end
  if #named > 0 then
    for _, place in ipairs(named) do members_in[#members_in + 1] = place end
    redis.call('HSET', MEMBERS, rid, cjson.encode(members_in))
  end
  local total = redis.call('HINCRBY', ADM, rid, n)
  if admitted == 0 then redis.call('HSET', FIRST, rid, cjson.encode({ at = at, gate = gate })) end
  redis.call('HINCRBY', GATES, gate, n)
  redis.call('HINCRBY', ARR, bucket, n)
  redis.call('HINCRBY', STATS, 'checked_in', n)
  redis.call('HSET', CKS, cid, cjson.encode({ checkin_id = cid, registration_id = rid, admitted = n, gate = gate,
                                              at = at, bucket = bucket, staff = staff, venue_id = venue,
                                              reverted = false, member = member,
                                              members = #named > 0 and named or nil }))
  redis.call('HSET', CIDX, cid, aid)
  if unseen then redis.call('SADD', UNSEEN, rid) end
  return finish({ status = STATUS.OK, admitted = n, remaining = party - total, admitted_total = total,
                  checkin_id = cid, at = at, gate = gate, party_size = party, member = member,
                  members_in = members_in, members = #named > 0 and named or nil },
                EVENT.CHECKIN_RECORDED, { registration_id = rid, gate = gate, staff = staff, checkin_id = cid,
                                     admitted = n, admitted_total = total, party_size = party, checked_in_at = at,
                                     members = #named > 0 and named or nil })
end

for _, name in ipairs(DOOR_STEPS) do
  local verdict = STEPS[name]()
  if verdict then return verdict end
end
error('the door table ends without admitting: ' .. cjson.encode(DOOR_STEPS))
