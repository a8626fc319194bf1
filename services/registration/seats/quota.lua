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
