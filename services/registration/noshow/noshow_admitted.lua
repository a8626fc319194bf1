-- noshow_admitted.lua: registration's count of who came, from checkin-events, once per fact.
--
-- KEYS[1] ADM   hash {p}ns:adm:{aid}    registration id -> people admitted (net of undos)
-- KEYS[2] FACTS hash {p}ns:facts:{aid}  "<check-in id>:recorded|reverted" -> 1 once applied
-- ARGV[1] registration id   ARGV[2] fact key   ARGV[3] delta (admitted, or minus reverted)
--
-- Returns the count after the change, or -1 if this fact was applied before (redelivery, replay).

if redis.call('HSETNX', KEYS[2], ARGV[2], 1) == 0 then return -1 end
return redis.call('HINCRBY', KEYS[1], ARGV[1], ARGV[3])
