-- standby_call.lua: call waiting numbers in order while seats are free; no seat is given twice.
--
-- KEYS[1] META   hash   {p}ck:sb:{aid}         next, pool (seats released), given, head
-- KEYS[2] QUEUE  hash   {p}ck:sbq:{aid}        number -> JSON entry
-- KEYS[3] CALLED list   {p}ck:sbcalled:{aid}   numbers called, in the order called (door screen)
-- KEYS[4] OUT    stream {p}ck:outbox           StandbyCalled v2 goes to standby-events (SMS); it
--                                              carries the phone sealed for notify, never in clear
-- ARGV[1] most numbers to call (0 = as many as fit)   ARGV[2] occurred_at (ISO)   ARGV[3] activity id
-- ARGV[4] the join page's URL (the SMS links it: it shows the signed standby ticket once called)
--
-- Returns a JSON list of the entries called now (number, party_size). Whole parties only: one
-- that does not fit stays waiting, first in line for the next seats.
--#include envelope.lua
--#include ../vocabulary.lua

local META, QUEUE, CALLED, OUT = KEYS[1], KEYS[2], KEYS[3], KEYS[4]
local most, at, aid, page = tonumber(ARGV[1]), ARGV[2], ARGV[3], ARGV[4] or ''
local m = redis.call('HMGET', META, 'next', 'pool', 'given', 'head')
local last, free = tonumber(m[1] or '0'), tonumber(m[2] or '0') - tonumber(m[3] or '0')
local head = tonumber(m[4] or '1')
local called, new_head = {}, nil
for n = head, last do
  if free <= 0 or (most > 0 and #called >= most) then
    new_head = new_head or n
    break
  end
  local e = cjson.decode(redis.call('HGET', QUEUE, n))
  if e.status == STATUS.WAITING then
    if e.party_size <= free then
      e.status, e.called_at = STATUS.CALLED, at
      redis.call('HSET', QUEUE, n, cjson.encode(e))
      redis.call('RPUSH', CALLED, n)
      free = free - e.party_size
      redis.call('HINCRBY', META, 'given', e.party_size)
      called[#called + 1] = { number = n, party_size = e.party_size }
      emit(OUT, TOPIC.STANDBY_EVENTS, SOURCE, EVENT.STANDBY_CALLED, aid, at, aid .. ':called:' .. n,
           { activity_id = aid, number = n, party_size = e.party_size, phone_sealed = e.phone_sealed,
             phone_masked = e.phone_masked, locale = e.locale,
             ticket_url = page .. (e.locale == 'en' and '?lang=en' or '') }, 2)
    else
      new_head = new_head or n
    end
  end
end
redis.call('HSET', META, 'head', new_head or (last + 1))
if #called == 0 then return '[]' end
return cjson.encode(called)
