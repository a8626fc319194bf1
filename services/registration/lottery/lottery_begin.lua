-- lottery_begin.lua: take the draw's lease, once the draw is due; freezes entries.
--
-- KEYS[1] META  hash   {p}lot:{aid}         draw_at, state
-- KEYS[2] LEASE string {p}lot:lease:{aid}   the token of the instance drawing now
-- KEYS[3] DRAW  string {p}lot:draw:{aid}    the stored draw (JSON), once there is one
-- ARGV[1] token   ARGV[2] now (Unix s)   ARGV[3] lease (ms)
--
-- Returns "drawn" (a draw is stored: use it), "too_early", "busy" (another instance holds the
-- lease) or "ok" (this caller holds it and must call lottery_finish.lua).

--#include ../words.lua

local META, LEASE, DRAW = KEYS[1], KEYS[2], KEYS[3]
if redis.call('EXISTS', DRAW) == 1 then return STATUS.LOT_DRAWN end
local draw_at = redis.call('HGET', META, 'draw_at')
if not draw_at then return REASON.UNKNOWN_ACTIVITY end
if tonumber(ARGV[2]) < tonumber(draw_at) then return STATUS.TOO_EARLY end
if not redis.call('SET', LEASE, ARGV[1], 'NX', 'PX', ARGV[3]) then return STATUS.BUSY end
redis.call('HSET', META, 'state', STATUS.LOT_DRAWING)
return STATUS.OK
