-- The outbox relay's lease: one relay per outbox stream works at a time (shared/outbox.py).
-- KEYS[1]  the lease key ({prefix}{stream}:relay-lease)
-- ARGV[1]  this relay's holder id
-- ARGV[2]  lease length in ms
-- ARGV[3]  "take": take a free lease or renew our own; "renew": renew only if still ours
-- Returns 1 if this relay holds the lease now, 0 if another does (or, on "renew", nobody).
local holder = redis.call('GET', KEYS[1])
if holder == ARGV[1] then
  redis.call('PEXPIRE', KEYS[1], ARGV[2])
  return 1
end
-- A renewal never takes a lease back: a relay that was paused past its lease has lost it, and
-- another relay may have relayed and moved the cursor meanwhile.
if holder or ARGV[3] ~= 'take' then
  return 0
end
redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
return 1
