-- quota_return.lua: the window's unbooked kept seats go to on-site standby at the start (issue 29).
--
-- KEYS[1] A  activity state hash     {p}act:{aid}
-- KEYS[2] O  outbox stream           {p}outbox
-- ARGV[1] now_ms        server clock, ms since the epoch
-- ARGV[2] occurred_at   the same instant as ISO-8601, for the event envelope
--
-- Once, from the activity's start on (the scheduler runs it, quota_store.py): the seats the window
-- (STATUS.CH_WINDOW) still keeps, never more than the seats nobody holds (capacity - taken -
-- handed_back), are recorded as ``quota_returned`` and told to check-in with the seats handed
-- back: SeatsHandedBack carries handed_back + quota_returned with a new revision (as promote.lua's
-- keep_handed_back does from then on), so check-in's standby pool takes them by the existing mechanism.
-- Returns {"ok", seats} the first time, {"already", seats} after, {"too_early", 0} before
-- the start, {"refused", "unknown_activity"}.
--#include promote.lua

local A, O = KEYS[1], KEYS[2]
local now_ms, occurred_at = tonumber(ARGV[1]), ARGV[2]
local st = redis.call('HMGET', A, 'id', 'starts_at', 'quota_returned_at', 'quota_returned',
                      'capacity', 'taken', 'handed_back', 'quota:' .. STATUS.CH_WINDOW)
if not st[1] then return {STATUS.REFUSED, REASON.UNKNOWN_ACTIVITY} end
if st[3] then return {STATUS.ALREADY, tonumber(st[4] or '0')} end
if now_ms < tonumber(st[2]) then return {STATUS.TOO_EARLY, 0} end
local nobody = tonumber(st[5]) - tonumber(st[6] or '0') - tonumber(st[7] or '0')
local seats = math.max(0, math.min(tonumber(st[8] or '0'), nobody))
redis.call('HSET', A, 'quota_returned', seats, 'quota_returned_at', now_ms)
if seats > 0 then
  local held = tonumber(st[7] or '0')
  local rev = redis.call('HINCRBY', A, 'handed_back_rev', 1)
  emit_registration(O, EVENT.SEATS_HANDED_BACK, st[1], occurred_at, st[1] .. ':handed_back:' .. rev,
                    { activity_id = st[1], handed_back = held + seats, revision = rev }, 1)
end
return {STATUS.OK, seats}
