-- lottery_enter.lua: one lottery entry, during the window, at most one per holder (phone or ID).
--
-- KEYS[1] META    hash {p}lot:{aid}          capacity, opens_at, closes_at, draw_at, state, ...
-- KEYS[2] ENTRIES hash {p}lot:entries:{aid}  entry id -> JSON {party_size, locale, ...; personal
--                                            fields sealed: lottery_store.py, issue 16}
-- KEYS[3] HOLDERS hash {p}lot:holders:{aid}  holder key (verified phone / ID hash) -> entry id
-- KEYS[4] S       hash {p}shred:{aid}          "e:<entry id>" -> the entry's data key, wrapped (issue 23)
-- KEYS[5..7] D, ND, NF  {p}act:{aid}:ids, {p}idday, {p}idfest: the per-ID limits (fair.lua, issue 23)
-- KEYS[8] MY      set  {p}lot:mine:<owner>    (optional) "<aid> <entry id>" of the verified phone
-- ARGV[1] entry id   ARGV[2] entry JSON   ARGV[3] now (Unix s)   ARGV[4] member of MY ("<aid> <entry id>")
-- ARGV[5] the entry's data key, wrapped ("" for none; issue 23)   ARGV[6] fair JSON (fair.lua)
-- ARGV[7..] holder keys
--
-- An ID already at its day or festival cap cannot enter (id_limit_reached, as registering refuses
-- it); entering does not count towards the caps, so lottery_register.lua checks them again.
--
-- Returns JSON {"status":"ok"} or {"status":"refused","reason":...} (unknown_activity | lottery_closed
-- | lottery_not_open | already_entered | id_duplicate | id_limit_reached): a refusal never names the earlier
-- entry (another phone sharing a member learns nothing of it, issue 23).
-- Everything is checked before anything is written; entries stop once the draw has begun.

--#include ../words.lua
--#include ../access/fair.lua
--#include entry_checks.lua

local META, ENTRIES, HOLDERS = KEYS[1], KEYS[2], KEYS[3]
local entry_id, entry, now = ARGV[1], ARGV[2], tonumber(ARGV[3])

local refusal = entry_refusal(META, HOLDERS, now, 7, REASON.UNKNOWN_ACTIVITY)
  or fair_refusal(KEYS[5], KEYS[6], KEYS[7], cjson.decode(ARGV[6]))
if refusal then return cjson.encode({ status = STATUS.REFUSED, reason = refusal }) end
redis.call('HSET', ENTRIES, entry_id, entry)
if ARGV[5] ~= '' then redis.call('HSET', KEYS[4], 'e:' .. entry_id, ARGV[5]) end
for i = 7, #ARGV do redis.call('HSET', HOLDERS, ARGV[i], entry_id) end
if KEYS[8] then redis.call('SADD', KEYS[8], ARGV[4]) end
return cjson.encode({ status = STATUS.OK, entry_id = entry_id })
