-- standby_admit.lua: admit a called standby number at a gate, once: by number (a steward) or by
-- its signed standby ticket (the scanner, services/checkin/door/usecases.py): the same step either way.
--
-- KEYS[1] META  hash {p}ck:sb:{aid}      admitted (people let in from standby)
-- KEYS[2] QUEUE hash {p}ck:sbq:{aid}
-- KEYS[3] GATES hash {p}ck:gates:{aid}   gate -> people admitted (shared with admit.lua)
-- KEYS[4] STATS hash {p}ck:stats:{aid}   checked_in, standby_admitted
-- KEYS[5] NONCE hash {p}ck:nonce:{aid}     scan nonce -> JSON result (shared with admit.lua)
-- ARGV[1] number   ARGV[2] gate   ARGV[3] at (ISO)   ARGV[4] scan nonce or "" (a retried upload of
-- a scanned standby ticket gets its first answer again, replayed = true)
--
-- Returns JSON {"status":"ok", number, party_size, at, gate} or {"status":"denied", "reason":
-- "unknown_number" | "not_called" | "already_checked_in" (with first_at, first_gate, party_size)}.

--#include ../vocabulary.lua
--#include ../door/nonce.lua

local META, QUEUE, GATES, STATS, NONCE = KEYS[1], KEYS[2], KEYS[3], KEYS[4], KEYS[5]
local nonce = ARGV[4] or ''
local again = replayed(NONCE, nonce)
if again then return again end
local function finish(result)
  local encoded = cjson.encode(result)
  if nonce ~= '' then redis.call('HSET', NONCE, nonce, encoded) end
  return encoded
end
local raw = redis.call('HGET', QUEUE, ARGV[1])
if not raw then return finish({ status = STATUS.DENIED, reason = REASON.UNKNOWN_NUMBER }) end
local e = cjson.decode(raw)
if e.status == STATUS.WAITING then return finish({ status = STATUS.DENIED, reason = REASON.NOT_CALLED }) end
if e.status == STATUS.ADMITTED then
  return finish({ status = STATUS.DENIED, reason = REASON.ALREADY_CHECKED_IN, first_at = e.admitted_at,
                  first_gate = e.gate, party_size = e.party_size })
end
e.status, e.admitted_at, e.gate = STATUS.ADMITTED, ARGV[3], ARGV[2]
redis.call('HSET', QUEUE, ARGV[1], cjson.encode(e))
redis.call('HINCRBY', META, 'admitted', e.party_size)
redis.call('HINCRBY', GATES, ARGV[2], e.party_size)
redis.call('HINCRBY', STATS, 'checked_in', e.party_size)
redis.call('HINCRBY', STATS, 'standby_admitted', e.party_size)
return finish({ status = STATUS.OK, number = e.number, party_size = e.party_size, at = ARGV[3], gate = ARGV[2] })
