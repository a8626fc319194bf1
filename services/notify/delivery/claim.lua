-- claim.lua: take one due message off its channel queue for one sender, under a lease.
--
-- KEYS[1] Q  the channel queue zset   KEYS[2] N  the intent hash
-- ARGV[1] notification id   ARGV[2] now (ms)   ARGV[3] lease end (ms)   ARGV[4] claim token
-- Returns the intent's status before the claim ("pending", "retrying", "claimed", "handoff"),
-- or false when it is not due or another sender took it.  The token fences the hand-off
-- (handoff.lua): a sender whose lease ran out can no longer hand the message over.  The message stays in the queue with
-- the lease end as its score: if this sender dies, another one takes it over when the lease ends.
-- A message in "handoff" (the provider may have it) keeps that status, so the next sender knows
-- it must not blindly send it again.
--#include ../vocabulary.lua
local Q, N = KEYS[1], KEYS[2]
local score = redis.call('ZSCORE', Q, ARGV[1])
if (not score) or tonumber(score) > tonumber(ARGV[2]) then return false end
local status = redis.call('HGET', N, 'status')
if (not status) or status == STATUS.SENT or status == STATUS.FAILED or status == STATUS.UNCERTAIN or status == STATUS.SKIPPED then
  redis.call('ZREM', Q, ARGV[1])
  return false
end
redis.call('ZADD', Q, tonumber(ARGV[3]), ARGV[1])
redis.call('HSET', N, 'claim_token', ARGV[4], 'claimed_at', ARGV[2])
if status ~= STATUS.HANDOFF then
  redis.call('HSET', N, 'status', STATUS.CLAIMED)
end
return status
