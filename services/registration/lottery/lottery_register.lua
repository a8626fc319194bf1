-- lottery_register.lua: one drawn party becomes a registration, once (keyed by its entry id).
--
-- The lottery decided who is seated and in which order the rest wait; this script writes that
-- decision into the seat state that reserve.lua, cancel.lua and promote.lua share, so the door,
-- 我的报名, cancelling and promotion work as for any registration.
--
-- KEYS[1] A  {p}act:{aid}            KEYS[2] P  {p}act:{aid}:phones   KEYS[3] W {p}act:{aid}:waitlist
-- KEYS[4] R  {p}act:{aid}:regs       KEYS[5] O  {p}outbox             KEYS[6] X {p}regidx
-- KEYS[7] D  {p}act:{aid}:ids        KEYS[8] ND {p}idday              KEYS[9] NF {p}idfest
-- KEYS[10] MY {p}myregs:<owner>    KEYS[11] S {p}shred:{aid}  (the registration's data key, issue 23)
-- KEYS[12] META {p}lot:{aid}        (issue 23) ``skipped:<entry id>`` -> the reason, ``seated:<entry id>``
-- ARGV[1] now_ms   ARGV[2] occurred_at (ISO)   ARGV[3] registration JSON (registration_id derived
-- from the entry id, lottery_entry_id)   ARGV[4] "confirmed" (a winner) or "waitlisted"
-- ARGV[5] fair JSON (ids, day) as fair.lua records them
--
-- Returns {"replay", id, 0} when the entry is already a registration (a retry, a second scheduler,
-- a run after a crash), {"refused", reason} (unknown_activity | activity_cancelled),
-- {"skipped", id, 0}, or {status, id, position}.  A winner is confirmed only if its seats are still
-- free (capacity may have been lowered since the draw): never oversold; otherwise it waits at the
-- head of the line.
-- The per-ID limits (issue 23, finding 4): entering does not count towards them, so a member's ID
-- may have reached its day or festival cap since; such a party is skipped (recorded in META, so
-- it stays skipped) and its seats stay free for the next drawn: a waiting party that fits them
-- while nobody waits is confirmed (``seated:<entry id>`` in META, so it is told it won).
--#include ../seats/promote.lua
--#include ../access/fair.lua

local A, P, W, R, O, X = KEYS[1], KEYS[2], KEYS[3], KEYS[4], KEYS[5], KEYS[6]
local D, ND, NF, MY = KEYS[7], KEYS[8], KEYS[9], KEYS[10]
local S, META = KEYS[11], KEYS[12]
local now_ms, occurred_at = tonumber(ARGV[1]), ARGV[2]
local reg, want, fair = cjson.decode(ARGV[3]), ARGV[4], cjson.decode(ARGV[5])
local rid = reg.registration_id

if redis.call('HEXISTS', R, rid) == 1 then return {STATUS.REPLAY, rid, 0} end
local eid = reg.lottery_entry_id or rid
if redis.call('HEXISTS', META, 'skipped:' .. eid) == 1 then return {STATUS.SKIPPED, rid, 0} end
local st = redis.call('HMGET', A, 'status', 'capacity', 'taken')
if not st[1] then return {STATUS.REFUSED, REASON.UNKNOWN_ACTIVITY} end
if st[1] ~= STATUS.SCHEDULED then return {STATUS.REFUSED, REASON.ACTIVITY_CANCELLED_REASON} end
local id_refusal = fair_refusal(D, ND, NF, fair)
if id_refusal then
  redis.call('HSET', META, 'skipped:' .. eid, id_refusal)
  return {STATUS.SKIPPED, rid, 0}
end

local status, position
local fits = reg.party_size <= tonumber(st[2]) - tonumber(st[3] or '0')
local moved_up = want ~= STATUS.CONFIRMED and fits and redis.call('ZCARD', W) == 0
if moved_up then redis.call('HSET', META, 'seated:' .. eid, 1) end
if (want == STATUS.CONFIRMED or moved_up) and fits then
  status, position = STATUS.CONFIRMED, 0
  redis.call('HINCRBY', A, 'taken', reg.party_size)
  keep_handed_back(A, O, occurred_at, now_ms)  -- issue 27: the draw's order may take seats handed back
else
  -- In drawn order: each call comes after the previous entry's, so arrival order is drawn order.
  status = STATUS.WAITLISTED
  local seq = redis.call('HINCRBY', A, 'seq', 1)
  redis.call('ZADD', W, seq, rid)
  redis.call('HINCRBY', A, 'waitlist_people', reg.party_size)
  position = redis.call('ZCARD', W)
end

keep_booked(R, P, X, S, reg, rid, status, position, occurred_at)
fair_record(D, nil, ND, NF, MY, '', rid, fair)

local data, version = registration_event_data(reg)
data.lottery_entry_id = reg.lottery_entry_id  -- notify: the entrant was told by the lottery's own message
emit_booked(O, status, reg, rid, position, occurred_at, data, version)
return {status, rid, position}
