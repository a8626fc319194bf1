"""`sciday rebuild checkin|notify` (issue 18): the state rebuilt from the log equals the live
consumer's, a second rebuild changes nothing, an event handled live meanwhile is never undone,
and notify's rebuild records no message."""

from __future__ import annotations

import io
from datetime import UTC, datetime, timedelta

import pytest

from sciday.rebuild import rebuild
from services.checkin.projection import Projection
from services.notify.delivery.intents import Deliveries
from services.notify.projection import Projection as NotifyProjection
from shared import events as ev
from shared.envelope import encode, new_event
from shared.kafka import make_producer, send_envelope
from shared.topics import ACTIVITY_EVENTS, REGISTRATION_EVENTS, ensure_topics

T0 = datetime(2030, 3, 1, tzinfo=UTC)


def _activity(kind: str, aid: str, minute: int, hall: str = "巨幕影院") -> dict:
    snap = {
        "id": aid,
        "kind": "imax",
        "title": {"zh": "巨幕", "en": "IMAX"},
        "venue": {"id": "v1", "name": "科学技术馆"},
        "hall": hall,
        "starts_at": (T0 + timedelta(days=30)).isoformat(),
        "ends_at": (T0 + timedelta(days=30, hours=2)).isoformat(),
        "capacity": 100,
        "max_party_size": 4,
        "status": "scheduled",
    }
    data = {"activity": snap} | ({"changed": ["hall"]} if kind == ev.ACTIVITY_CHANGED else {})
    return new_event(kind, aid, data, source="test", occurred_at=T0 + timedelta(minutes=minute))


def _registration(kind: str, aid: str, rid: str, minute: int) -> dict:
    data = {
        "registration_id": rid,
        "activity_id": aid,
        "venue_id": "v1",
        "party_size": 2,
        "name": "王五",
        "phone": "13912345678",
        "manage_url": f"http://x/r/{rid}",
    }
    if kind == ev.REGISTRATION_CONFIRMED:
        data |= {"ticket_code": f"t-{rid}", "ticket_url": f"http://x/t/{rid}"}
    if kind == ev.REGISTRATION_WAITLISTED:
        data |= {"waitlist_position": 1}
    if kind == ev.WAITLIST_PROMOTED:
        data |= {"ticket_code": f"t-{rid}", "ticket_url": f"http://x/t/{rid}"}
    if kind == ev.REGISTRATION_CANCELLED:
        data |= {"previous_status": "confirmed", "ticket_revoked": True}
    return new_event(kind, aid, data, source="test", occurred_at=T0 + timedelta(minutes=minute))


@pytest.fixture
def logged(settings):
    """A log of 2 activities and 60 registrations (some waitlisted then promoted, some cancelled)."""
    ensure_topics(settings.kafka_bootstrap_servers, settings.topic_prefix)
    events = [_activity(ev.ACTIVITY_PUBLISHED, a, 0) for a in ("a1", "a2")]
    for i in range(60):
        aid, rid = ("a1", "a2")[i % 2], f"r{i}"
        if i % 3 == 0:
            events += [
                _registration(ev.REGISTRATION_WAITLISTED, aid, rid, 1),
                _registration(ev.WAITLIST_PROMOTED, aid, rid, 2),
            ]
        else:
            events.append(_registration(ev.REGISTRATION_CONFIRMED, aid, rid, 1))
        if i % 5 == 0:
            events.append(_registration(ev.REGISTRATION_CANCELLED, aid, rid, 3))
    events.append(_activity(ev.ACTIVITY_CHANGED, "a1", 4, hall="穹幕影院"))
    producer = make_producer(settings)
    for e in events:
        topic = (
            ACTIVITY_EVENTS
            if e["type"] in (ev.ACTIVITY_PUBLISHED, ev.ACTIVITY_CHANGED)
            else REGISTRATION_EVENTS
        )
        send_envelope(producer, settings, topic, e)
    producer.flush(10)
    producer.close()
    return events


def _state(redis, prefix: str, name: str) -> dict:
    """Every key of the projection (hashes and sets), named without the prefix."""
    return {
        k.decode()[len(prefix) :]: redis.hgetall(k) if redis.type(k) == b"hash" else sorted(redis.smembers(k))
        for k in redis.scan_iter(match=f"{prefix}{name}*")
    }


def test_a_rebuilt_checkin_projection_equals_the_live_one_and_a_second_rebuild_changes_nothing(
    settings, redis, logged
):
    live = Projection(redis, "live:")
    for e in logged:  # what the live consumer would have built, event by event
        live.handle(e)
    out = io.StringIO()
    first = rebuild("checkin", settings, redis, batch=17, out=out)
    assert first.read == len(logged) and first.poison == 0
    assert "events/s" in out.getvalue() and "#" in out.getvalue()  # the progress bar with a rate
    rebuilt = _state(redis, settings.redis_prefix, "ck:")
    assert rebuilt == _state(redis, "live:", "ck:") and "ck:revoked:{a1}" in rebuilt
    rebuild("checkin", settings, redis, out=None)
    assert _state(redis, settings.redis_prefix, "ck:") == rebuilt


def test_a_rebuild_never_undoes_what_the_live_consumer_handled_meanwhile(settings, redis, logged):
    p = Projection(redis, settings.redis_prefix)
    later = _activity(ev.ACTIVITY_CHANGED, "a1", 60, hall="科普报告厅")  # newer than the whole log
    p.handle(later)
    p.handle(_registration(ev.REGISTRATION_CANCELLED, "a1", "r2", 60))
    result = rebuild("checkin", settings, redis, out=None)
    assert result.skipped >= 3  # a1's two older snapshots and r2's confirmation
    assert p.activity("a1")["hall"] == "科普报告厅"
    assert p.registration("a1", "r2")["status"] == "cancelled"
    assert p.registration("a1", "r4")["status"] == "confirmed"  # the rest rebuilt


def test_a_notify_rebuild_restores_registrants_and_reminders_and_sends_nothing(settings, redis, logged):
    result = rebuild("notify", settings, redis, out=None)
    assert result.read == len(logged)
    projection = NotifyProjection(redis, settings.redis_prefix)
    assert projection.activity("a1")["hall"] == "穹幕影院"
    assert projection.registration("a1", "r0")["status"] == "cancelled"
    assert projection.registration("a2", "r1")["status"] == "confirmed"
    deliveries = Deliveries(redis, settings.redis_prefix)
    assert deliveries.queued("sms") == 0 and deliveries.queued("email") == 0
    scheduled = redis.zrange(f"{settings.redis_prefix}nt:reminders", 0, -1)
    assert b"a2|r1|1440" in scheduled and not any(m.startswith(b"a1|r0|") for m in scheduled)


def test_poison_in_the_log_is_counted_and_left_to_the_dlq(settings, redis, logged):
    producer = make_producer(settings)
    producer.send(settings.topic_prefix + REGISTRATION_EVENTS, key=b"a1", value=b"{not json").get(10)
    producer.send(settings.topic_prefix + REGISTRATION_EVENTS, key=b"a1", value=encode(logged[0]) + b"x").get(
        10
    )
    producer.close()
    result = rebuild("checkin", settings, redis, out=None)
    assert result.poison == 2 and result.read == len(logged) + 2
