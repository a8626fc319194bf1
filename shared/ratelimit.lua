-- ratelimit.lua: sliding-window limits, several at once, all or nothing.
--
-- KEYS[i]     one sorted set per limit and subject, e.g. {p}rl:ip:<digest>
-- ARGV[1]     now_ms (the caller's clock, injectable in tests)
-- ARGV[2]     a member id unique to this request
-- ARGV[2i+1]  the limit for KEYS[i] (requests per window)
-- ARGV[2i+2]  the window length in ms for KEYS[i]
-- Counts the request against every key only when every key has room.
-- Returns {0, 0} when allowed, or {i, retry_after_ms} for the first limit without room.
--#include sliding.lua

local now_ms, member = tonumber(ARGV[1]), ARGV[2]
for i = 1, #KEYS do
  local wait = sliding_room(KEYS[i], now_ms, tonumber(ARGV[2 * i + 2]), tonumber(ARGV[2 * i + 1]))
  if wait > 0 then return {i, wait} end
end
for i = 1, #KEYS do
  sliding_add(KEYS[i], now_ms, tonumber(ARGV[2 * i + 2]), member)
end
return {0, 0}
