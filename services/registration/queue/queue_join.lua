-- queue_join.lua: a verified phone takes its one place in an activity's queue.
--
-- KEYS[1] Q    queue hash        {p}q:{aid}
-- KEYS[2] WHO  places hash       {p}q:who:{aid}   owner ref (the phone's keyed hash) -> queue id
-- KEYS[3] PRE  pre-queue list    {p}q:pre:{aid}   queue ids in arrival order before the release
-- KEYS[4] POS  positions hash    {p}q:pos:{aid}   queue id -> position (1-based)
-- KEYS[5] MY   the phone's queues {p}q:mine:{ref}  (global, like myregs: docs/scaling.md)
-- ARGV[1] now_ms  ARGV[2] owner ref  ARGV[3] a new queue id  ARGV[4] aid  ARGV[5] lease_ms
-- ARGV[6] release_ms  ARGV[7] opens_ms (the activity's times now: queue_freeze.lua)
-- One place per phone (HSETNX-like: a second tab or device gets the same id). Before the release
-- the id joins the pre-queue, with no position (the release shuffles it); after it, the id goes
-- behind: position = released_n + its arrival index after the release.
-- Returns {"refused", "queue_not_open"} | {"ok" | "already", queue id, position or "", froze}
-- (froze 1: this call released the queue, and its caller writes the shuffle: queue_freeze.lua).
--#include ../words.lua
--#include queue_freeze.lua
local Q, WHO, PRE, POS, MY = KEYS[1], KEYS[2], KEYS[3], KEYS[4], KEYS[5]
local now_ms, ref, qid = tonumber(ARGV[1]), ARGV[2], ARGV[3]
if redis.call('EXISTS', Q) == 0 then return {STATUS.REFUSED, REASON.QUEUE_NOT_OPEN} end
local state, froze = queue_freeze(Q, PRE, now_ms, tonumber(ARGV[5]), tonumber(ARGV[6]), tonumber(ARGV[7]))
local have = redis.call('HGET', WHO, ref)
if have then return {STATUS.ALREADY, have, redis.call('HGET', POS, have) or '', froze} end
redis.call('HSET', WHO, ref, qid)
redis.call('HINCRBY', Q, 'joined', 1)
redis.call('SADD', MY, ARGV[4])
if state == STATUS.Q_WAITING then
  redis.call('RPUSH', PRE, qid)
  return {STATUS.OK, qid, '', froze}
end
local pos = tonumber(redis.call('HGET', Q, 'released_n')) + redis.call('HINCRBY', Q, 'late', 1)
redis.call('HSET', POS, qid, pos)
return {STATUS.OK, qid, tostring(pos), froze}
