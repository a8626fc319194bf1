"""The versioned envelope every Kafka message travels in.

``{"event_id": UUID, "type": "RegistrationConfirmed", "version": 1, "occurred_at": ISO-8601,
"activity_id": "...", "source": "registration", "data": {...}}``

``activity_id`` is also the Kafka key, so one activity's events stay in order on one partition.
``data`` is validated against the schema registered for ``(type, version)`` in
:mod:`shared.events`.
"""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime
from typing import Any

from marshmallow import EXCLUDE, Schema, ValidationError, fields, validate


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


class PoisonMessage(Exception):
    """A message that can never be handled: bad JSON, bad envelope, unknown type, bad data."""


def new_event(
    type_: str,
    activity_id: str,
    data: dict[str, Any],
    *,
    version: int = 1,
    source: str = "unknown",
    occurred_at: datetime | None = None,
    event_id: str | None = None,
) -> dict[str, Any]:
    """Build an envelope (as plain JSON-ready dict) and validate its data."""
    from shared import events  # local: events imports this module's schema helpers

    envelope = {
        "event_id": event_id or str(uuid.uuid4()),
        "type": type_,
        "version": version,
        "occurred_at": (occurred_at or datetime.now(UTC)).isoformat(),
        "activity_id": activity_id,
        "source": source,
        "data": data,
    }
    events.validate_data(type_, version, data)
    return envelope


def encode(envelope: dict[str, Any]) -> bytes:
    return json.dumps(envelope, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def decode(raw: bytes | None) -> dict[str, Any]:
    """Parse and validate an envelope; raise :class:`PoisonMessage` on any defect."""
    from shared import events

    if raw is None:
        raise PoisonMessage("empty message")
    try:
        obj = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise PoisonMessage(f"not JSON: {exc}") from exc
    if not isinstance(obj, dict):
        raise PoisonMessage("envelope is not an object")
    try:
        loaded = EnvelopeSchema().load(obj)
    except ValidationError as exc:
        raise PoisonMessage(f"bad envelope: {exc.messages}") from exc
    try:
        events.validate_data(loaded["type"], loaded["version"], loaded["data"])
    except KeyError as exc:
        raise PoisonMessage(f"unknown event type {loaded['type']} v{loaded['version']}") from exc
    except ValidationError as exc:
        raise PoisonMessage(f"bad data for {loaded['type']}: {exc.messages}") from exc
    # Handlers get the envelope as sent (JSON types: ISO strings, not datetimes).
    return {k: obj[k] for k in ("event_id", "type", "version", "occurred_at", "activity_id", "data")} | {
        "source": obj.get("source", "unknown")
    }
