-- intents.lua: intent.lua for a whole batch of messages in one call (issue 18, session 2).
--
-- For each message i (in order): KEYS[4i-3..4i] as intent.lua's N, L, Q, K, and in ARGV
--   n (how many field/value arguments follow), notification id, ready at (ms), n field/value args.
-- Each message is recorded and queued exactly as intent.lua does it, once: one already recorded
-- (a redelivered event) changes nothing.  Each channel's wake-up list gets its nudge once, at the
-- end (a blocked sender is woken after the script anyway).  Returns how many were recorded.
local k, a, recorded = 1, 1, 0
local wake = {}
while a <= #ARGV do
  local n = tonumber(ARGV[a])
  local nid, ready = ARGV[a + 1], tonumber(ARGV[a + 2])
  local N, L, Q, K = KEYS[k], KEYS[k + 1], KEYS[k + 2], KEYS[k + 3]
  if redis.call('EXISTS', N) == 0 then
    redis.call('HSET', N, unpack(ARGV, a + 3, a + 2 + n))
    redis.call('RPUSH', L, nid)
    redis.call('ZADD', Q, ready, nid)
    wake[K] = true
    recorded = recorded + 1
  end
  k, a = k + 4, a + 3 + n
end
for K in pairs(wake) do
  redis.call('LPUSH', K, '1')
  redis.call('LTRIM', K, 0, 0)
end
return recorded
