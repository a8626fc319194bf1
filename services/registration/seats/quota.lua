-- quota.lua: seats kept for a channel (issue 29, docs/quota.md).  Included by promote.lua, so by
-- every seat script, and by queue_status.lua: the one home of the rule (no Python or JS copy).
--
-- The activity state hash A keeps, per channel ch of QUOTA_CHANNELS (words.lua's STATUS.CH_*):
--   quota:<ch>        seats still kept for ch: what the organizer set, less what ch has booked
--   quota_until:<ch>  ms since the epoch: from then on ch's seats are no longer kept, and open
--                     booking may take them (the window's go to standby at the start instead)
--   quota_set:<ch>    the seats the organizer set (quota_configure)
--   quota_taken:<ch>  seats booked through ch and not cancelled (reports)
-- Kept seats are free seats: ``taken`` counts every booked seat, whatever its channel, so
-- capacity - taken includes the kept ones.  What a newcomer may book online is
--   seats_open(A, now_ms) = capacity - taken - handed_back - quota_kept(A, now_ms)
-- and what the waitlist may take is capacity - taken - quota_kept(A, now_ms).

local QUOTA_CHANNELS = {STATUS.CH_WINDOW, STATUS.CH_GROUP, STATUS.CH_WHEELCHAIR, STATUS.CH_COMPANION}

local function is_quota_channel(ch)
  for _, c in ipairs(QUOTA_CHANNELS) do if c == ch then return true end end
  return false
end

-- quota_left(A, ch, now_ms): the seats still kept for ch now (0 once its time has come).
local function quota_left(A, ch, now_ms)
  local f = redis.call('HMGET', A, 'quota:' .. ch, 'quota_until:' .. ch)
  if not f[1] or now_ms >= tonumber(f[2] or '0') then return 0 end
  return math.max(0, tonumber(f[1]))
end

-- quota_kept(A, now_ms): the seats kept for every channel now.
local function quota_kept(A, now_ms)
  local kept = 0
  for _, ch in ipairs(QUOTA_CHANNELS) do kept = kept + quota_left(A, ch, now_ms) end
  return kept
end

-- seats_open(A, now_ms): the seats a newcomer may book online now (before the FIFO rule).
local function seats_open(A, now_ms)
  local st = redis.call('HMGET', A, 'capacity', 'taken', 'handed_back')
  return tonumber(st[1]) - tonumber(st[2] or '0') - tonumber(st[3] or '0') - quota_kept(A, now_ms)
end

-- quota_take(A, ch, seats, now_ms): book ``seats`` out of ch's kept seats when ch still keeps them
-- all and they are free; returns true if so.  The caller counts them in ``taken``.
local function quota_take(A, ch, seats, now_ms)
  if not is_quota_channel(ch) or seats > quota_left(A, ch, now_ms) then return false end
  local st = redis.call('HMGET', A, 'capacity', 'taken')
  if seats > tonumber(st[1]) - tonumber(st[2] or '0') then return false end
  redis.call('HINCRBY', A, 'quota:' .. ch, -seats)
  redis.call('HINCRBY', A, 'quota_taken:' .. ch, seats)
  return true
end

-- quota_give_back(A, ch, seats, now_ms): a registration booked through ch is cancelled (or loses
-- members): while ch's seats are still kept they are kept again for ch, never above what the
-- organizer set; returns the seats kept again (the rest are ordinary free seats).
local function quota_give_back(A, ch, seats, now_ms)
  if not is_quota_channel(ch) then return 0 end
  redis.call('HINCRBY', A, 'quota_taken:' .. ch, -seats)
  local f = redis.call('HMGET', A, 'quota:' .. ch, 'quota_until:' .. ch, 'quota_set:' .. ch)
  if not f[1] or now_ms >= tonumber(f[2] or '0') then return 0 end
  local back = math.max(0, math.min(seats, tonumber(f[3] or '0') - tonumber(f[1])))
  redis.call('HINCRBY', A, 'quota:' .. ch, back)
  return back
end

-- quota_configure(A, quotas): the organizer's quotas, {ch = {seats = n, until_ms = ms}} (a channel
-- left out keeps nothing).  What ch has booked already counts against what it keeps.
local function quota_configure(A, quotas)
  quotas = quotas or {}
  for _, ch in ipairs(QUOTA_CHANNELS) do
    local q = quotas[ch] or {}
    local set = tonumber(q.seats or 0)
    local booked = tonumber(redis.call('HGET', A, 'quota_taken:' .. ch) or '0')
    redis.call('HSET', A, 'quota_set:' .. ch, set, 'quota:' .. ch, math.max(0, set - booked),
               'quota_until:' .. ch, tonumber(q.until_ms or 0))
  end
end

-- quota_take_accessible(A, wheelchairs, companions, party_size, now_ms, may_open): a party with
-- wheelchair users (issue 29 item 6, docs/quota.md), all or nothing.  ``wheelchairs`` places come
-- from the wheelchair quota only (a wheelchair user is never given a general seat as a wheelchair
-- place, nor after the release), ``companions`` seats from the companion quota only, and the rest
-- of the party from the seats open to a newcomer (seats_open, before anything is taken;
-- ``may_open`` is false while anyone waits: strict FIFO, no waitlist for such a party).
-- Checks everything, then writes; returns nil when booked (the caller counts party_size in
-- ``taken``), else the reason: no_wheelchair_place | no_companion_seat | sold_out (or
-- companion_needs_wheelchair for a party the use case should not have sent).
local function quota_take_accessible(A, wheelchairs, companions, party_size, now_ms, may_open)
  local rest = party_size - wheelchairs - companions
  if wheelchairs < 1 or companions < 0 or rest < 0 then return REASON.COMPANION_NEEDS_WHEELCHAIR end
  if wheelchairs > quota_left(A, STATUS.CH_WHEELCHAIR, now_ms) then return REASON.NO_WHEELCHAIR_PLACE end
  if companions > quota_left(A, STATUS.CH_COMPANION, now_ms) then return REASON.NO_COMPANION_SEAT end
  local st = redis.call('HMGET', A, 'capacity', 'taken')
  if party_size > tonumber(st[1]) - tonumber(st[2] or '0') then return REASON.SOLD_OUT end
  if rest > 0 and not (may_open and rest <= seats_open(A, now_ms)) then return REASON.SOLD_OUT end
  for _, took in ipairs({{STATUS.CH_WHEELCHAIR, wheelchairs}, {STATUS.CH_COMPANION, companions}}) do
    redis.call('HINCRBY', A, 'quota:' .. took[1], -took[2])
    redis.call('HINCRBY', A, 'quota_taken:' .. took[1], took[2])
  end
  return nil
end

-- quota_give_back_party(A, reg, seats, now_ms): ``seats`` of the registration ``reg`` are given
-- back (cancelled: all; a member dropped: one).  A party with wheelchair places gives back its
-- general seats first, then its companion seats, then its wheelchair places, each to its own
-- quota while kept; any other party to reg.channel.  Returns the seats kept again, and how many
-- wheelchair places and companion seats went (drop_member.lua lowers reg's counts by them).
local function quota_give_back_party(A, reg, seats, now_ms)
  local w, c = tonumber(reg.wheelchairs or 0), tonumber(reg.companions or 0)
  if w == 0 then return quota_give_back(A, reg.channel or STATUS.CH_ONLINE, seats, now_ms), 0, 0 end
  local left = seats - math.min(math.max(0, reg.party_size - w - c), seats)
  local c_out = math.min(c, left)
  local w_out = math.min(w, left - c_out)
  local back = 0
  if w_out > 0 then back = back + quota_give_back(A, STATUS.CH_WHEELCHAIR, w_out, now_ms) end
  if c_out > 0 then back = back + quota_give_back(A, STATUS.CH_COMPANION, c_out, now_ms) end
  return back, w_out, c_out
end
