-- group_open.lua: open a v2 lottery group (issue 27), or change it while entries are still open.
--
-- KEYS[1] META hash {p}lotg:{gid}  sessions, max_choices, opens_at, closes_at, draw_at, round2_at,
--                                  confirm_hours, festival, seed, commitment, chain, beacon_rounds,
--                                  freezes, receipt_key, state, merkle_root, rounds_drawn
-- KEYS[2] DUE  zset {p}lotg:due    gid -> next time something is due (the freeze, first)
-- KEYS[3] OF   hash {p}lotg:session_of  activity id -> the group whose session it is (one group each)
-- ARGV[1] gid   ARGV[2] seed   ARGV[3] commitment   ARGV[4] sessions (JSON list of activity ids)
-- ARGV[5..] field, value pairs (the rest of META)
--
-- Returns the commitment in force (a group opened again keeps its seed and commitment), or
-- REASON.LOTTERY_CLOSED once entries have closed, or REASON.SESSION_TAKEN when a session is
-- another group's (nothing is written then). A session a group drops is released.

--#include ../words.lua

local META, DUE, OF, gid = KEYS[1], KEYS[2], KEYS[3], ARGV[1]
local state = redis.call('HGET', META, 'state')
if state and state ~= STATUS.LOT_OPEN then return REASON.LOTTERY_CLOSED end
local sessions = cjson.decode(ARGV[4])
for _, aid in ipairs(sessions) do
  local of = redis.call('HGET', OF, aid)
  if of and of ~= gid then return REASON.SESSION_TAKEN end
end
local was = redis.call('HGET', META, 'sessions')
if was then
  for _, aid in ipairs(cjson.decode(was)) do redis.call('HDEL', OF, aid) end
end
for _, aid in ipairs(sessions) do redis.call('HSET', OF, aid, gid) end
redis.call('HSET', META, 'sessions', ARGV[4])
redis.call('HSETNX', META, 'seed', ARGV[2])
redis.call('HSETNX', META, 'commitment', ARGV[3])
redis.call('HSETNX', META, 'state', STATUS.LOT_OPEN)
redis.call('HSETNX', META, 'rounds_drawn', 0)
local closes_at
for i = 5, #ARGV, 2 do
  redis.call('HSET', META, ARGV[i], ARGV[i + 1])
  if ARGV[i] == 'closes_at' then closes_at = ARGV[i + 1] end
end
redis.call('ZADD', DUE, closes_at, gid)
return redis.call('HGET', META, 'commitment')
