-- group_place.lua: a party of a lottery group takes seats in one session, once ever (issue 27).
--
-- KEYS[1] PLACED hash {p}lotg:placed:{gid}  entry id -> the session it holds seats in
-- KEYS[2] HANDED list {p}lotg:handed:{gid}  "<entry id> <session>" of parties seated from the
--                                            waitlist, in the order they were (told from a cursor)
-- ARGV[1] entry id   ARGV[2] session (activity id)   ARGV[3] "1" when seated from the waitlist
--
-- Returns 1 if this call placed the party, 0 if it holds seats already (a racing scheduler).

if redis.call('HSETNX', KEYS[1], ARGV[1], ARGV[2]) == 0 then return 0 end
if ARGV[3] == '1' then redis.call('RPUSH', KEYS[2], ARGV[1] .. ' ' .. ARGV[2]) end
return 1
