-- group_enter.lua: one entry of a v2 lottery group, during its window, at most one per holder
-- (verified phone or member ID) per group; counts the live demand of each chosen session.
--
-- KEYS[1] META    hash {p}lotg:{gid}          state, opens_at, closes_at, ... (group_open.lua)
-- KEYS[2] ENTRIES hash {p}lotg:entries:{gid}  entry id -> JSON {public, nonce, entered_at, owner_ref,
--                                             holders, locale; personal fields sealed (group_store.py)}
-- KEYS[3] HOLDERS hash {p}lotg:holders:{gid}  holder key -> entry id
-- KEYS[4] DEMAND  hash {p}lotg:demand:{gid}   "<aid>:entries", "<aid>:people", "<aid>:first"
-- KEYS[5] S       hash {p}shred:{gid}         "e:<entry id>" -> the entry's data key, wrapped (issue 23)
-- KEYS[6..8] D, ND, NF  the per-ID limits of the first choice (fair.lua, as lottery_enter.lua)
-- KEYS[9] MY      set  {p}lot:mine:<owner>    (optional) "g <gid> <entry id>" of the verified phone
-- ARGV[1] entry id   ARGV[2] entry JSON   ARGV[3] now (Unix s)   ARGV[4] member of MY
-- ARGV[5] the entry's data key, wrapped ("" for none)   ARGV[6] fair JSON (fair.lua)
-- ARGV[7] party size   ARGV[8] choices (JSON list of activity ids, ranked)   ARGV[9..] holder keys
--
-- Returns JSON {"status":"ok"} or {"status":"refused","reason":...} (unknown_group | lottery_closed
-- | lottery_not_open | already_entered | id_duplicate | id_limit_reached); a refusal never names
-- the earlier entry. Everything is checked before anything is written; entries stop at the freeze.

--#include ../words.lua
--#include ../access/fair.lua
--#include entry_checks.lua

local META, ENTRIES, HOLDERS, DEMAND = KEYS[1], KEYS[2], KEYS[3], KEYS[4]
local entry_id, now, size = ARGV[1], tonumber(ARGV[3]), tonumber(ARGV[7])

local refusal = entry_refusal(META, HOLDERS, now, 9, REASON.UNKNOWN_GROUP)
  or fair_refusal(KEYS[6], KEYS[7], KEYS[8], cjson.decode(ARGV[6]))
if refusal then return cjson.encode({ status = STATUS.REFUSED, reason = refusal }) end
redis.call('HSET', ENTRIES, entry_id, ARGV[2])
if ARGV[5] ~= '' then redis.call('HSET', KEYS[5], 'e:' .. entry_id, ARGV[5]) end
for i = 9, #ARGV do redis.call('HSET', HOLDERS, ARGV[i], entry_id) end
local choices = cjson.decode(ARGV[8])
for i, aid in ipairs(choices) do
  redis.call('HINCRBY', DEMAND, aid .. ':entries', 1)
  redis.call('HINCRBY', DEMAND, aid .. ':people', size)
  if i == 1 then redis.call('HINCRBY', DEMAND, aid .. ':first', 1) end
end
if KEYS[9] then redis.call('SADD', KEYS[9], ARGV[4]) end
return cjson.encode({ status = STATUS.OK, entry_id = entry_id })
