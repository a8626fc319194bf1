-- queue_open.lua: open an activity's queue once (its seed made and committed).
--
-- KEYS[1] Q  queue hash  {p}q:{aid}
-- KEYS[2] D  due zset    {p}q:due      aid -> release_at (global, like lotg:due: the scheduler's)
-- ARGV[1] opens_at (ms)  ARGV[2] release_at (ms)  ARGV[3] seed (hex, secret until the release)
-- ARGV[4] commitment (SHA-256 of the seed, hex)  ARGV[5] aid
-- Returns {"ok"} when opened now, {"already"} when it was open (the first seed stands).
--#include ../words.lua
local Q = KEYS[1]
if redis.call('EXISTS', Q) == 1 then return {STATUS.ALREADY} end
redis.call('HSET', Q, 'opens_at', ARGV[1], 'release_at', ARGV[2], 'seed', ARGV[3], 'commitment', ARGV[4],
           'state', STATUS.Q_WAITING, 'joined', 0, 'late', 0)
redis.call('ZADD', KEYS[2], ARGV[2], ARGV[5])
return {STATUS.OK}
