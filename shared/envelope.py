"""The versioned envelope every Kafka message travels in.

``{"event_id": UUID, "type": "RegistrationConfirmed", "version": 1, "occurred_at": ISO-8601,
"activity_id": "...", "source": "registration", "data": {...}}``

``activity_id`` is also the Kafka key, so one activity's events stay in order on one partition.
``data`` is validated against the schema registered for ``(type, version)`` in
:mod:`shared.events`.
"""

from __future__ import annotations

import hashlib
import json
import re
import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import orjson
from marshmallow import EXCLUDE, Schema, ValidationError, fields, validate

from shared.compiled_schemas import compile_schema
from shared.wordgen import Generated, header

# The layout, written once: the envelope's fields in order, and the fields of an outbox stream
# entry. ``envelope.lua`` is generated from these (``python -m shared.wordgen``); a unit test
# fails when it is stale.
FIELDS = ("event_id", "type", "version", "occurred_at", "activity_id", "source", "data")
STREAM_FIELDS = ("topic", "key", "envelope")
VERSION = 1
LUA_PATH = Path(__file__).with_suffix(".lua")


class EnvelopeSchema(Schema):
    class Meta:
        unknown = EXCLUDE

    event_id = fields.UUID(required=True)
    type = fields.String(required=True, validate=validate.Length(min=1, max=64))
    version = fields.Integer(required=True, strict=True, validate=validate.Range(min=1))
    occurred_at = fields.AwareDateTime(required=True)
    activity_id = fields.String(required=True, validate=validate.Length(min=1, max=64))
    source = fields.String(load_default="unknown")
    data = fields.Dict(required=True)


def seeded_event_id(seed: str) -> str:
    """A deterministic UUID-shaped event id (``uuid_from`` in envelope.lua computes the same).

    Re-running a step for the same fact (a retry) produces the same ``event_id``, which
    consumers dedupe on.
    """
    h = hashlib.sha1(seed.encode("utf-8")).hexdigest()
    return f"{h[0:8]}-{h[8:12]}-5{h[13:16]}-a{h[17:20]}-{h[20:32]}"


class PoisonMessage(Exception):
    """A message that can never be handled: bad JSON, bad envelope, unknown type, bad data."""


class NewerVersion(PoisonMessage):
    """A known event type at a version newer than this code knows (issue 24): not poison, only
    early.  Consumers park it (shared/consumer.py) until they are upgraded, then it is replayed;
    callers that treat every undecodable message alike still see a :class:`PoisonMessage`."""


def new_event(
    type_: str,
    activity_id: str,
    data: dict[str, Any],
    *,
    version: int = VERSION,
    source: str = "unknown",
    occurred_at: datetime | None = None,
    event_id: str | None = None,
) -> dict[str, Any]:
    """Build an envelope (as plain JSON-ready dict) and validate its data."""
    from shared import events  # local: events imports this module's schema helpers

    envelope = dict(
        zip(
            FIELDS,
            (
                event_id or str(uuid.uuid4()),
                type_,
                version,
                (occurred_at or datetime.now(UTC)).isoformat(),
                activity_id,
                source,
                data,
            ),
            strict=True,
        )
    )
    events.validate_data(type_, version, data)
    return envelope


_ENVELOPE = EnvelopeSchema()  # built once (issue 18): building a schema costs more than a load
_ENVELOPE_FAST = compile_schema(_ENVELOPE) or (lambda _obj: False)  # issue 18, session 2
# 19 digits in a row may be an integer orjson would read as a float: such a message goes to json
# (a digit run inside a string only costs the slower parser).
_LONG_NUMBER = re.compile(rb"\d{19}")


