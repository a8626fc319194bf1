-- group_freeze.lua: the close of a v2 lottery group's entries (issue 27): from now on
-- group_enter.lua refuses, so the entry set read afterwards is the frozen one.
--
-- KEYS[1] META hash {p}lotg:{gid}   ARGV[1] now (Unix s)
--
-- Returns STATUS.OK (frozen now), STATUS.TOO_EARLY (before closes_at), the state it already has
-- (frozen | drawing | drawn: nothing written), or REASON.UNKNOWN_GROUP.

--#include ../words.lua

local m = redis.call('HMGET', KEYS[1], 'state', 'closes_at')
if not m[1] then return REASON.UNKNOWN_GROUP end
if m[1] ~= STATUS.LOT_OPEN then return m[1] end
if tonumber(ARGV[1]) < tonumber(m[2]) then return STATUS.TOO_EARLY end
redis.call('HSET', KEYS[1], 'state', STATUS.LOT_FROZEN)
return STATUS.OK
