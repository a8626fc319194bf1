-- intent.lua: record one due message, once, and queue it for its channel.
--
-- KEYS[1] N  the intent hash {p}nt:n:<id>      KEYS[2] L  the registration's log list {p}nt:log:<rid>
-- KEYS[3] Q  the channel queue zset {p}nt:q:<channel>   KEYS[4] K  the channel's wake-up list
-- ARGV[1] notification id   ARGV[2] ready at (ms)   ARGV[3..] field, value, field, value, ...
-- Returns 1 when recorded, 0 when this (event, channel, recipient) was recorded before: a
-- redelivered event changes nothing.  Everything is written in one step, so a crash can never
-- leave an intent that is not queued (which would be skipped on redelivery and never sent).
local N, L, Q, K = KEYS[1], KEYS[2], KEYS[3], KEYS[4]
if redis.call('EXISTS', N) == 1 then return 0 end
redis.call('HSET', N, unpack(ARGV, 3))
redis.call('RPUSH', L, ARGV[1])
redis.call('ZADD', Q, tonumber(ARGV[2]), ARGV[1])
redis.call('LPUSH', K, '1')
redis.call('LTRIM', K, 0, 0)
return 1
