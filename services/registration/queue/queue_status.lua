-- queue_status.lua: what a queue page's poll needs, in one round trip (never the seat script).
--
-- KEYS[1] Q  KEYS[2] WHO  KEYS[3] POS  KEYS[4] PRE  (queue_join.lua's)
-- KEYS[5] A  activity state hash {p}act:{aid}   KEYS[6] W  waitlist zset {p}act:{aid}:waitlist
-- ARGV[1] now_ms  ARGV[2] owner ref or ""  ARGV[3] lease_ms  ARGV[4] release_ms  ARGV[5] opens_ms
-- Releases the queue when its time has come (queue_freeze.lua). ``gone`` is 1 when a party of one
-- would be refused sold_out by reserve.lua now: no seat a newcomer may take (none free, or
-- someone waits) and no waitlist place (off or full).
-- Returns {} when the queue is not open, else {state, queue id or "", position or "", released_n
-- or "", joined, release_at, opens_at, commitment, gone, froze}.
--#include ../words.lua
--#include ../seats/quota.lua
--#include queue_freeze.lua
local Q, WHO, POS, PRE, A, W = KEYS[1], KEYS[2], KEYS[3], KEYS[4], KEYS[5], KEYS[6]
local now_ms, ref = tonumber(ARGV[1]), ARGV[2]
if redis.call('EXISTS', Q) == 0 then return {} end
local state, froze = queue_freeze(Q, PRE, now_ms, tonumber(ARGV[3]), tonumber(ARGV[4]), tonumber(ARGV[5]))
local q = redis.call('HMGET', Q, 'released_n', 'joined', 'release_at', 'opens_at', 'commitment')
local qid, pos = false, false
if ref ~= '' then qid = redis.call('HGET', WHO, ref) end
if qid then pos = redis.call('HGET', POS, qid) end
local gone = 0
local a = redis.call('HMGET', A, 'capacity', 'waitlist_enabled', 'waitlist_max')
if a[1] then
  local waiting = redis.call('ZCARD', W)
  local seat = waiting == 0 and seats_open(A, now_ms) > 0  -- reserve.lua's rule (quota.lua)
  local wait = a[2] == '1' and waiting < tonumber(a[3])
  if not seat and not wait then gone = 1 end
end
return {state, qid or '', pos or '', q[1] or '', q[2], q[3], q[4], q[5], gone, froze}
