-- group_losses.lua: count a group's losses into the festival's loss record, once (issue 27).
--
-- KEYS[1] META   hash {p}lotg:{gid}     losses_counted = 1 once done
-- KEYS[2] LOSSES hash {p}lotg:losses    owner ref -> draws of the festival entered and lost (the
--                                       entry side reads it as an entry's committed weight)
-- ARGV[1..] owner refs of the parties the group's rounds left with nothing ("" skipped)
--
-- Returns 1 if this call counted them, 0 if they were counted before (a second scheduler).

if redis.call('HSETNX', KEYS[1], 'losses_counted', 1) == 0 then return 0 end
for i = 1, #ARGV do
  if ARGV[i] ~= '' then redis.call('HINCRBY', KEYS[2], ARGV[i], 1) end
end
return 1
