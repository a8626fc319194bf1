-- standby_release.lua: at the start plus the grace period, release every confirmed party's
-- unscanned seats to the standby pool, once; those registrations are refused at the door after.
--
-- KEYS[1] META     hash   {p}ck:sb:{aid}        pool, released_at, released
-- KEYS[2] REGS     hash   {p}ck:regs:{aid}      the projection: registration id -> JSON (status, party_size)
-- KEYS[3] ADM      hash   {p}ck:adm:{aid}       registration id -> people admitted (admit.lua)
-- KEYS[4] RELEASED set    {p}ck:released:{aid}  registrations whose seats were released
-- KEYS[5] OUT      stream {p}ck:outbox          StandbySeatsReleased goes to standby-events
-- ARGV[1] occurred_at (ISO)   ARGV[2] activity id
--
-- The seats handed back (issue 27: META's handed_back, kept by standby_handed_back.lua) join the
-- pool too; ``released`` counts the unscanned seats only.
--
-- Returns JSON {"released": seats, "handed_back": seats, "registrations": n, "replayed": bool}; a
-- second call changes nothing and answers the first call's figures (handed_back as it is now).
--#include envelope.lua
--#include ../vocabulary.lua

local META, REGS, ADM, RELEASED, OUT = KEYS[1], KEYS[2], KEYS[3], KEYS[4], KEYS[5]
local done = redis.call('HMGET', META, 'released_at', 'released', 'handed_back')
local handed_back = tonumber(done[3] or '0')
if done[1] then
  return cjson.encode({ released = tonumber(done[2]), handed_back = handed_back,
                        registrations = redis.call('SCARD', RELEASED), replayed = true })
end
local seats, rids = 0, {}
for _, raw in ipairs(redis.call('HVALS', REGS)) do
  local r = cjson.decode(raw)
  if r.status == STATUS.CONFIRMED then
    local unscanned = r.party_size - tonumber(redis.call('HGET', ADM, r.registration_id) or '0')
    if unscanned > 0 then
      seats = seats + unscanned
      rids[#rids + 1] = r.registration_id
    end
  end
end
for _, rid in ipairs(rids) do redis.call('SADD', RELEASED, rid) end
redis.call('HINCRBY', META, 'pool', seats + handed_back)
redis.call('HSET', META, 'released_at', ARGV[1], 'released', seats)
local data = { activity_id = ARGV[2], released = seats, handed_back = handed_back, registrations = rids }
if #rids == 0 then data.registrations = EMPTY_LIST end
emit(OUT, TOPIC.STANDBY_EVENTS, SOURCE, EVENT.STANDBY_SEATS_RELEASED, ARGV[2], ARGV[1], ARGV[2] .. ':released', data)
return cjson.encode({ released = seats, handed_back = handed_back, registrations = #rids, replayed = false })
