-- lottery_promoted.lua: tell entrants promoted after a forfeit (lottery.pass_on) that they now hold
-- seats, each once.  They were told "waitlisted" with the draw's outcomes; this is a second
-- LotteryEntryWon, with its own event id (seed "<aid>:<entry>:promoted"), so notify sends it.
--
-- KEYS[1] META    hash   {p}lot:{aid}          promoted_published = how many promotions are told
-- KEYS[2] ENTRIES hash   {p}lot:entries:{aid}  entry id -> JSON (contact details sealed, issue 16)
-- KEYS[3] OUT     stream {p}outbox
-- ARGV[1] start (index in the draw's ``promoted`` list of the first one here)   ARGV[2] activity id
-- ARGV[3] occurred_at   ARGV[4..] pairs: entry id, position among those seated
--
-- Returns 1 if this call told them, 0 if the cursor is elsewhere (a racing scheduler told them).
--#include ../words.lua
--#include envelope.lua
--#include lottery_tell.lua

local META, ENTRIES, OUT = KEYS[1], KEYS[2], KEYS[3]
local start, aid, occurred_at = tonumber(ARGV[1]), ARGV[2], ARGV[3]
if tonumber(redis.call('HGET', META, 'promoted_published') or '0') ~= start then return 0 end
local n = 0
local confirm_hours = tonumber(redis.call('HGET', META, 'confirm_hours') or '0')
for i = 4, #ARGV, 2 do
  local eid, position = ARGV[i], tonumber(ARGV[i + 1])
  if redis.call('HEXISTS', META, 'skipped:' .. eid) == 0 then  -- issue 23: not a skipped party
    tell(OUT, ENTRIES, aid, occurred_at, eid, EVENT.LOTTERY_ENTRY_WON, position, confirm_hours,
         aid .. ':' .. eid .. ':promoted')
  end
  n = n + 1
end
redis.call('HSET', META, 'promoted_published', start + n)
return 1
