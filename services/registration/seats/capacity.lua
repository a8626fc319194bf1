-- capacity.lua: create or change an activity, atomically with its seat state.
--
-- KEYS[1] A  activity state hash   KEYS[2] W  waitlist zset   KEYS[3] R  registrations hash
-- KEYS[4] O  outbox stream         KEYS[5] L  activity index zset {p}activities (global)
-- ARGV[1] now_ms   ARGV[2] occurred_at
-- ARGV[3] mode: "create" (refuse if it exists) | "update" (refuse unless ARGV[4] is the revision)
-- ARGV[4] expected revision ("" with create)
-- ARGV[5] state JSON: id, doc, status, opens_at, closes_at, starts_at, capacity, max_party_size,
--         waitlist_enabled ("1"/"0"), waitlist_max, venue_id, handback_held ("1": seats handed
--         back go to the waitlist only, never again to open booking; issue 27, promote.lua),
--         quotas ({channel = {seats, until_ms}}: seats kept for channels; issue 29, quota.lua)
-- ARGV[6] event type ("ActivityPublished" | "ActivityChanged" | "ActivityCancelled")
-- ARGV[7] event data JSON
-- Returns {"ok", revision, promoted} or {"refused", reason} with reason activity_exists |
-- unknown_activity | revision_conflict | capacity_below_taken
--#include promote.lua

local A, W, R, O, L = KEYS[1], KEYS[2], KEYS[3], KEYS[4], KEYS[5]
local now_ms, occurred_at, mode, expected = tonumber(ARGV[1]), ARGV[2], ARGV[3], ARGV[4]
local state = cjson.decode(ARGV[5])
local exists = redis.call('EXISTS', A) == 1

if mode == STATUS.CREATE then
  if exists then return {STATUS.REFUSED, REASON.ACTIVITY_EXISTS} end
else
  if not exists then return {STATUS.REFUSED, REASON.UNKNOWN_ACTIVITY} end
  if redis.call('HGET', A, 'rev') ~= expected then return {STATUS.REFUSED, REASON.REVISION_CONFLICT} end
  local taken = tonumber(redis.call('HGET', A, 'taken'))
  if tonumber(state.capacity) < taken then return {STATUS.REFUSED, REASON.CAPACITY_BELOW_TAKEN} end
end

for _, f in ipairs({'id', 'doc', 'status', 'opens_at', 'closes_at', 'starts_at', 'capacity',
                    'max_party_size', 'waitlist_enabled', 'waitlist_max', 'venue_id',
                    'handback_held'}) do
  redis.call('HSET', A, f, tostring(state[f]))
end
quota_configure(A, state.quotas)  -- issue 29: seats kept for channels (quota.lua)
if not exists then
  redis.call('HSET', A, 'taken', 0, 'seq', 0, 'waitlist_people', 0, 'turned_away', 0, 'handed_back', 0)
end
local rev = redis.call('HINCRBY', A, 'rev', 1)
redis.call('ZADD', L, tonumber(state.starts_at), state.id)
emit(O, TOPIC.ACTIVITY_EVENTS, SOURCE, ARGV[6], state.id, occurred_at, state.id .. ':rev:' .. rev,
     cjson.decode(ARGV[7]))
local promoted = promote(A, W, R, O, now_ms, occurred_at)
return {STATUS.OK, rev, promoted}
