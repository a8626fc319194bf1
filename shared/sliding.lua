-- sliding.lua: a sliding-window log, included by scripts that count requests (--#include).
--
-- A window is a sorted set: one member per counted request, scored by its time in ms.  At most
-- `max` members lie in any `window_ms` interval, wherever the interval starts: unlike a fixed
-- window there is no edge where two windows' allowances meet (no doubled burst).
--
-- sliding_room(key, now_ms, window_ms, max) -> 0 when one more request fits, else the ms until
--   the oldest counted request leaves the window.  Drops members older than the window.
-- sliding_add(key, now_ms, window_ms, member) counts one request.

local function sliding_room(key, now_ms, window_ms, max)
  redis.call('ZREMRANGEBYSCORE', key, '-inf', now_ms - window_ms)
  if redis.call('ZCARD', key) < max then return 0 end
  local oldest = redis.call('ZRANGE', key, 0, 0, 'WITHSCORES')
  local wait = tonumber(oldest[2]) + window_ms - now_ms
  if wait < 1 then wait = 1 end
  return wait
end

local function sliding_add(key, now_ms, window_ms, member)
  redis.call('ZADD', key, now_ms, member)
  redis.call('PEXPIRE', key, window_ms)
end
