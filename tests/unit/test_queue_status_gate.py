"""The status gate's dump without marshmallow (queue/status_gate.py ``quick_dump``): the same
dictionary as the view's schema dumps, or none at all (then the schema dumps)."""

from __future__ import annotations

import json

from marshmallow import Schema, fields, post_dump

from services.registration.queue.api import QueueMeOut
from services.registration.queue.status_gate import plain_fields, quick_dump

SCHEMA = QueueMeOut()
QUEUED = {
    "activity_id": "rush",
    "state": "queued",
    "queue_state": "released",
    "queue_id": "q0123456789abcdef",
    "position": 1234,
    "ahead": 900,
    "admitted_upto": 333,
    "estimate_s": 180,
    "poll_s": 600,
    "opens_at": "2026-12-08T10:00:00+08:00",
    "release_at": "2026-12-08T10:30:00+08:00",
    "commitment": "ab" * 32,
    "joined": 50_000,
    "released_n": 50_000,
    "sold_out": False,
    "rate_per_min": 300,  # not in the schema: not in the answer
}


def test_the_status_schema_is_plain():
    plain = plain_fields(SCHEMA)
    assert plain is not None and plain["position"] is int and plain["sold_out"] is bool


def test_quick_dump_is_the_schemas_dump_for_every_shape_of_the_answer():
    docs = [
        QUEUED,
        dict(QUEUED, state="admitted", ahead=0, estimate_s=0, token="body.sig"),
        dict(QUEUED, state="waiting", queue_state="waiting", position=None, ahead=None, released_n=None),
        {k: v for k, v in QUEUED.items() if k not in ("queue_id", "position")},  # absent keys
        dict(QUEUED, state="sold_out", sold_out=True, queue_id=None),
    ]
    plain = plain_fields(SCHEMA)
    for doc in docs:
        assert quick_dump(plain, doc) == SCHEMA.dump(doc)


def test_a_value_the_schema_would_change_is_left_to_the_schema():
    plain = plain_fields(SCHEMA)
    for odd in ({"estimate_s": 12.5}, {"position": True}, {"joined": "3"}, {"activity_id": 7}):
        doc = dict(QUEUED, **odd)
        assert quick_dump(plain, doc) is None
        as_is = {k: v for k, v in doc.items() if k in SCHEMA.fields}
        assert json.dumps(SCHEMA.dump(doc), sort_keys=True) != json.dumps(as_is, sort_keys=True)


def test_a_schema_with_a_hook_a_renamed_key_or_string_numbers_is_always_dumped():
    class Hooked(Schema):
        a = fields.Integer()

        @post_dump
        def more(self, data, **_kw):
            return data

    renamed = type("Renamed", (Schema,), {"a": fields.Integer(data_key="b")})
    as_string = type("AsString", (Schema,), {"a": fields.Integer(as_string=True)})
    other = type("Other", (Schema,), {"a": fields.Float()})
    for schema in (Hooked(), renamed(), as_string(), other()):
        assert plain_fields(schema) is None
        assert quick_dump(plain_fields(schema), {"a": 1}) is None
