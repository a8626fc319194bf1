-- undo.lua: a supervisor takes back one mistaken check-in.
--
-- KEYS[1] ADM  KEYS[2] FIRST  KEYS[3] GATES  KEYS[4] ARR  KEYS[5] CKS  KEYS[6] STATS  KEYS[7] OUT
-- KEYS[8] MEMBERS (the same keys as admit.lua): a member admitted on its card (or ticked, issue 26)
--         may come in again; CheckinReverted names them (members)
-- ARGV[1] check-in id   ARGV[2] staff label   ARGV[3] occurred_at   ARGV[4] activity id
-- Issue 26, why (in the same step as the counts): KEYS[9] UNDOS stream {p}ck:undos:{aid}, the audit
-- log of undos (who, when, which check-in, why); ARGV[5] the undo reason (vocabulary UNDO_REASONS)
-- ARGV[6] the supervisor's note or "". STATS counts undone (people) and undone:<reason>.
-- Returns JSON {"status":"ok", reverted, admitted_total, registration_id, checked_in} or
-- {"status":"denied","reason":"unknown_checkin"|"already_reverted"}.
--#include envelope.lua
--#include ../vocabulary.lua

local ADM, FIRST, GATES, ARR, CKS, STATS, OUT = KEYS[1], KEYS[2], KEYS[3], KEYS[4], KEYS[5], KEYS[6], KEYS[7]
local cid, staff, occurred_at, aid = ARGV[1], ARGV[2], ARGV[3], ARGV[4]
local why, note = ARGV[5] or '', ARGV[6] or ''
local raw = redis.call('HGET', CKS, cid)
if not raw then return cjson.encode({ status = STATUS.DENIED, reason = REASON.UNKNOWN_CHECKIN }) end
local rec = cjson.decode(raw)
if rec.reverted then return cjson.encode({ status = STATUS.DENIED, reason = REASON.ALREADY_REVERTED }) end

local total = redis.call('HINCRBY', ADM, rec.registration_id, -rec.admitted)
if total <= 0 then
  redis.call('HDEL', ADM, rec.registration_id)
  redis.call('HDEL', FIRST, rec.registration_id)
  total = 0
end
-- issue 26: the members this check-in named (rec.members; one card's rec.member before it)
local named = type(rec.members) == 'table' and rec.members or {}
if #named == 0 and (tonumber(rec.member) or 0) > 0 then named = { rec.member } end
if KEYS[8] and #named > 0 then
  local out, kept = {}, {}
  for _, j in ipairs(named) do out[j] = true end
  for _, j in ipairs(cjson.decode(redis.call('HGET', KEYS[8], rec.registration_id) or '[]')) do
    if not out[j] then kept[#kept + 1] = j end
  end
  if #kept > 0 then redis.call('HSET', KEYS[8], rec.registration_id, cjson.encode(kept))
  else redis.call('HDEL', KEYS[8], rec.registration_id) end
end
redis.call('HINCRBY', GATES, rec.gate, -rec.admitted)
redis.call('HINCRBY', ARR, rec.bucket, -rec.admitted)
local checked_in = redis.call('HINCRBY', STATS, 'checked_in', -rec.admitted)
rec.reverted = true
rec.reverted_by = staff
rec.reverted_at = occurred_at
if KEYS[9] and why ~= '' then
  rec.undo_reason, rec.undo_note = why, note
  redis.call('HINCRBY', STATS, 'undone', rec.admitted)
  redis.call('HINCRBY', STATS, 'undone:' .. why, rec.admitted)
  redis.call('XADD', KEYS[9], '*', 'checkin_id', cid, 'registration_id', rec.registration_id, 'gate', rec.gate,
             'people', rec.admitted, 'at', rec.at, 'staff', rec.staff or '', 'by', staff, 'undone_at', occurred_at,
             'reason', why, 'note', note)
end
redis.call('HSET', CKS, cid, cjson.encode(rec))
emit(OUT, TOPIC.CHECKIN_EVENTS, SOURCE, EVENT.CHECKIN_REVERTED, aid, occurred_at, cid .. ':' .. EVENT.CHECKIN_REVERTED,
     { registration_id = rec.registration_id, gate = rec.gate, staff = staff, checkin_id = cid,
       reverted = rec.admitted, reason = rec.undo_reason, members = #named > 0 and named or nil })
return cjson.encode({ status = STATUS.OK, reverted = rec.admitted, admitted_total = total,
                      registration_id = rec.registration_id, venue_id = rec.venue_id, checked_in = checked_in })
