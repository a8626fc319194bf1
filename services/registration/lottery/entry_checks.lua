-- entry_checks.lua: the checks every lottery entry passes before it is written (lottery_enter.lua,
-- v1; group_enter.lua, a v2 group, issue 27). Included after ../words.lua.
--
-- entry_refusal(META, HOLDERS, now, first, unknown): the reason an entry is refused, or nil.
--   META    the lottery's (or group's) hash: state, opens_at, closes_at
--   HOLDERS its holders hash: holder key -> entry id
--   now     Unix s;  first  the index in ARGV of the first holder key (they run to the end)
--   unknown the reason when META does not exist (unknown_activity | unknown_group)
local function entry_refusal(META, HOLDERS, now, first, unknown)
  local m = redis.call('HMGET', META, 'state', 'opens_at', 'closes_at')
  if not m[1] then return unknown end
  if m[1] ~= STATUS.LOT_OPEN or now >= tonumber(m[3]) then return REASON.LOTTERY_CLOSED end
  if now < tonumber(m[2]) then return REASON.LOTTERY_NOT_OPEN end
  for i = first, #ARGV do
    if redis.call('HEXISTS', HOLDERS, ARGV[i]) == 1 then return REASON.ALREADY_ENTERED end
  end
  return nil
end
