-- lottery_publish.lua: one chunk of outcome events (won / waitlisted), each entrant told once.
--
-- KEYS[1] META    hash   {p}lot:{aid}          published = how many outcomes are emitted so far
-- KEYS[2] ENTRIES hash   {p}lot:entries:{aid}  entry id -> JSON (contact details sealed, issue 16)
-- KEYS[3] OUT     stream {p}outbox
-- ARGV[1] start (index of the chunk's first outcome)   ARGV[2] activity id   ARGV[3] occurred_at
-- ARGV[4..] triples: entry id, "won" | "waitlisted", position
--
-- Returns 1 if this call emitted the chunk, 0 if the cursor is elsewhere (already emitted, or an
-- earlier chunk is missing): a racing publisher or a retry never emits an outcome twice.
--
-- Each event is made by lottery_tell.lua (version 2: contact fields sealed for notify, issue 16).
--#include ../words.lua
--#include envelope.lua
--#include lottery_tell.lua

local META, ENTRIES, OUT = KEYS[1], KEYS[2], KEYS[3]
local start, aid, occurred_at = tonumber(ARGV[1]), ARGV[2], ARGV[3]
if tonumber(redis.call('HGET', META, 'published') or '-1') ~= start then return 0 end
local n = 0
local confirm_hours = tonumber(redis.call('HGET', META, 'confirm_hours') or '0')
for i = 4, #ARGV, 3 do
  local eid, outcome, position = ARGV[i], ARGV[i + 1], tonumber(ARGV[i + 2])
  local type_ = outcome == STATUS.WON and EVENT.LOTTERY_ENTRY_WON or EVENT.LOTTERY_ENTRY_WAITLISTED
  -- issue 23: a party skipped for a per-ID cap is not told it won; one that took its seats is
  if redis.call('HEXISTS', META, 'seated:' .. eid) == 1 then type_ = EVENT.LOTTERY_ENTRY_WON end
  if redis.call('HEXISTS', META, 'skipped:' .. eid) == 0 then
    tell(OUT, ENTRIES, aid, occurred_at, eid, type_, position, confirm_hours, aid .. ':' .. eid .. ':drawn')
  end
  n = n + 1
end
redis.call('HSET', META, 'published', start + n)
return 1
