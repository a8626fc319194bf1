-- envelope.lua: GENERATED from shared/envelope.py by `python -m shared.wordgen`; do not edit.
-- Included by scripts that append events to an outbox stream (not loaded alone).
--
-- uuid_from(seed): a deterministic UUID-shaped event id (envelope.seeded_event_id in Python), so
--   re-running a script for the same fact (a retry) produces the same event_id, which consumers
--   dedupe on.
-- emit(stream, topic, source, type, activity_id, occurred_at, seed, data[, version]): XADD one
--   versioned envelope (version 1 unless given) with the stream fields topic, key, envelope.

local function uuid_from(seed)
  local h = redis.sha1hex(seed)
  return string.sub(h, 1, 8) .. '-' .. string.sub(h, 9, 12) .. '-5' .. string.sub(h, 14, 16) ..
         '-a' .. string.sub(h, 18, 20) .. '-' .. string.sub(h, 21, 32)
end

-- EMPTY_LIST: the value of a data field that is an empty list. Lua's cjson writes every empty table
--   as {} (Valkey's has no array marker), and the event schemas want a list; encode() writes [].
local EMPTY_LIST = {}

local function encode(envelope, data)
  local text = cjson.encode(envelope)
  for k, v in pairs(data or {}) do
    if v == EMPTY_LIST then  -- '"k":{}' with bare quotes is a key of ours, never inside a string
      text = string.gsub(text, '"' .. k .. '":{}', '"' .. k .. '":[]', 1)
    end
  end
  return text
end

local function emit(stream, topic, source, type_, activity_id, occurred_at, seed, data, version)
  local envelope = { event_id = uuid_from(seed), type = type_, version = version or 1, occurred_at = occurred_at, activity_id = activity_id, source = source, data = data }
  redis.call('XADD', stream, '*', 'topic', topic, 'key', activity_id, 'envelope', encode(envelope, data))
end
