-- drop_member.lua: a party gives back one member's seat and keeps the rest (issue 17, part 10).
-- The seat is handed back as a cancelled one is (issue 27, promote.lua's hand_back).
--
-- KEYS[1] A  activity state hash   KEYS[2] W  waitlist zset   KEYS[3] R  registrations hash
-- KEYS[4] O  outbox stream
-- KEYS[5] D, KEYS[6] ND, KEYS[7] NF  the real-name ID indexes (fair.lua): the dropped member's ID
--         is given back to the activity and to the per-ID limits
-- ARGV[1] now_ms   ARGV[2] occurred_at   ARGV[3] registration id
-- ARGV[4] the party size the caller saw (a concurrent drop makes the caller read again)
-- ARGV[5] the member's place in reg.members, from 1 (0: an anonymous companion, the last one)
-- ARGV[6] the member's place in reg.id_hashes, from 1 (0: the member had no ID)
-- ARGV[7] the ticket code signed for the smaller party
-- ARGV[8] the contact fields and that code sealed for notify (issue 16; "" for a record written before)
-- Returns {"ok", new party size, parties promoted}
--      or {"refused", "unknown_registration" | "registration_cancelled" | "party_of_one" | "revision_conflict"}
-- Checks everything before it writes anything.
--#include promote.lua
--#include ../access/fair.lua

local A, W, R, O = KEYS[1], KEYS[2], KEYS[3], KEYS[4]
local now_ms, occurred_at, rid = tonumber(ARGV[1]), ARGV[2], ARGV[3]
local seen, member_at, hash_at, code = tonumber(ARGV[4]), tonumber(ARGV[5]), tonumber(ARGV[6]), ARGV[7]
local raw = redis.call('HGET', R, rid)
if not raw then return {STATUS.REFUSED, REASON.UNKNOWN_REGISTRATION} end
local reg = cjson.decode(raw)
if reg.status == STATUS.CANCELLED then return {STATUS.REFUSED, REASON.REGISTRATION_CANCELLED} end
if reg.party_size <= 1 then return {STATUS.REFUSED, REASON.PARTY_OF_ONE} end
if reg.party_size ~= seen then return {STATUS.REFUSED, REASON.REVISION_CONFLICT} end

if reg.status == STATUS.CONFIRMED then
  redis.call('HINCRBY', A, 'taken', -1)
  local back, w_out, c_out = quota_give_back_party(A, reg, 1, now_ms)
  if back == 0 then hand_back(A, 1) end
  if w_out + c_out > 0 then reg.wheelchairs, reg.companions = reg.wheelchairs - w_out, reg.companions - c_out end
else
  redis.call('HINCRBY', A, 'waitlist_people', -1)
end
if member_at > 0 and type(reg.members) == 'table' and reg.members[member_at] then
  table.remove(reg.members, member_at)
end
if hash_at > 0 and type(reg.id_hashes) == 'table' and reg.id_hashes[hash_at] then
  local h = reg.id_hashes[hash_at]
  if KEYS[7] then fair_release(KEYS[5], KEYS[6], KEYS[7], { registration_id = rid, id_hashes = { h },
                                                               festival_day = reg.festival_day }) end
  table.remove(reg.id_hashes, hash_at)
end
reg.party_size = reg.party_size - 1
reg.ticket_code = code
if reg.for_notify and ARGV[8] ~= '' then reg.for_notify = ARGV[8] end
redis.call('HSET', R, rid, cjson.encode(reg))
local data, version = registration_event_data(reg)
data.previous_party_size = seen
data.status = reg.status
if version == 1 then data.ticket_code = reg.ticket_code end  -- version 2: inside ``sealed``
emit_registration(O, EVENT.REGISTRATION_MEMBER_DROPPED, reg.activity_id, occurred_at,
                  rid .. ':' .. EVENT.REGISTRATION_MEMBER_DROPPED .. ':' .. reg.party_size, data, version)
local promoted = promote(A, W, R, O, now_ms, occurred_at)
return {STATUS.OK, reg.party_size, promoted}
