-- standby_handed_back.lua: an activity's seats handed back (SeatsHandedBack, issue 27: freed by a
-- registrant, kept from open booking, and not taken by the waitlist) wait for on-site standby.
--
-- KEYS[1] META  hash  {p}ck:sb:{aid}   handed_back, handed_back_rev; pool, released_at (release)
-- ARGV[1] the activity's whole count of seats handed back   ARGV[2] its revision (only grows)
--
-- The highest revision's count wins, so events in any order, a redelivery, a replay or a rebuild
-- leave the same count.  Before the release the count waits (the waitlist may still take the
-- seats until the start); standby_release.lua adds it to the pool, and once released a newer
-- count moves the pool by its difference.  Returns {1, count} when stored, {0, stored count} when
-- the revision is not newer than the stored one (nothing written).
local META = KEYS[1]
local count, rev = tonumber(ARGV[1]), tonumber(ARGV[2])
local m = redis.call('HMGET', META, 'handed_back_rev', 'handed_back', 'released_at')
local stored = tonumber(m[2] or '0')
if rev <= tonumber(m[1] or '0') then return {0, stored} end
redis.call('HSET', META, 'handed_back', count, 'handed_back_rev', rev)
if m[3] then redis.call('HINCRBY', META, 'pool', count - stored) end
return {1, count}
