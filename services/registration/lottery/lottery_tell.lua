-- lottery_tell.lua: one entrant's outcome event, for lottery_publish.lua and lottery_promoted.lua
-- (included after words.lua and envelope.lua).
--
-- tell(OUT, ENTRIES, aid, occurred_at, eid, type_, position, confirm_hours, seed) emits type_
-- (LotteryEntryWon / LotteryEntryWaitlisted) for entry eid on lottery-events; ``seed`` makes the
-- event id, so the same seed is the same event.  Version 2 (issue 16): the entry's masked forms
-- and ``sealed``, its contact fields sealed for notify alone (personal.entry_at_rest); an entry
-- written before issue 16 still goes out as v1.  Version 3 (issue 23): ``sealed`` under the entry's
-- own data key (shared/shredding.py), deleted when the entry is erased.  ``extra`` (optional, issue
-- 27): fields a group's round adds (round, rounds, group_id, party_size), set last: version 4
-- (shared/events_groups.py).
local function tell(OUT, ENTRIES, aid, occurred_at, eid, type_, position, confirm_hours, seed, extra)
  local raw = redis.call('HGET', ENTRIES, eid)
  if not raw then return end  -- erased with its registration (issue 23): nobody left to tell
  local e = cjson.decode(raw)
  local data = { entry_id = eid, activity_id = aid, position = position, party_size = e.party_size,
    locale = e.locale or 'zh-CN', confirm_hours = confirm_hours }
  local version = 1
  if e.for_notify then
    data.name_masked, data.phone_masked, data.sealed, version = e.name_masked, e.phone_masked, e.for_notify, 2
    if string.sub(e.for_notify, 1, 4) == 'SK1.' then version = 3 end  -- the entry's own data key (issue 23)
  else
    data.name, data.phone, data.email, data.manage_url = e.name, e.phone, e.email, e.manage_url
  end
  if extra then
    for k, value in pairs(extra) do data[k] = value end
    if version == 3 then version = 4 end
  end
  emit(OUT, TOPIC.LOTTERY_EVENTS, SOURCE, type_, aid, occurred_at, seed, data, version)
end
