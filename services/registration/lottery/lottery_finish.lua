-- lottery_finish.lua: store the draw, once, if the caller still holds the lease; reveal the seed.
--
-- KEYS[1] META  hash   {p}lot:{aid}
-- KEYS[2] LEASE string {p}lot:lease:{aid}
-- KEYS[3] DRAW  string {p}lot:draw:{aid}
-- KEYS[4] OUT   stream {p}outbox            LotteryDrawn goes to lottery-events (via the relay)
-- ARGV[1] token   ARGV[2] draw JSON   ARGV[3] activity id   ARGV[4] occurred_at (ISO)
-- ARGV[5] LotteryDrawn data (JSON)
--
-- Returns "ok", "drawn" (someone stored it first) or "lost_lease" (the lease expired and another
-- instance took it: that instance finishes; the draw it stores is the same one).
--#include ../words.lua
--#include envelope.lua

local META, LEASE, DRAW, OUT = KEYS[1], KEYS[2], KEYS[3], KEYS[4]
if redis.call('EXISTS', DRAW) == 1 then return STATUS.LOT_DRAWN end
if redis.call('GET', LEASE) ~= ARGV[1] then return STATUS.LOST_LEASE end
redis.call('SET', DRAW, ARGV[2])
redis.call('HSET', META, 'state', STATUS.LOT_DRAWN, 'published', 0)
redis.call('DEL', LEASE)
emit(OUT, TOPIC.LOTTERY_EVENTS, SOURCE, EVENT.LOTTERY_DRAWN, ARGV[3], ARGV[4], ARGV[3] .. ':drawn',
     cjson.decode(ARGV[5]))
return STATUS.OK
