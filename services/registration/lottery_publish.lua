-- lottery_publish.lua: one chunk of outcome events (won / waitlisted), each entrant told once.
--
-- KEYS[1] META    hash   {p}lot:{aid}          published = how many outcomes are emitted so far
-- KEYS[2] ENTRIES hash   {p}lot:entries:{aid}  entry id -> JSON (contact details sealed, issue 16)
-- KEYS[3] OUT     stream {p}outbox
-- ARGV[1] start (index of the chunk's first outcome)   ARGV[2] activity id   ARGV[3] occurred_at
-- ARGV[4..] triples: entry id, "won" | "waitlisted", position
--
-- Returns 1 if this call emitted the chunk, 0 if the cursor is elsewhere (already emitted, or an
-- earlier chunk is missing): a racing publisher or a retry never emits an outcome twice.
--
-- Version 2 (issue 16): the entry's masked forms and ``sealed``, its contact fields sealed for
-- notify alone (personal.entry_at_rest); an entry written before issue 16 still goes out as v1.
--#include words.lua
--#include envelope.lua

local META, ENTRIES, OUT = KEYS[1], KEYS[2], KEYS[3]
local start, aid, occurred_at = tonumber(ARGV[1]), ARGV[2], ARGV[3]
if tonumber(redis.call('HGET', META, 'published') or '-1') ~= start then return 0 end
local n = 0
local confirm_hours = tonumber(redis.call('HGET', META, 'confirm_hours') or '0')
for i = 4, #ARGV, 3 do
  local eid, outcome, position = ARGV[i], ARGV[i + 1], tonumber(ARGV[i + 2])
  local e = cjson.decode(redis.call('HGET', ENTRIES, eid))
  local type_ = outcome == STATUS.WON and EVENT.LOTTERY_ENTRY_WON or EVENT.LOTTERY_ENTRY_WAITLISTED
  local data = { entry_id = eid, activity_id = aid, position = position, party_size = e.party_size,
    locale = e.locale or 'zh-CN', confirm_hours = confirm_hours }
  local version = 1
  if e.for_notify then
    data.name_masked, data.phone_masked, data.sealed, version = e.name_masked, e.phone_masked, e.for_notify, 2
  else
    data.name, data.phone, data.email, data.manage_url = e.name, e.phone, e.email, e.manage_url
  end
  emit(OUT, TOPIC.LOTTERY_EVENTS, SOURCE, type_, aid, occurred_at, aid .. ':' .. eid .. ':drawn', data, version)
  n = n + 1
end
redis.call('HSET', META, 'published', start + n)
return 1
