-- promote.lua: included by reserve.lua, cancel.lua and capacity.lua (not loaded on its own).
--
-- promote(A, W, R, O, now_ms, occurred_at): move waitlisted parties into free seats, strictly
-- first come first served and all or nothing: the head party is promoted only when all of its
-- seats are free; a smaller party behind it never overtakes (families are not skipped).
-- Nothing is promoted once the activity has started.  Each promotion appends a WaitlistPromoted
-- event to the outbox O.  Returns the number of parties promoted.
--
-- Seats handed back (issue 27, docs/registration.md): on an activity whose ``handback_held`` is
-- '1' a seat freed by a cancel or a dropped member (hand_back) is kept out of open booking: the
-- waitlist takes it (promote), and what the waitlist cannot use stays ``handed_back`` for on-site
-- standby at the door.  reserve.lua opens only capacity - taken - handed_back to newcomers.  Handed-
-- back seats are free seats, so after every step that takes seats they are cut to capacity - taken
-- (keep_handed_back), and to 0 when the activity hands back to the pool.

--#include ../words.lua
--#include envelope.lua
--#include quota.lua

local function emit_registration(O, type_, activity_id, occurred_at, seed, data, version)
  emit(O, TOPIC.REGISTRATION_EVENTS, SOURCE, type_, activity_id, occurred_at, seed, data, version)
end

-- The event's data and version: version 2 (issue 16) carries masked forms and the fields sealed
-- for notify (personal.py), never a name, phone, email, link or token in clear.  A record written
-- before issue 16 has no sealed copy and still goes out as version 1, one sealed under notify's ring
-- (before issue 23) as version 2.
-- Version 3 (issue 23): ``sealed`` is under the registration's own data key (``SK1.``,
-- shared/shredding.py), deleted on erasure; version 2's is under notify's ring.
local function sealed_version(text)
  if string.sub(text, 1, 4) == 'SK1.' then return 3 end
  return 2
end

local function registration_event_data(reg)
  -- members: masked names and IDs only (the door shows them), with their door hashes (issue 23,
  -- keyed per activity: shared/door_id.py); never an ID hash or number
  local data = {
    registration_id = reg.registration_id, activity_id = reg.activity_id, venue_id = reg.venue_id,
    party_size = reg.party_size, locale = reg.locale, members = reg.members, channel = reg.channel }
  if (reg.wheelchairs or 0) > 0 then data.wheelchairs = reg.wheelchairs end  -- issue 29: the door shows it
  if reg.for_notify then
    data.name_masked, data.phone_masked, data.sealed = reg.name_masked, reg.phone_masked, reg.for_notify
    return data, sealed_version(reg.for_notify)
  end
  data.name, data.phone, data.email, data.manage_url = reg.name, reg.phone, reg.email, reg.manage_url
  return data, 1
end

-- version 1 carried the ticket in clear; version 2 has it inside ``sealed``
local function add_ticket(data, version, reg)
  if version == 1 then
    data.ticket_code = reg.ticket_code
    data.ticket_url = reg.ticket_url
  end
end

-- keep_booked: a first booking's record (its status and place, its phone and index entries; the
-- data key apart in S), as reserve.lua and lottery_register.lua keep it.
local function keep_booked(R, P, X, S, reg, rid, status, position, occurred_at)
  reg.status = status
  reg.initial_status = status
  reg.initial_position = position
  reg.created_at = occurred_at
  if reg.data_key then redis.call('HSET', S, rid, reg.data_key) end
  reg.data_key = nil
  redis.call('HSET', R, rid, cjson.encode(reg))
  redis.call('HSET', P, reg.phone_ref or reg.phone, rid)
  redis.call('HSET', X, rid, reg.activity_id)
end

-- emit_booked: a first booking's event, RegistrationConfirmed (with its ticket) or
-- RegistrationWaitlisted (with its place); reserve.lua and lottery_register.lua book alike.
local function emit_booked(O, status, reg, rid, position, occurred_at, data, version)
  local type_
  if status == STATUS.CONFIRMED then
    type_ = EVENT.REGISTRATION_CONFIRMED
    add_ticket(data, version, reg)
  else
    type_ = EVENT.REGISTRATION_WAITLISTED
    data.waitlist_position = position
  end
  emit_registration(O, type_, reg.activity_id, occurred_at, rid .. ':' .. type_, data, version)
