-- noshow_forgive.lua: an organizer forgives one mark; the note goes to the audit log.
--
-- KEYS[1] MARKS hash   {p}ns:marks:{<holder>}
-- KEYS[2] AUDIT stream {p}ns:audit            who forgave which mark, when, and why
-- KEYS[3] OUT   stream {p}outbox              NoShowForgiven goes to noshow-events
-- ARGV[1] mark id   ARGV[2] holder   ARGV[3] by (organizer token's name)   ARGV[4] note
-- ARGV[5] at (ISO)
--
-- Returns 0 for an unknown mark, 1 when forgiven (now or before: forgiving twice writes nothing).
--#include ../words.lua
--#include envelope.lua

local MARKS, AUDIT, OUT = KEYS[1], KEYS[2], KEYS[3]
local mark_id, holder, by, note, at = ARGV[1], ARGV[2], ARGV[3], ARGV[4], ARGV[5]
local raw = redis.call('HGET', MARKS, mark_id)
if not raw then return 0 end
local m = cjson.decode(raw)
if m.forgiven then return 1 end
m.forgiven, m.forgiven_by, m.forgiven_at, m.note = true, by, at, note
redis.call('HSET', MARKS, mark_id, cjson.encode(m))
redis.call('XADD', AUDIT, '*', 'action', 'forgive', 'mark_id', mark_id, 'holder', holder, 'by', by,
           'note', note, 'at', at)
emit(OUT, TOPIC.NOSHOW_EVENTS, SOURCE, EVENT.NOSHOW_FORGIVEN, m.activity_id, at, mark_id .. ':forgiven',
     { mark_id = mark_id, holder = holder, by = by, note = note, forgiven_at = at })
return 1
