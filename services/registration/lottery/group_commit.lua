-- group_commit.lua: write a frozen group's entry set and its Merkle root, once (issue 27).
--
-- KEYS[1] META   hash   {p}lotg:{gid}          state must be frozen (group_freeze.lua)
-- KEYS[2] FROZEN string {p}lotg:frozen:{gid}   JSON list of the public entries, in entry-id order
-- KEYS[3] DUE    zset   {p}lotg:due            gid -> round 1's draw time, once committed
-- ARGV[1] frozen JSON   ARGV[2] Merkle root (hex)   ARGV[3] gid
--
-- Returns 1 when this call wrote them, 0 when they were written before (a racing scheduler
-- computed the same set: the first write stands) or the group is not frozen.

--#include ../words.lua

local m = redis.call('HMGET', KEYS[1], 'state', 'merkle_root', 'draw_at')
if m[1] ~= STATUS.LOT_FROZEN or m[2] then return 0 end
redis.call('SET', KEYS[2], ARGV[1], 'NX')
redis.call('HSET', KEYS[1], 'merkle_root', ARGV[2])
redis.call('ZADD', KEYS[3], m[3], ARGV[3])
return 1
