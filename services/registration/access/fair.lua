-- fair.lua: real-name IDs, bound idempotency keys and "my registrations"; included by reserve.lua
-- and cancel.lua (not loaded on its own).
--
-- `fair` is the JSON the caller passes (ARGV): {ids = {id hash, ...}, fp = request fingerprint,
-- day = festival day "YYYY-MM-DD", per_day = n, per_festival = n (0 = no limit)}.
-- Keys: D   {p}act:{aid}:ids      id hash -> registration id (at most once per activity)
--       IF  {p}act:{aid}:idemfp   idempotency digest -> request fingerprint
--       ND  {p}idday              "<day>:<id hash>" -> active registrations that day
--       NF  {p}idfest             id hash -> active registrations in the festival
--       MY  {p}myregs:<owner>     the verified phone's registration ids ("我的报名")

-- Whether a replayed key comes with the request it was first used for (keys from before the
-- fingerprints existed have none and are taken as they are).
local function fair_same_request(IF, idem, fair)
  local first = redis.call('HGET', IF, idem)
  return (not first) or first == fair.fp
end

-- The reason the party's IDs cannot register, or nil. Reads only.
local function fair_refusal(D, ND, NF, fair)
  for _, h in ipairs(fair.ids) do
    if redis.call('HEXISTS', D, h) == 1 then return REASON.ID_DUPLICATE end
    if fair.per_day > 0 and tonumber(redis.call('HGET', ND, fair.day .. ':' .. h) or '0') >= fair.per_day then
      return REASON.ID_LIMIT_REACHED
    end
    if fair.per_festival > 0 and tonumber(redis.call('HGET', NF, h) or '0') >= fair.per_festival then
      return REASON.ID_LIMIT_REACHED
    end
  end
  return nil
end

local function fair_record(D, IF, ND, NF, MY, idem, rid, fair)
  for _, h in ipairs(fair.ids) do
    redis.call('HSET', D, h, rid)
    redis.call('HINCRBY', ND, fair.day .. ':' .. h, 1)
    redis.call('HINCRBY', NF, h, 1)
  end
  if idem ~= '' and fair.fp ~= '' then redis.call('HSET', IF, idem, fair.fp) end
  if MY then redis.call('SADD', MY, rid) end
end

-- A cancelled registration gives its IDs back: to the activity and to the per-ID limits.
local function fair_release(D, ND, NF, reg)
  for _, h in ipairs(reg.id_hashes or {}) do
    if redis.call('HGET', D, h) == reg.registration_id then redis.call('HDEL', D, h) end
    if tonumber(redis.call('HINCRBY', ND, (reg.festival_day or '') .. ':' .. h, -1)) <= 0 then
      redis.call('HDEL', ND, (reg.festival_day or '') .. ':' .. h)
    end
    if tonumber(redis.call('HINCRBY', NF, h, -1)) <= 0 then redis.call('HDEL', NF, h) end
  end
end

-- 代预约 (issue 29, docs/fair-access.md): the people one verified phone books for in the festival.
-- `fair.proxy` = {person = keyed hash of the person who goes (their ID, else phone, else name),
-- max = proxy_max_persons_per_festival (0: off)}, absent when the phone books for its own party.
-- PX  {p}proxy:<owner>  person -> the registration ids booked for them, space-separated; a person
--     whose registrations were all erased stays counted as "x:<rid>", no longer named.
-- A cancel gives nothing back: a person once booked for stays counted for the festival.

-- The reason the phone may not book for this person, or nil. Reads only.
local function proxy_refusal(PX, fair)
  local p = fair.proxy
  if not p or redis.call('HEXISTS', PX, p.person) == 1 then return nil end
  if redis.call('HLEN', PX) >= p.max then return REASON.PROXY_LIMIT_REACHED end
  return nil
end

local function proxy_record(PX, rid, fair)
  local p = fair.proxy
  if not p then return end
  local had = redis.call('HGET', PX, p.person)
  redis.call('HSET', PX, p.person, had and (had .. ' ' .. rid) or rid)
end

-- Erasure (erase.lua): the person's hash goes with the registration's personal data; the count stays.
local function proxy_forget(PX, reg)
  local rids = reg.proxy_person and redis.call('HGET', PX, reg.proxy_person)
  if not rids then return end
  local kept = {}
  for r in string.gmatch(rids, '%S+') do
    if r ~= reg.registration_id then table.insert(kept, r) end
  end
  if #kept > 0 then
    redis.call('HSET', PX, reg.proxy_person, table.concat(kept, ' '))
  else
    redis.call('HDEL', PX, reg.proxy_person)
    redis.call('HSET', PX, 'x:' .. reg.registration_id, '')
  end
end
