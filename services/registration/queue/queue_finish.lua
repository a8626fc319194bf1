-- queue_finish.lua: the shuffle's positions are written: the queue is ``released``.
--
-- KEYS[1] Q  queue hash {p}q:{aid}
-- Returns {"ok"} when it was releasing (now released), {"already"} otherwise.
--#include ../words.lua
local Q = KEYS[1]
if redis.call('HGET', Q, 'state') ~= STATUS.Q_RELEASING then return {STATUS.ALREADY} end
redis.call('HSET', Q, 'state', STATUS.Q_RELEASED)
return {STATUS.OK}
