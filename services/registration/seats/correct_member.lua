-- correct_member.lua: a member's name corrected, or another ID put in a member's place (issue 26).
--
-- KEYS[1] R  registrations hash   KEYS[2] O  outbox stream
-- KEYS[3] D, KEYS[4] ND, KEYS[5] NF  the real-name ID indexes (fair.lua)
-- ARGV[1] occurred_at   ARGV[2] registration id
-- ARGV[3] the member's place in reg.members, from 1
-- ARGV[4] the member's place in reg.id_hashes, from 1 (0: a child without an ID)
-- ARGV[5] the member as the caller saw it (its masked name and number): a change meanwhile makes
--         the caller read again
-- ARGV[6] the new member (JSON: masked name, type, masked number, door hash...)
-- ARGV[7] the new member's ID hash: "" or the old one for a name corrected; another one is a new
--         member, counted against the per-ID limits as a booking is (fair.lua)
-- ARGV[8] per_day   ARGV[9] per_festival   (fair.lua's limits; 0 = none)
-- Returns {"ok", corrections so far}
--      or {"refused", "unknown_registration" | "registration_cancelled" | "unknown_member"
--                    | "revision_conflict" | "id_duplicate" | "id_limit_reached"}
-- Checks everything before it writes anything.
--#include promote.lua
--#include ../access/fair.lua

local R, O, D, ND, NF = KEYS[1], KEYS[2], KEYS[3], KEYS[4], KEYS[5]
local occurred_at, rid = ARGV[1], ARGV[2]
local member_at, hash_at = tonumber(ARGV[3]), tonumber(ARGV[4])
local seen, new, new_hash = cjson.decode(ARGV[5]), cjson.decode(ARGV[6]), ARGV[7]
local raw = redis.call('HGET', R, rid)
if not raw then return {STATUS.REFUSED, REASON.UNKNOWN_REGISTRATION} end
local reg = cjson.decode(raw)
if reg.status == STATUS.CANCELLED then return {STATUS.REFUSED, REASON.REGISTRATION_CANCELLED} end
local old = type(reg.members) == 'table' and reg.members[member_at]
if not old then return {STATUS.REFUSED, REASON.UNKNOWN_MEMBER} end
if old.name_masked ~= seen.name_masked or (old.id_masked or '') ~= (seen.id_masked or '') then
  return {STATUS.REFUSED, REASON.REVISION_CONFLICT}
end
local old_hash = hash_at > 0 and reg.id_hashes and reg.id_hashes[hash_at] or ''
local replaced = new_hash ~= '' and new_hash ~= old_hash
local fair = { ids = { new_hash }, day = reg.festival_day or '', per_day = tonumber(ARGV[8]),
               per_festival = tonumber(ARGV[9]) }
if replaced then
  local why = fair_refusal(D, ND, NF, fair)
  if why then return {STATUS.REFUSED, why} end
end

if replaced then  -- a new member: the old ID given back, the new one counted (as cancel and reserve do)
  fair_release(D, ND, NF, { registration_id = rid, id_hashes = { old_hash }, festival_day = reg.festival_day })
  fair_record(D, '', ND, NF, nil, '', rid, fair)
  reg.id_hashes[hash_at] = new_hash
end
if old.guardian then new.guardian = old.guardian end  -- a child keeps its guardian
reg.members[member_at] = new
for _, m in ipairs(reg.members) do  -- its children name the guardian as corrected
  if type(m.guardian) == 'table' and m.guardian.name_masked == old.name_masked
     and m.guardian.id_masked == old.id_masked then
    m.guardian = { name_masked = new.name_masked, id_masked = new.id_masked }
  end
end
reg.corrections = (reg.corrections or 0) + 1
redis.call('HSET', R, rid, cjson.encode(reg))
local data, version = registration_event_data(reg)
data.member = member_at - 1
data.status = reg.status
emit_registration(O, EVENT.REGISTRATION_MEMBER_CORRECTED, reg.activity_id, occurred_at,
                  rid .. ':' .. EVENT.REGISTRATION_MEMBER_CORRECTED .. ':' .. reg.corrections, data, version)
return {STATUS.OK, reg.corrections}
