-- readmit.lua: `sciday rebuild checkin` puts the door's admissions back from checkin-events
-- (issue 24 §8), so that a ticket admitted before a Redis loss is not admitted again.
--
-- KEYS[1] ADM  KEYS[2] FIRST  KEYS[3] GATES  KEYS[4] ARR  KEYS[5] CKS  KEYS[6] STATS  KEYS[7] CIDX
-- (the keys of admit.lua and undo.lua; nothing goes to the outbox: the events are in the log)
-- ARGV[1] "recorded" or "reverted"   ARGV[2] check-in id   ARGV[3] registration id
-- ARGV[4] people (admitted, or reverted)   ARGV[5] gate   ARGV[6] at (ISO)   ARGV[7] 5-minute bucket
-- ARGV[8] staff   ARGV[9] activity id
-- KEYS[8] MEMBERS {p}ck:members:{aid} (issue 26)   ARGV[10] JSON list of the member places the event
--          names, or "": a rebuilt member is refused as already in, and undo frees them again
-- ARGV[11] a revert's undo reason or "" (issue 26: counted as undo.lua counts it; the audit stream
--          is not rebuilt: the events are the durable record)
-- Idempotent by check-in id: a recorded check-in already in CKS, or a revert of one already
-- reverted (or never seen), changes nothing.  Returns 1 when applied, 0 when skipped.

local ADM, FIRST, GATES, ARR, CKS, STATS, CIDX = KEYS[1], KEYS[2], KEYS[3], KEYS[4], KEYS[5], KEYS[6], KEYS[7]
local kind, cid, rid, n = ARGV[1], ARGV[2], ARGV[3], tonumber(ARGV[4])
local gate, at, bucket, staff, aid = ARGV[5], ARGV[6], ARGV[7], ARGV[8], ARGV[9]
local raw = redis.call('HGET', CKS, cid)
local named = (ARGV[10] or '') ~= '' and cjson.decode(ARGV[10]) or {}

-- issue 26: the members' places in (add) or out (not add) for this registration
local function places(registration, list, add)
  if not KEYS[8] or #list == 0 then return end
  local seen, out = {}, {}
  for _, p in ipairs(cjson.decode(redis.call('HGET', KEYS[8], registration) or '[]')) do seen[p] = true end
  for _, p in ipairs(list) do seen[p] = add end
  for p, inside in pairs(seen) do if inside then out[#out + 1] = p end end
  table.sort(out)
  if #out > 0 then redis.call('HSET', KEYS[8], registration, cjson.encode(out))
  else redis.call('HDEL', KEYS[8], registration) end
end

if kind == 'recorded' then
  if raw then return 0 end
  local admitted = tonumber(redis.call('HGET', ADM, rid) or '0')
  redis.call('HINCRBY', ADM, rid, n)
  if admitted == 0 then redis.call('HSET', FIRST, rid, cjson.encode({ at = at, gate = gate })) end
  redis.call('HINCRBY', GATES, gate, n)
  redis.call('HINCRBY', ARR, bucket, n)
  redis.call('HINCRBY', STATS, 'checked_in', n)
  redis.call('HSET', CKS, cid, cjson.encode({ checkin_id = cid, registration_id = rid, admitted = n, gate = gate,
                                              at = at, bucket = bucket, staff = staff, venue_id = '',
                                              reverted = false, member = 0,
                                              members = #named > 0 and named or nil }))
  redis.call('HSET', CIDX, cid, aid)
  places(rid, named, true)
  return 1
end

if not raw then return 0 end
local rec = cjson.decode(raw)
if rec.reverted then return 0 end
local total = redis.call('HINCRBY', ADM, rec.registration_id, -rec.admitted)
if total <= 0 then
  redis.call('HDEL', ADM, rec.registration_id)
  redis.call('HDEL', FIRST, rec.registration_id)
end
redis.call('HINCRBY', GATES, rec.gate, -rec.admitted)
redis.call('HINCRBY', ARR, rec.bucket, -rec.admitted)
redis.call('HINCRBY', STATS, 'checked_in', -rec.admitted)
places(rec.registration_id, type(rec.members) == 'table' and rec.members or {}, false)
rec.reverted = true
rec.reverted_by = staff
local why = ARGV[11] or ''
if why ~= '' then
  rec.undo_reason = why
  redis.call('HINCRBY', STATS, 'undone', rec.admitted)
  redis.call('HINCRBY', STATS, 'undone:' .. why, rec.admitted)
end
redis.call('HSET', CKS, cid, cjson.encode(rec))
return 1
