-- reminder_done.lua: remove a fired reminder, unless it was moved meanwhile.
--
-- KEYS[1] R  the reminders zset {p}nt:reminders
-- ARGV[1] member "<aid>|<rid>|<offset min>"   ARGV[2] the due time (ms) it fired for
-- Returns 1 when removed, 0 when the activity's time changed and the reminder was rescheduled.
local score = redis.call('ZSCORE', KEYS[1], ARGV[1])
if score and tonumber(score) == tonumber(ARGV[2]) then
  redis.call('ZREM', KEYS[1], ARGV[1])
  return 1
end
return 0
