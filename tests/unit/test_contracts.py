"""Envelope, event schemas and the topic registry."""

from __future__ import annotations

import json

import pytest

from shared import envelope, topics
from shared.envelope import PoisonMessage, decode, encode, new_event
from tests.conftest import ROOT

CONFIRMED = {
    "registration_id": "abc",
    "activity_id": "imax-1",
    "venue_id": "ln-stm",
    "party_size": 2,
    "name": "张三",
    "phone": "13812345678",
    "email": None,
    "locale": "zh-CN",
    "manage_url": "http://x/r/abc?t=1",
    "ticket_code": "SD1.x",
    "ticket_url": "http://x/t/abc?t=1",
}


def test_an_event_round_trips_through_its_envelope():
    ev = new_event("RegistrationConfirmed", "imax-1", CONFIRMED, source="test")
    back = decode(encode(ev))
    assert back["event_id"] == ev["event_id"] and back["type"] == "RegistrationConfirmed"
    assert back["version"] == 1 and back["activity_id"] == "imax-1" and back["data"]["name"] == "张三"


@pytest.mark.parametrize(
    "raw, why",
    [
        (b"\xff\xfe", "not JSON"),
        (b"[1,2]", "not an object"),
        (json.dumps({"type": "RegistrationConfirmed"}).encode(), "bad envelope"),
        (None, "empty"),
    ],
)
def test_defective_messages_are_poison(raw, why):
    with pytest.raises(PoisonMessage, match=why):
        decode(raw)


def test_unknown_type_is_poison_and_a_newer_version_is_not():
    from shared.envelope import NewerVersion

    ev = new_event("RegistrationConfirmed", "imax-1", CONFIRMED)
    with pytest.raises(PoisonMessage, match="unknown event type") as poison:
        decode(encode(dict(ev, type="NoSuchType")))
    assert not isinstance(poison.value, NewerVersion)
    # Issue 24: a known type at a version this code does not know yet is parked, not dead-lettered.
    with pytest.raises(NewerVersion, match="RegistrationConfirmed v99 is newer than this consumer knows"):
        decode(encode(dict(ev, version=99)))


def test_data_that_breaks_its_schema_is_poison():
    ev = new_event("RegistrationConfirmed", "imax-1", CONFIRMED)
    bad = dict(ev, data=dict(CONFIRMED, party_size="three"))
    with pytest.raises(PoisonMessage, match="bad data"):
        decode(encode(bad))


def test_additive_fields_do_not_poison_old_consumers():
    ev = new_event("RegistrationConfirmed", "imax-1", CONFIRMED)
    ev["data"]["new_optional_field"] = 1
    assert decode(encode(ev))["data"]["new_optional_field"] == 1


def test_every_event_type_belongs_to_exactly_one_topic():
    from shared.events import SCHEMAS

    for type_, _v in SCHEMAS:
        owners = [t.name for t in topics.TOPICS if type_ in t.event_types]
        assert len(owners) == 1, (type_, owners)


def test_every_topic_has_a_dlq_twin():
    names = {t.name for t in topics.TOPICS}
    for t in topics.TOPICS:
        if not t.dlq and not t.parked:
            assert f"{t.name}-dlq" in names
            assert f"{t.name}-parked" in names
    assert {"activity-events", "registration-events", "checkin-events", "notification-events"} <= names


def test_docs_topics_md_is_generated_from_the_registry():
    doc = (ROOT / "docs" / "topics.md").read_text(encoding="utf-8")
    assert doc == topics.markdown(), "run: .venv/bin/sciday topics markdown > docs/topics.md"
