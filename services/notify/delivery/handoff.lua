-- handoff.lua: mark a message as being handed to the provider, if this sender still holds it.
--
-- KEYS[1] N  the intent hash
-- ARGV[1] the claim token this sender got from claim.lua   ARGV[2] hand-off time (ISO-8601)
-- Returns 1 when marked; 0 when the lease ran out and another sender claimed the message since
-- (this sender must then not hand it over: the other one will).
--#include ../vocabulary.lua
local N = KEYS[1]
if redis.call('HGET', N, 'claim_token') ~= ARGV[1] then return 0 end
redis.call('HSET', N, 'status', STATUS.HANDOFF, 'handoff_at', ARGV[2])
return 1
