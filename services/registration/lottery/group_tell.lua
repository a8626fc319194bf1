-- group_tell.lua: one chunk of a group round's outcomes, each party told once per round (issue 27).
--
-- KEYS[1] META    hash   {p}lotg:{gid}          told:<n> = how many of round n's outcomes are emitted
-- KEYS[2] ENTRIES hash   {p}lotg:entries:{gid}  entry id -> JSON (contact details sealed, issue 16)
-- KEYS[3] OUT     stream {p}outbox
-- ARGV[1] start   ARGV[2] round n (or "wl" for seats handed on from the waitlist)   ARGV[3] gid
-- ARGV[4] occurred_at   ARGV[5] the group's number of rounds   ARGV[6] confirm hours of a win
-- ARGV[7..] quadruples: entry id, "won" | "waitlisted", session (activity id), position
--
-- Each event (LotteryEntryWon / LotteryEntryWaitlisted, made by lottery_tell.lua) carries
-- ``round``, ``rounds`` and ``group_id``; its id is derived from "<gid>:<entry id>:<round>", so a
-- second teller, a retry or a redelivery never tells a party twice in one round.
-- Returns 1 if this call emitted the chunk, 0 if the cursor is elsewhere.
--#include ../words.lua
--#include envelope.lua
--#include lottery_tell.lua

local META, ENTRIES, OUT = KEYS[1], KEYS[2], KEYS[3]
local start, n, gid, occurred_at = tonumber(ARGV[1]), ARGV[2], ARGV[3], ARGV[4]
local rounds, confirm_hours = tonumber(ARGV[5]), tonumber(ARGV[6])
if tonumber(redis.call('HGET', META, 'told:' .. n) or '0') ~= start then return 0 end
local count = 0
for i = 7, #ARGV, 4 do
  local eid, outcome, aid, position = ARGV[i], ARGV[i + 1], ARGV[i + 2], tonumber(ARGV[i + 3])
  local raw = redis.call('HGET', ENTRIES, eid)
  local size = raw and cjson.decode(raw).public.party_size or 1
  local extra = { round = tonumber(n) or (rounds + 1), rounds = rounds, group_id = gid, party_size = size }
  if outcome == STATUS.WON then
    tell(OUT, ENTRIES, aid, occurred_at, eid, EVENT.LOTTERY_ENTRY_WON, position, confirm_hours,
         gid .. ':' .. eid .. ':' .. n, extra)
  else
    tell(OUT, ENTRIES, aid, occurred_at, eid, EVENT.LOTTERY_ENTRY_WAITLISTED, position, 0,
         gid .. ':' .. eid .. ':' .. n, extra)
  end
  count = count + 1
end
redis.call('HSET', META, 'told:' .. n, start + count)
return 1
