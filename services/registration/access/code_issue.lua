-- code_issue.lua: store a new SMS code's hash for a phone, if the phone may have one now.
--
-- KEYS[1] C   code record hash       {p}vcode:{<phone ref>}   code_hash, expires_ms, attempts, sent_ms
-- KEYS[2] DP  codes per phone, 24 h  {p}vday:phone:<phone ref>   (sliding-window log)
-- KEYS[3] DI  codes per address      {p}vday:ip:<ip ref>
-- KEYS[4] HN  codes per network prefix, 1 h   {p}vhour:net:<prefix ref>   (an IPv4 /24, an IPv6 /64)
-- KEYS[5] HG  codes in all, 1 h               {p}vhour:all
-- ARGV[1] now_ms   ARGV[2] code_hash (HMAC, never the code)   ARGV[3] code_ttl_ms
-- ARGV[4] cooldown_ms   ARGV[5] daily_per_phone   ARGV[6] daily_per_ip   ARGV[7] member id
-- ARGV[8] hourly cap of the address's prefix (0 = off)   ARGV[9] hourly_global (0 = off)
-- ARGV[10] "1" when the address is on the venue's own networks: neither DI nor HN is counted or
--          capped (a museum's Wi-Fi is not one person); the phone and the total still are.
-- Checks everything before writing anything. Returns {"ok", 0}, or
-- {"code_cooldown" | "daily_cap_reached" | "network_cap_reached" | "codes_busy", retry_after_ms}.
--#include ../words.lua
--#include sliding.lua

local C, DP, DI, HN, HG = KEYS[1], KEYS[2], KEYS[3], KEYS[4], KEYS[5]
local now_ms, code_hash, ttl_ms = tonumber(ARGV[1]), ARGV[2], tonumber(ARGV[3])
local cooldown_ms, per_phone, per_ip, member = tonumber(ARGV[4]), tonumber(ARGV[5]), tonumber(ARGV[6]), ARGV[7]
local per_prefix, global, venue = tonumber(ARGV[8]), tonumber(ARGV[9]), ARGV[10] == '1'
local DAY, HOUR = 86400000, 3600000

local sent = tonumber(redis.call('HGET', C, 'sent_ms') or '0')
if sent + cooldown_ms > now_ms then return {REASON.CODE_COOLDOWN, sent + cooldown_ms - now_ms} end
local wait = sliding_room(DP, now_ms, DAY, per_phone)
if wait > 0 then return {REASON.DAILY_CAP_REACHED, wait} end
if not venue then
  wait = sliding_room(DI, now_ms, DAY, per_ip)
  if wait > 0 then return {REASON.DAILY_CAP_REACHED, wait} end
  if per_prefix > 0 then
    wait = sliding_room(HN, now_ms, HOUR, per_prefix)
    if wait > 0 then return {REASON.NETWORK_CAP_REACHED, wait} end
  end
end
if global > 0 then
  wait = sliding_room(HG, now_ms, HOUR, global)
  if wait > 0 then return {REASON.CODES_BUSY, wait} end
end

redis.call('DEL', C)
redis.call('HSET', C, 'code_hash', code_hash, 'expires_ms', now_ms + ttl_ms, 'attempts', 0, 'sent_ms', now_ms)
-- Kept past its expiry for as long again, so a late try hears code_expired, not code_invalid.
redis.call('PEXPIRE', C, 2 * ttl_ms)
sliding_add(DP, now_ms, DAY, member)
if not venue then
  sliding_add(DI, now_ms, DAY, member)
  if per_prefix > 0 then sliding_add(HN, now_ms, HOUR, member) end
end
if global > 0 then sliding_add(HG, now_ms, HOUR, member) end
return {STATUS.OK, 0}
