-- group_round_finish.lua: store a group's round n, once, if the caller still holds the lease.
--
-- KEYS[1] META  hash   {p}lotg:{gid}
-- KEYS[2] LEASE string {p}lotg:lease:{gid}:<n>
-- KEYS[3] ROUND string {p}lotg:round:{gid}:<n>
-- ARGV[1] token   ARGV[2] the round's JSON (specification_v2.Round.public())   ARGV[3] n
--
-- Returns "ok", "drawn" (someone stored it first) or "lost_lease" (the lease expired and another
-- instance took it: that one stores the same round, since the seed, the frozen entries and the
-- verified beacon value determine it).
--#include ../words.lua

local META, LEASE, ROUND = KEYS[1], KEYS[2], KEYS[3]
if redis.call('EXISTS', ROUND) == 1 then return STATUS.LOT_DRAWN end
if redis.call('GET', LEASE) ~= ARGV[1] then return STATUS.LOST_LEASE end
redis.call('SET', ROUND, ARGV[2], 'NX')
redis.call('HSET', META, 'state', STATUS.LOT_DRAWN, 'rounds_drawn', ARGV[3])
redis.call('DEL', LEASE)
return STATUS.OK
