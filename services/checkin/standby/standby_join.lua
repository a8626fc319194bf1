-- standby_join.lua: a walk-in joins the activity's standby list and gets the next number.
--
-- KEYS[1] META   hash {p}ck:sb:{aid}     next (last number given), pool, given, head, released...
-- KEYS[2] QUEUE  hash {p}ck:sbq:{aid}    number -> JSON {number, party_size, phone_masked, phone_sealed, locale, status...}
-- KEYS[3] PHONES hash {p}ck:sbph:{aid}   verified-phone hash -> number
-- ARGV[1] phone hash   ARGV[2] entry JSON (party_size, phone_masked, phone_sealed, locale, joined_at)
--
-- Returns JSON {"number": n, "replayed": false}, or the phone's earlier number with replayed = true.
-- The time window and party size are checked by the caller (services/checkin/standby/usecases.py).
--#include ../vocabulary.lua

local META, QUEUE, PHONES = KEYS[1], KEYS[2], KEYS[3]
local earlier = redis.call('HGET', PHONES, ARGV[1])
if earlier then return cjson.encode({ number = tonumber(earlier), replayed = true }) end
local n = redis.call('HINCRBY', META, 'next', 1)
local e = cjson.decode(ARGV[2])
e.number, e.status = n, STATUS.WAITING
redis.call('HSET', QUEUE, n, cjson.encode(e))
redis.call('HSET', PHONES, ARGV[1], n)
return cjson.encode({ number = n, replayed = false })
