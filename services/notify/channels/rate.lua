-- rate.lua: one message's turn under a per-sender rate (GCRA, no burst).
--
-- KEYS[1] T  the theoretical arrival time of the next message, {p}nt:rate:<channel>:<sender>
-- ARGV[1] now (ms)   ARGV[2] interval between messages (ms)
-- Returns 0 when the message may go now (and takes its turn), else the milliseconds to wait.
local now, interval = tonumber(ARGV[1]), tonumber(ARGV[2])
local tat = tonumber(redis.call('GET', KEYS[1]) or '0')
if tat > now then return tat - now end
redis.call('SET', KEYS[1], now + interval, 'PX', math.ceil(interval) + 1000)
return 0
