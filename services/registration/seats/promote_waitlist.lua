-- promote_waitlist.lua: promote one activity's waitlist on demand (the ``promote`` use case).
--
-- KEYS[1] A  activity state hash   KEYS[2] W  waitlist zset   KEYS[3] R  registrations hash
-- KEYS[4] O  outbox stream
-- ARGV[1] now_ms   ARGV[2] occurred_at
-- Returns {"ok", promoted} or {"refused", "unknown_activity"}
--#include promote.lua

if redis.call('EXISTS', KEYS[1]) == 0 then return {STATUS.REFUSED, REASON.UNKNOWN_ACTIVITY} end
return {STATUS.OK, promote(KEYS[1], KEYS[2], KEYS[3], KEYS[4], tonumber(ARGV[1]), ARGV[2])}
