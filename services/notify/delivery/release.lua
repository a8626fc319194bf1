-- release.lua: give back a claim this sender holds, so the message is due again at once.
--
-- KEYS[1] Q  the channel queue zset   KEYS[2] N  the intent hash
-- ARGV[1] notification id   ARGV[2] the claim token   ARGV[3] now (ms)
-- Used when the sender lost Redis in the middle of a message: instead of the message waiting for
-- its lease to run out, it is due again as soon as Redis is back.  The status is kept ("claimed" or
-- "handoff"), so the next claim still knows whether the provider may already have it.  The token is
-- dropped, which fences any late hand-off by this claim.  Returns 1 when released, 0 when the
-- claim is no longer this sender's (it was finished, or taken over).
local Q, N = KEYS[1], KEYS[2]
if redis.call('HGET', N, 'claim_token') ~= ARGV[2] then return 0 end
if not redis.call('ZSCORE', Q, ARGV[1]) then return 0 end
redis.call('ZADD', Q, 'XX', tonumber(ARGV[3]), ARGV[1])
redis.call('HDEL', N, 'claim_token')
return 1
