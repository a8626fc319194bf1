-- reserve.lua: one registration attempt, decided atomically.
--
-- KEYS[1] A  activity state hash     {p}act:{aid}
-- KEYS[2] P  active phones hash      {p}act:{aid}:phones     phone ref (keyed hash) -> registration id
-- KEYS[3] W  waitlist zset           {p}act:{aid}:waitlist   registration id -> arrival seq
-- KEYS[4] R  registrations hash      {p}act:{aid}:regs       registration id -> JSON
-- KEYS[5] I  idempotency hash        {p}act:{aid}:idem       sha256(Idempotency-Key) -> id
-- KEYS[6] O  outbox stream           {p}outbox               (global; see docs/scaling.md)
-- KEYS[7] X  registration index      {p}regidx               registration id -> activity id
-- ARGV[1] now_ms        server clock, ms since the epoch
-- ARGV[2] occurred_at   the same instant as ISO-8601, for the event envelope
-- ARGV[3] idem          hex digest of the Idempotency-Key, or ""
-- ARGV[4] registration  JSON made by the caller: id, party_size, ticket, phone_ref, masked and sealed
--         personal fields (personal.py)
-- KEYS[8..12] D, IF, ND, NF, MY and ARGV[5] fair: real-name IDs, bound idempotency keys and the
--         owner's index (fair.lua)
-- ARGV[4]'s ``channel`` (issue 29): online (absent) or a quota channel (quota.lua); with
--         ``wheelchair``, its ``wheelchairs`` and ``companions`` counts (quota_take_accessible)
-- KEYS[13] S  data keys hash        {p}shred:{aid}          registration id -> its data key, wrapped
--         (issue 23: the record's ``data_key``, moved here; erase.lua deletes it)
-- KEYS[14] PX the helper's people     {p}proxy:<owner>        代预约 (issue 29, fair.lua's proxy_*)
--
-- Checks everything before writing anything.  Returns one of
--   {"replay", id}                         the same Idempotency-Key or id was seen: first outcome stands
--   {"refused", reason}                    unknown_activity | activity_cancelled | registration_not_open
--                                          | registration_closed | party_too_large
--                                          | already_registered | sold_out | id_duplicate
--                                          | id_limit_reached | idempotency_key_reused
--                                          | proxy_limit_reached
--                                          | no_wheelchair_place | no_companion_seat (issue 29)
--                                          (sold_out carries a third item: the seats still open to
--                                          a newcomer, 0 while anyone waits)
--   {"confirmed", id, 0} / {"waitlisted", id, position}
--#include promote.lua
--#include ../access/fair.lua

local A, P, W, R, I, O, X = KEYS[1], KEYS[2], KEYS[3], KEYS[4], KEYS[5], KEYS[6], KEYS[7]
local D, IF, ND, NF, MY = KEYS[8], KEYS[9], KEYS[10], KEYS[11], KEYS[12]
local S = KEYS[13]
local PX = KEYS[14]
local now_ms, occurred_at, idem = tonumber(ARGV[1]), ARGV[2], ARGV[3]
local reg = cjson.decode(ARGV[4])
local fair = cjson.decode(ARGV[5] or '{"ids":[],"fp":"","day":"","per_day":0,"per_festival":0}')
local rid = reg.registration_id

if idem ~= '' then
  local first = redis.call('HGET', I, idem)
  if first then
    if not fair_same_request(IF, idem, fair) then return {STATUS.REFUSED, REASON.IDEMPOTENCY_KEY_REUSED} end
    return {STATUS.REPLAY, first}
  end
end
if redis.call('HEXISTS', R, rid) == 1 then return {STATUS.REPLAY, rid} end

local st = redis.call('HMGET', A, 'status', 'opens_at', 'closes_at', 'starts_at', 'capacity', 'taken',
                      'max_party_size', 'waitlist_enabled', 'waitlist_max', 'seq', 'handed_back')
if not st[1] then return {STATUS.REFUSED, REASON.UNKNOWN_ACTIVITY} end
if st[1] ~= STATUS.SCHEDULED then return {STATUS.REFUSED, REASON.ACTIVITY_CANCELLED_REASON} end
if now_ms < tonumber(st[2]) then return {STATUS.REFUSED, REASON.REGISTRATION_NOT_OPEN} end
if now_ms >= tonumber(st[3]) or now_ms >= tonumber(st[4]) then return {STATUS.REFUSED, REASON.REGISTRATION_CLOSED} end
if reg.party_size > tonumber(st[7]) then return {STATUS.REFUSED, REASON.PARTY_TOO_LARGE} end
if redis.call('HEXISTS', P, reg.phone_ref) == 1 then return {STATUS.REFUSED, REASON.ALREADY_REGISTERED} end
local id_refusal = fair_refusal(D, ND, NF, fair)
if id_refusal then return {STATUS.REFUSED, id_refusal} end
local proxy_refused = proxy_refusal(PX, fair)
if proxy_refused then return {STATUS.REFUSED, proxy_refused} end

-- Seats handed back (issue 27, promote.lua) are free but never open to a newcomer, nor are seats
-- kept for a channel (issue 29, quota.lua).  A registration made through a channel (reg.channel,
-- set by the use case, never by the client) takes its channel's kept seats first.
local free = seats_open(A, now_ms)
local waiting = redis.call('ZCARD', W)
local status, position
local channel = reg.channel or STATUS.CH_ONLINE
if channel == STATUS.CH_WHEELCHAIR then  -- a party with wheelchair places: all or nothing (quota.lua)
  local why = quota_take_accessible(A, reg.wheelchairs or 0, reg.companions or 0, reg.party_size, now_ms, waiting == 0)
  if why then return {STATUS.REFUSED, why, waiting == 0 and free or 0} end  -- sold_out: the open seats
  status, position = STATUS.CONFIRMED, 0
  redis.call('HINCRBY', A, 'taken', reg.party_size)
elseif channel ~= STATUS.CH_ONLINE and quota_take(A, channel, reg.party_size, now_ms) then
  status, position = STATUS.CONFIRMED, 0
  redis.call('HINCRBY', A, 'taken', reg.party_size)
-- Strict FIFO: while anyone waits, newcomers queue behind them even if a few seats are free.
elseif waiting == 0 and reg.party_size <= free then
  status, position = STATUS.CONFIRMED, 0
  redis.call('HINCRBY', A, 'taken', reg.party_size)
elseif st[8] == '1' and waiting < tonumber(st[9]) then
  status, position = STATUS.WAITLISTED, waiting + 1
  local seq = redis.call('HINCRBY', A, 'seq', 1)
  redis.call('ZADD', W, seq, rid)
  redis.call('HINCRBY', A, 'waitlist_people', reg.party_size)
else
  redis.call('HINCRBY', A, 'turned_away', reg.party_size)
  -- The seats a newcomer could still get (none while anyone waits): workers remember it briefly
  -- and refuse larger parties without asking again (soldout.py).
  local open = 0
  if waiting == 0 then open = free end
  return {STATUS.REFUSED, REASON.SOLD_OUT, open}
end

keep_booked(R, P, X, S, reg, rid, status, position, occurred_at)
if idem ~= '' then redis.call('HSET', I, idem, rid) end
fair_record(D, IF, ND, NF, MY, idem, rid, fair)
proxy_record(PX, rid, fair)

local data, version = registration_event_data(reg)
emit_booked(O, status, reg, rid, position, occurred_at, data, version)
return {status, rid, position}