def encode(envelope: dict[str, Any]) -> bytes:
    return json.dumps(envelope, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def _parse(raw: bytes) -> Any:
    """The JSON as the standard library reads it, by orjson where that gives the same objects."""
    if not _LONG_NUMBER.search(raw):  # orjson reads integers past 64 bits as floats; json does not
        try:
            return orjson.loads(raw)
        except orjson.JSONDecodeError:  # orjson is stricter (NaN, lone surrogates): json decides
            pass
    try:
        return json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise PoisonMessage(f"not JSON: {exc}") from exc


def decode(raw: bytes | None) -> dict[str, Any]:
    """Parse and validate an envelope; raise :class:`PoisonMessage` on any defect."""
    from shared import events

    if raw is None:
        raise PoisonMessage("empty message")
    obj = _parse(raw)
    if not isinstance(obj, dict):
        raise PoisonMessage("envelope is not an object")
    if not _ENVELOPE_FAST(obj):  # the compiled check is sure it is good, or marshmallow decides
        try:
            _ENVELOPE.load(obj)
        except ValidationError as exc:
            raise PoisonMessage(f"bad envelope: {exc.messages}") from exc
    try:
        events.validate_data(obj["type"], obj["version"], obj["data"])
    except KeyError as exc:
        known = [v for (t, v) in events.SCHEMAS if t == obj["type"]]
        if known and obj["version"] > max(known):
            raise NewerVersion(
                f"{obj['type']} v{obj['version']} is newer than this consumer knows (v{max(known)})"
            ) from exc
        raise PoisonMessage(f"unknown event type {obj['type']} v{obj['version']}") from exc
    except ValidationError as exc:
        raise PoisonMessage(f"bad data for {obj['type']}: {exc.messages}") from exc
    # Handlers get the envelope as sent (JSON types: ISO strings, not datetimes).
    return {k: obj[k] for k in FIELDS if k != "source"} | {"source": obj.get("source", "unknown")}


# -- the Lua twin ------------------------------------------------------------------------------
# How emit() fills each field from its arguments.
_LUA_VALUES = {
    "event_id": "uuid_from(seed)",
    "type": "type_",
    "version": f"version or {VERSION}",
    "occurred_at": "occurred_at",
    "activity_id": "activity_id",
    "source": "source",
    "data": "data",
}
_STREAM_VALUES = {"topic": "topic", "key": "activity_id", "envelope": "encode(envelope, data)"}


def lua_source() -> str:
    """The text of ``shared/envelope.lua``, generated from :data:`FIELDS` and :data:`STREAM_FIELDS`."""
    fields_ = ", ".join(f"{k} = {_LUA_VALUES[k]}" for k in FIELDS)
    stream = ", ".join(f"'{k}', {_STREAM_VALUES[k]}" for k in STREAM_FIELDS)
    return f"""{header(LUA_PATH, "shared/envelope.py")}
-- Included by scripts that append events to an outbox stream (not loaded alone).
--
-- uuid_from(seed): a deterministic UUID-shaped event id (envelope.seeded_event_id in Python), so
--   re-running a script for the same fact (a retry) produces the same event_id, which consumers
--   dedupe on.
-- emit(stream, topic, source, type, activity_id, occurred_at, seed, data[, version]): XADD one
--   versioned envelope (version {VERSION} unless given) with the stream fields {", ".join(STREAM_FIELDS)}.

local function uuid_from(seed)
  local h = redis.sha1hex(seed)
  return string.sub(h, 1, 8) .. '-' .. string.sub(h, 9, 12) .. '-5' .. string.sub(h, 14, 16) ..
         '-a' .. string.sub(h, 18, 20) .. '-' .. string.sub(h, 21, 32)
end

-- EMPTY_LIST: the value of a data field that is an empty list. Lua's cjson writes every empty table
--   as {{}} (Valkey's has no array marker), and the event schemas want a list; encode() writes [].
local EMPTY_LIST = {{}}

local function encode(envelope, data)
  local text = cjson.encode(envelope)
  for k, v in pairs(data or {{}}) do
    if v == EMPTY_LIST then  -- '"k":{{}}' with bare quotes is a key of ours, never inside a string
      text = string.gsub(text, '"' .. k .. '":{{}}', '"' .. k .. '":[]', 1)
    end
  end
  return text
end

local function emit(stream, topic, source, type_, activity_id, occurred_at, seed, data, version)
  local envelope = {{ {fields_} }}
  redis.call('XADD', stream, '*', {stream})
end
"""


GENERATED = (Generated(LUA_PATH, lua_source),)
