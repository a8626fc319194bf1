-- noshow_mark.lua: store one no-show mark, once; announce it.
--
-- KEYS[1] MARKS hash   {p}ns:marks:{<holder>}  mark id -> JSON mark (see noshow.py)
-- KEYS[2] IDX   hash   {p}ns:idx               mark id -> holder (global, for forgiving by id)
-- KEYS[3] OUT   stream {p}outbox               NoShowMarked goes to noshow-events (via the relay)
-- ARGV[1] mark id ("<registration id>:<member>")   ARGV[2] mark JSON   ARGV[3] holder
-- ARGV[4] activity id   ARGV[5] occurred_at (ISO)   ARGV[6] NoShowMarked data (JSON)
--
-- Returns 1 if the mark is new, 0 if it was already there (a redelivered or replayed event):
-- then nothing is written and no second event is sent.
--#include ../words.lua
--#include envelope.lua

local MARKS, IDX, OUT = KEYS[1], KEYS[2], KEYS[3]
if redis.call('HSETNX', MARKS, ARGV[1], ARGV[2]) == 0 then return 0 end
redis.call('HSET', IDX, ARGV[1], ARGV[3])
emit(OUT, TOPIC.NOSHOW_EVENTS, SOURCE, EVENT.NOSHOW_MARKED, ARGV[4], ARGV[5], ARGV[1] .. ':marked',
     cjson.decode(ARGV[6]))
return 1
