-- queue_freeze.lua: included by queue_join.lua and queue_status.lua (not a script of its own).
--
-- queue_freeze(Q, PRE, now_ms, lease_ms): the release, once. A waiting queue whose release_at has
-- come is frozen: ``released_n`` = those in the pre-queue now, the state ``releasing``; the caller
-- that froze it (froze = 1) computes the shuffle (rules.order, HMAC-SHA256 is not in Lua) and
-- writes the positions, then queue_finish.lua marks it ``released``. A releasing queue whose
-- freezer did not finish within ``lease_ms`` is handed to the next caller (froze = 1 again; the
-- positions are the same, being a function of the seed and the frozen ids).
-- ``release_ms`` / ``opens_ms``: the activity's times now (an organizer may move registration's
-- opening while the queue waits: the queue follows it until the release).
-- Returns the state after, and froze (0 | 1).
local function queue_freeze(Q, PRE, now_ms, lease_ms, release_ms, opens_ms)
  local st = redis.call('HMGET', Q, 'state', 'release_at', 'releasing_at')
  if st[1] == STATUS.Q_WAITING and tonumber(st[2]) ~= release_ms then
    redis.call('HSET', Q, 'release_at', release_ms, 'opens_at', opens_ms)
  end
  if st[1] == STATUS.Q_WAITING and now_ms >= release_ms then
    redis.call('HSET', Q, 'state', STATUS.Q_RELEASING, 'released_n', redis.call('LLEN', PRE),
               'releasing_at', now_ms)
    return STATUS.Q_RELEASING, 1
  end
  if st[1] == STATUS.Q_RELEASING and now_ms - tonumber(st[3]) >= lease_ms then
    redis.call('HSET', Q, 'releasing_at', now_ms)
    return STATUS.Q_RELEASING, 1
  end
  return st[1], 0
end