end

-- hand_back(A, seats): ``seats`` just freed by a registrant go to the waitlist only (else standby)
-- when the activity keeps them out of open booking; returns the seats handed back.
-- The count before this step's first hand_back (nil until then), so keep_handed_back tells
-- check-in only when the whole step changed it.
local handed_back_before = nil

local function hand_back(A, seats)
  if redis.call('HGET', A, 'handback_held') ~= '1' then return 0 end
  if handed_back_before == nil then
    handed_back_before = tonumber(redis.call('HGET', A, 'handed_back') or '0')
  end
  redis.call('HINCRBY', A, 'handed_back', seats)
  return seats
end

-- keep_handed_back(A, O, occurred_at, now_ms): the seats handed back, never more than the free
-- seats not kept for a channel (quota.lua; 0 when the activity hands back to the pool); returns
-- them.  When the step changed the count,
-- SeatsHandedBack tells check-in the whole count with a revision that only grows (its standby
-- pool keeps the highest revision's count: any order, a redelivery or a replay give the same).
local function keep_handed_back(A, O, occurred_at, now_ms)
  local st = redis.call('HMGET', A, 'handback_held', 'handed_back', 'capacity', 'taken', 'id',
                        'quota_returned')
  -- issue 29: the window's seats returned to standby at the start (quota_return.lua) are told
  -- with the seats handed back, so a later count never takes them out of the pool again
  local returned = tonumber(st[6] or '0')
  local held = 0
  if st[1] == '1' then
    local free = tonumber(st[3]) - tonumber(st[4] or '0') - quota_kept(A, now_ms) - returned
    held = math.max(0, math.min(tonumber(st[2] or '0'), free))
  end
  redis.call('HSET', A, 'handed_back', held)
  if held ~= (handed_back_before or tonumber(st[2] or '0')) then
    local rev = redis.call('HINCRBY', A, 'handed_back_rev', 1)
    emit_registration(O, EVENT.SEATS_HANDED_BACK, st[5], occurred_at, st[5] .. ':handed_back:' .. rev,
                      { activity_id = st[5], handed_back = held + returned, revision = rev }, 1)
  end
  handed_back_before = held
  return held
end

local function promote_waiting(A, W, R, O, now_ms, occurred_at)
  local starts_at = tonumber(redis.call('HGET', A, 'starts_at'))
  if now_ms >= starts_at then return 0 end
  if redis.call('HGET', A, 'status') ~= STATUS.SCHEDULED then return 0 end
  local capacity = tonumber(redis.call('HGET', A, 'capacity'))
  local taken = tonumber(redis.call('HGET', A, 'taken'))
  local activity_id = redis.call('HGET', A, 'id')
  local kept = quota_kept(A, now_ms)  -- seats kept for a channel are not the waitlist's
  local promoted = 0
  while true do
    local head = redis.call('ZRANGE', W, 0, 0)
    if #head == 0 then break end
    local rid = head[1]
    local reg = cjson.decode(redis.call('HGET', R, rid))
    if reg.party_size > capacity - taken - kept then break end
    taken = taken + reg.party_size
    redis.call('ZREM', W, rid)
    reg.status = STATUS.CONFIRMED
    reg.promoted_at = occurred_at
    redis.call('HSET', R, rid, cjson.encode(reg))
    redis.call('HINCRBY', A, 'waitlist_people', -reg.party_size)
    local data, version = registration_event_data(reg)
    add_ticket(data, version, reg)
    emit_registration(O, EVENT.WAITLIST_PROMOTED, activity_id, occurred_at, rid .. ':' .. EVENT.WAITLIST_PROMOTED, data, version)
    promoted = promoted + 1
  end
  redis.call('HSET', A, 'taken', taken)
  return promoted
end

local function promote(A, W, R, O, now_ms, occurred_at)
  local promoted = promote_waiting(A, W, R, O, now_ms, occurred_at)
  keep_handed_back(A, O, occurred_at, now_ms)
  return promoted
end
