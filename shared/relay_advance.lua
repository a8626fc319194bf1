-- Move an outbox relay's cursor past what Kafka acknowledged, only while it holds the lease.
-- KEYS[1]  the lease key ({prefix}{stream}:relay-lease)
-- KEYS[2]  the cursor key ({prefix}{stream}:cursor)
-- ARGV[1]  this relay's holder id
-- ARGV[2]  the last stream entry id sent
-- ARGV[3]  lease length in ms (renewed with the move)
-- Returns 1 if the cursor moved, 0 if the lease was lost (the new holder sends those entries again).
if redis.call('GET', KEYS[1]) ~= ARGV[1] then
  return 0
end
redis.call('SET', KEYS[2], ARGV[2])
redis.call('PEXPIRE', KEYS[1], ARGV[3])
return 1
