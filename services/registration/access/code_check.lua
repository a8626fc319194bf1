-- code_check.lua: one try of an SMS code; the right one ends the code and opens a session.
--
-- KEYS[1] C  code record hash   {p}vcode:{<phone ref>}
-- KEYS[2] S  session            {p}vsess:<sha256 of the token>   -> canonical phone
-- ARGV[1] now_ms   ARGV[2] code_hash of the try   ARGV[3] max_attempts
-- ARGV[4] session_ttl_ms   ARGV[5] canonical phone
-- Returns {"ok", 0}, {"code_invalid", attempts_left}, {"code_expired", 0} (expired or never sent)
-- or {"too_many_attempts", 0}.
--#include ../words.lua

local C, S = KEYS[1], KEYS[2]
local now_ms, try_hash, max_attempts = tonumber(ARGV[1]), ARGV[2], tonumber(ARGV[3])

local rec = redis.call('HMGET', C, 'code_hash', 'expires_ms', 'attempts')
if not rec[1] then return {REASON.CODE_EXPIRED, 0} end
local attempts = tonumber(rec[3])
if attempts >= max_attempts then return {REASON.TOO_MANY_ATTEMPTS, 0} end
if now_ms >= tonumber(rec[2]) then return {REASON.CODE_EXPIRED, 0} end
if rec[1] ~= try_hash then
  redis.call('HINCRBY', C, 'attempts', 1)
  return {REASON.CODE_INVALID, max_attempts - attempts - 1}
end
-- The cooldown (sent_ms) outlives the used code, so the record stays until it expires.
redis.call('HDEL', C, 'code_hash')
redis.call('HSET', C, 'attempts', max_attempts)
redis.call('SET', S, ARGV[5], 'PX', tonumber(ARGV[4]))
return {STATUS.OK, 0}
