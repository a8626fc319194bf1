-- group_open.lua: open a v2 lottery group (issue 27), or change it while entries are still open.
--
-- KEYS[1] META hash {p}lotg:{gid}  sessions, max_choices, opens_at, closes_at, draw_at, round2_at,
--                                  confirm_hours, festival, seed, commitment, chain, beacon_rounds,
--                                  freezes, receipt_key, state, merkle_root, rounds_drawn
-- KEYS[2] DUE  zset {p}lotg:due    gid -> next time something is due (the freeze, first)
-- ARGV[1] gid   ARGV[2] seed   ARGV[3] commitment   ARGV[4..] field, value pairs (the rest of META)
--
-- Returns the commitment in force (a group opened again keeps its seed and commitment), or
-- STATUS.REFUSED once entries have closed (nothing is written then).

--#include ../words.lua

local META, DUE = KEYS[1], KEYS[2]
local state = redis.call('HGET', META, 'state')
if state and state ~= STATUS.LOT_OPEN then return STATUS.REFUSED end
redis.call('HSETNX', META, 'seed', ARGV[2])
redis.call('HSETNX', META, 'commitment', ARGV[3])
redis.call('HSETNX', META, 'state', STATUS.LOT_OPEN)
redis.call('HSETNX', META, 'rounds_drawn', 0)
local closes_at
for i = 4, #ARGV, 2 do
  redis.call('HSET', META, ARGV[i], ARGV[i + 1])
  if ARGV[i] == 'closes_at' then closes_at = ARGV[i + 1] end
end
redis.call('ZADD', DUE, closes_at, ARGV[1])
return redis.call('HGET', META, 'commitment')
