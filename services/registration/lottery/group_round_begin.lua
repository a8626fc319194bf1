-- group_round_begin.lua: take the lease of a group's round n, once it is due (issue 27, v2).
--
-- KEYS[1] META  hash   {p}lotg:{gid}            draw_at, round2_at, rounds_drawn, state
-- KEYS[2] LEASE string {p}lotg:lease:{gid}:<n>  the token of the instance drawing round n now
-- KEYS[3] ROUND string {p}lotg:round:{gid}:<n>  the stored round (JSON), once there is one
-- ARGV[1] token   ARGV[2] now (Unix s)   ARGV[3] lease (ms)   ARGV[4] n
--
-- Returns "drawn" (the round is stored: use it), "too_early" (not its time, or round n-1 not
-- drawn), "busy" (another instance holds the lease), "unknown_activity" or "ok" (this caller holds
-- the lease and must call group_round_finish.lua).  Entries were frozen before: the round reads
-- {p}lotg:frozen:{gid}, never the live entries.

--#include ../words.lua

local META, LEASE, ROUND = KEYS[1], KEYS[2], KEYS[3]
local n = tonumber(ARGV[4])
if redis.call('EXISTS', ROUND) == 1 then return STATUS.LOT_DRAWN end
local m = redis.call('HMGET', META, 'draw_at', 'round2_at', 'rounds_drawn')
if not m[1] then return REASON.UNKNOWN_ACTIVITY end
local due = m[1]
if n > 1 then due = m[2] end
if not due or due == '' or tonumber(ARGV[2]) < tonumber(due) then return STATUS.TOO_EARLY end
if tonumber(m[3] or '0') < n - 1 then return STATUS.TOO_EARLY end
if not redis.call('SET', LEASE, ARGV[1], 'NX', 'PX', ARGV[3]) then return STATUS.BUSY end
redis.call('HSET', META, 'state', STATUS.LOT_DRAWING)
return STATUS.OK
