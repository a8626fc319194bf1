-- cancel.lua: the registrant cancels, or leaves the waitlist; freed seats promote the waitlist.
-- On an activity that keeps handed-back seats out of open booking (issue 27, promote.lua's
-- hand_back) the freed seats go to the waitlist only, and what it cannot use stays handed back.
--
-- KEYS[1] A  activity state hash   KEYS[2] P  active phones hash   KEYS[3] W  waitlist zset
-- KEYS[4] R  registrations hash    KEYS[5] O  outbox stream
-- KEYS[6] D, KEYS[7] ND, KEYS[8] NF  the real-name ID indexes (fair.lua), given back
-- ARGV[1] now_ms   ARGV[2] occurred_at   ARGV[3] registration id
-- Returns {"cancelled", previous_status, promoted} or {"already", "cancelled", 0}
--      or {"refused", "unknown_registration"}
--#include promote.lua
--#include ../access/fair.lua

local A, P, W, R, O = KEYS[1], KEYS[2], KEYS[3], KEYS[4], KEYS[5]
local now_ms, occurred_at, rid = tonumber(ARGV[1]), ARGV[2], ARGV[3]
local raw = redis.call('HGET', R, rid)
if not raw then return {STATUS.REFUSED, REASON.UNKNOWN_REGISTRATION} end
local reg = cjson.decode(raw)
if reg.status == STATUS.CANCELLED then return {STATUS.ALREADY, STATUS.CANCELLED, 0} end

local previous = reg.status
if previous == STATUS.CONFIRMED then
  redis.call('HINCRBY', A, 'taken', -reg.party_size)
  -- a channel's seats go back to it while it still keeps seats (quota.lua); the rest as ever
  local back = quota_give_back_party(A, reg, reg.party_size, now_ms)
  if reg.party_size > back then hand_back(A, reg.party_size - back) end
else
  redis.call('ZREM', W, rid)
  redis.call('HINCRBY', A, 'waitlist_people', -reg.party_size)
end
redis.call('HDEL', P, reg.phone_ref or reg.phone)
if KEYS[8] then fair_release(KEYS[6], KEYS[7], KEYS[8], reg) end
reg.status = STATUS.CANCELLED
reg.cancelled_at = occurred_at
redis.call('HSET', R, rid, cjson.encode(reg))
local data, version = registration_event_data(reg)
data.previous_status = previous
data.ticket_revoked = (previous == STATUS.CONFIRMED)
emit_registration(O, EVENT.REGISTRATION_CANCELLED, reg.activity_id, occurred_at, rid .. ':' .. EVENT.REGISTRATION_CANCELLED, data, version)
local promoted = promote(A, W, R, O, now_ms, occurred_at)
return {STATUS.CANCELLED, previous, promoted}
