-- ratelimit.lua: fixed-window counters for several limits at once, all or nothing.
--
-- KEYS[i]     one counter key per limit, e.g. {p}rl:ip:<addr>:<window>
-- ARGV[2i-1]  the limit for KEYS[i] (requests per window)
-- ARGV[2i]    the window length in ms for KEYS[i]
-- Counts the request against every key only when every key is under its limit.
-- Returns {0, 0} when allowed, or {i, retry_after_ms} for the first limit exceeded.
for i = 1, #KEYS do
  local used = tonumber(redis.call('GET', KEYS[i]) or '0')
  if used >= tonumber(ARGV[2 * i - 1]) then
    local ttl = redis.call('PTTL', KEYS[i])
    if ttl < 0 then ttl = tonumber(ARGV[2 * i]) end
    return {i, ttl}
  end
end
for i = 1, #KEYS do
  local n = redis.call('INCR', KEYS[i])
  if n == 1 then redis.call('PEXPIRE', KEYS[i], ARGV[2 * i]) end
end
return {0, 0}
