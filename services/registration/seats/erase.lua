-- erase.lua: erase one registration's personal fields; its statistics stay (issue 16).
--
-- KEYS[1] R   registrations hash     {p}act:{aid}:regs
-- KEYS[2] P   active phones hash     {p}act:{aid}:phones   phone ref -> registration id
-- KEYS[3] D   real-name IDs hash     {p}act:{aid}:ids      id hash -> registration id
-- KEYS[4] O   outbox stream          {p}outbox
-- KEYS[5] MY  the owner's index      {p}myregs:<owner ref> ("我的报名"); any absent key when unknown
-- KEYS[6] AU  erasure audit stream   {p}erasures: when and what, never whose (no id, no hash)
-- KEYS[7] S   data keys hash         {p}shred:{aid}   (issue 23) the registration's data key, and its
--             lottery entry's, are deleted: every copy sealed under them, on every topic, is unreadable
-- KEYS[8] LE  lottery entries hash   {p}lot:entries:{aid}   the entry the registration was drawn from
-- KEYS[9] PX  the owner's people     {p}proxy:<owner ref>  (issue 29, 代预约: fair.lua's proxy_forget)
-- ARGV[1] occurred_at (ISO-8601)   ARGV[2] registration id   ARGV[3] cause (registrant | retention)
-- ARGV[4] JSON list of the record's personal fields (personal.ERASED)
--
-- A registration still holding seats is cancelled first (cancel.lua), so the seat and the IDs are
-- given back there; one whose activity has ended keeps its status, party size and times.
-- Appends RegistrationErased (no personal field) to the outbox, so the door's projection, notify's
-- projection and delivery log drop theirs.
-- Returns {"ok", fields erased} | {"already", 0} | {"refused", "unknown_registration"}
--#include promote.lua
--#include ../access/fair.lua

local R, P, D, O, MY, AU = KEYS[1], KEYS[2], KEYS[3], KEYS[4], KEYS[5], KEYS[6]
local S, LE = KEYS[7], KEYS[8]
local occurred_at, rid, cause = ARGV[1], ARGV[2], ARGV[3]
local personal = cjson.decode(ARGV[4])
local raw = redis.call('HGET', R, rid)
if not raw then return {STATUS.REFUSED, REASON.UNKNOWN_REGISTRATION} end
local reg = cjson.decode(raw)
if reg.erased_at then return {STATUS.ALREADY, 0} end

if KEYS[9] then proxy_forget(KEYS[9], reg) end
if reg.phone_ref and redis.call('HGET', P, reg.phone_ref) == rid then redis.call('HDEL', P, reg.phone_ref) end
for _, h in ipairs(reg.id_hashes or {}) do
  if redis.call('HGET', D, h) == rid then redis.call('HDEL', D, h) end
end
local erased = {}
for _, k in ipairs(personal) do
  if reg[k] ~= nil then
    table.insert(erased, k)
    reg[k] = nil
  end
end
if redis.call('HDEL', S, rid) == 1 then table.insert(erased, 'data_key') end
if reg.lottery_entry_id then  -- the entry goes with the registration it became (issue 23)
  redis.call('HDEL', S, 'e:' .. reg.lottery_entry_id)
  redis.call('HDEL', LE, reg.lottery_entry_id)
end
reg.erased_at = occurred_at
redis.call('HSET', R, rid, cjson.encode(reg))
redis.call('SREM', MY, rid)
redis.call('XADD', AU, '*', 'at', occurred_at, 'cause', cause, 'activity_id', reg.activity_id,
           'party_size', reg.party_size, 'fields', table.concat(erased, ','))
emit_registration(O, EVENT.REGISTRATION_ERASED, reg.activity_id, occurred_at, rid .. ':' .. EVENT.REGISTRATION_ERASED,
                  {registration_id = rid, activity_id = reg.activity_id, cause = cause})
return {STATUS.OK, #erased}
