-- noshow_admitted.lua: registration's count of who came, from checkin-events, once per fact.
--
-- KEYS[1] ADM   hash {p}ns:adm:{aid}    registration id -> people admitted (net of undos)
-- KEYS[2] FACTS hash {p}ns:facts:{aid}  "<check-in id>:recorded|reverted" -> 1 once applied
-- KEYS[3] MEMBERS hash {p}ns:members:{aid}  registration id -> JSON list of the member places (from 1)
--                                           the door named as in (issue 26; optional)
-- ARGV[1] registration id   ARGV[2] fact key   ARGV[3] delta (admitted, or minus reverted)
-- ARGV[4] JSON list of the member places the fact names, or "" (a head count)
--
-- Returns the count after the change, or -1 if this fact was applied before (redelivery, replay).

if redis.call('HSETNX', KEYS[2], ARGV[2], 1) == 0 then return -1 end
local named = (ARGV[4] or '') ~= '' and cjson.decode(ARGV[4]) or {}
if KEYS[3] and #named > 0 then
  local places, seen = {}, {}
  for _, p in ipairs(cjson.decode(redis.call('HGET', KEYS[3], ARGV[1]) or '[]')) do seen[p] = true end
  for _, p in ipairs(named) do seen[p] = tonumber(ARGV[3]) > 0 end
  for p, inside in pairs(seen) do
    if inside then places[#places + 1] = p end
  end
  table.sort(places)
  if #places > 0 then redis.call('HSET', KEYS[3], ARGV[1], cjson.encode(places))
  else redis.call('HDEL', KEYS[3], ARGV[1]) end
end
return redis.call('HINCRBY', KEYS[1], ARGV[1], ARGV[3])
