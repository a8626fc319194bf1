-- seats_open.lua: the seats a newcomer may book online now (issue 29), read-only.
--
-- KEYS[1] A  activity state hash     {p}act:{aid}
-- ARGV[1] now_ms        server clock, ms since the epoch
--
-- Returns {seats_open(A, now_ms), quota_left(A, window, now_ms)} of quota.lua: the seats open to
-- a newcomer online (capacity - taken - handed_back - kept) and the seats the staffed window still
-- keeps; {-1, 0} when the activity is unknown.  The catalogue pipelines it for lists (store.py): the rule's one home
-- stays quota.lua, no Python copy.
--#include ../words.lua
--#include quota.lua

local A = KEYS[1]
if redis.call('EXISTS', A) == 0 then return {-1, 0} end
local now_ms = tonumber(ARGV[1])
return {seats_open(A, now_ms), quota_left(A, STATUS.CH_WINDOW, now_ms)}
