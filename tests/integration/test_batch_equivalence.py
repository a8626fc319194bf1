"""Issue 18: a batch leaves the same state as the same events one by one (Hypothesis, real Redis).

The check-in projection's batch handler (two round trips per poll batch) against its per-record
handler, on a redis-server of this module's own (no broker needed): random events over a few
activities and registrations, in random order with repeats, cut into random batches, on a random
starting state (tickets admitted before their event, registrations already revoked)."""

from __future__ import annotations

import uuid

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sciday import embedded
from services.checkin.projection import Projection
from shared import events as ev
from shared.clock import FakeClock
from shared.redis_scripts import connect

AIDS = ["a1", "a2"]
RIDS = ["r1", "r2", "r3"]
REG_TYPES = [
    ev.REGISTRATION_CONFIRMED,
    ev.REGISTRATION_WAITLISTED,
    ev.WAITLIST_PROMOTED,
    ev.REGISTRATION_CANCELLED,
]
ACT_TYPES = [ev.ACTIVITY_PUBLISHED, ev.ACTIVITY_CHANGED, ev.ACTIVITY_CANCELLED]


@pytest.fixture(scope="module")
def redis(tmp_path_factory):
    base = tmp_path_factory.mktemp("batch-redis")
    port = embedded.free_port()
    proc = embedded.start_redis(port, base / "data", base / "redis.log", appendfsync="everysec")
    yield connect(f"redis://127.0.0.1:{port}/0")
    embedded.stop(proc)


def _envelope(n: int, kind: str, aid: str, rid: str, size: int) -> dict:
    if kind in ACT_TYPES:
        status = "cancelled" if kind == ev.ACTIVITY_CANCELLED else "scheduled"
        data = {"activity": {"id": aid, "status": status, "capacity": size}}
    else:
        data = {
            "registration_id": rid,
            "venue_id": "v1",
            "party_size": size,
            "name": f"name-{n}",
            "phone": "13912345678",
            "members": [{"name": "王*", "id": f"1101**{n}"}] if size > 2 else [],
        }
    return {
        "event_id": f"e{n}",
        "type": kind,
        "activity_id": aid,
        "occurred_at": f"2026-11-29T10:00:{n % 60:02d}+08:00",
        "data": data,
    }


events = st.lists(
    st.tuples(
        st.sampled_from(REG_TYPES + ACT_TYPES),
        st.sampled_from(AIDS),
        st.sampled_from(RIDS),
        st.integers(1, 4),
    ),
    max_size=25,
)
start = st.tuples(
    st.sets(st.tuples(st.sampled_from(AIDS), st.sampled_from(RIDS))),  # admitted before their event
    st.sets(st.tuples(st.sampled_from(AIDS), st.sampled_from(RIDS))),  # revoked already
)


READ = {
    "hash": lambda r, k: r.hgetall(k),
    "set": lambda r, k: sorted(r.smembers(k)),
    "list": lambda r, k: r.lrange(k, 0, -1),
    "zset": lambda r, k: r.zrange(k, 0, -1, withscores=True),
}


def _dump(redis, prefix: str) -> dict:
    """Every key under ``prefix`` with its value (a list's order and a zset's scores included)."""
    return {
        key.decode()[len(prefix) :]: READ[redis.type(key).decode()](redis, key)
        for key in redis.scan_iter(match=f"{prefix}*", count=1000)
    }


def _prepare(redis, projection: Projection, unseen, revoked) -> None:
    for aid, rid in unseen:
        redis.sadd(projection.unseen_key(aid), rid)
    for aid, rid in revoked:
        redis.sadd(projection.revoked_key(aid), rid)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(events=events, start=start, cuts=st.lists(st.integers(0, 25), max_size=6))
def test_the_checkin_projection_in_batches_equals_one_by_one(redis, events, start, cuts):
    envelopes = [_envelope(n, *e) for n, e in enumerate(events)]
    one, batched = f"o{uuid.uuid4().hex[:6]}:", f"b{uuid.uuid4().hex[:6]}:"
    p_one, p_batch = Projection(redis, one), Projection(redis, batched)
    _prepare(redis, p_one, *start)
    _prepare(redis, p_batch, *start)

    for envelope in envelopes:
        p_one.handle(envelope)
    bounds = sorted({0, len(envelopes), *(c for c in cuts if c < len(envelopes))})
    for lo, hi in zip(bounds, bounds[1:], strict=False):
        p_batch.handle_batch(envelopes[lo:hi])

    assert _dump(redis, batched) == _dump(redis, one)


def test_a_type_the_batch_path_does_not_know_goes_through_handle_in_its_place(redis):
    """A handler extended for a new event type (another helper's consumer) stays correct."""
    seen = []

    class Extended(Projection):
        def handle(self, envelope):
            if envelope["type"] == "SomethingNew":
                seen.append((envelope["event_id"], self.registration("a1", "r1")["status"]))
                return
            super().handle(envelope)

    p = Extended(redis, f"x{uuid.uuid4().hex[:6]}:")
    new = dict(_envelope(1, ev.REGISTRATION_CONFIRMED, "a1", "r1", 1), type="SomethingNew", event_id="e1")
    p.handle_batch(
        [
            _envelope(0, ev.REGISTRATION_CONFIRMED, "a1", "r1", 1),
            new,
            _envelope(2, ev.REGISTRATION_CANCELLED, "a1", "r1", 1),
        ]
    )
    assert seen == [("e1", "confirmed")]  # handled in its place: after the confirmation, before the cancel
    assert p.registration("a1", "r1")["status"] == "cancelled"


# -- notify: the batch handler (services/notify/delivery/batches.py) against Notices.handle ---------------
NOW = 1_900_000_000.0  # 2030-03-17: activities below start before and after it
STARTS = ["2030-03-20T10:00:00+08:00", "2030-03-17T12:00:00+08:00", "2030-03-10T10:00:00+08:00"]


def _notify(redis, prefix: str):
    from services.notify.delivery.batches import BatchHandler
    from services.notify.delivery.intents import Deliveries
    from services.notify.delivery.usecases import Notices
    from services.notify.projection import Projection as NotifyProjection
    from services.notify.reminders.schedule import Reminders, parse_offsets

    projection = NotifyProjection(redis, prefix)
    deliveries = Deliveries(redis, prefix)
    reminders = Reminders(
        redis, prefix, parse_offsets("1440,120"), projection, deliveries, FakeClock.at_seconds(NOW)
    )
    notices = Notices(projection, deliveries, reminders, clock=FakeClock.at_seconds(NOW))
    return notices, BatchHandler(notices, notices.handle)


def _notify_envelope(n: int, kind: str, aid: str, rid: str, starts: int, email: bool) -> dict:
    if kind in ACT_TYPES:
        status = "cancelled" if kind == ev.ACTIVITY_CANCELLED else "scheduled"
        activity = {"id": aid, "status": status, "starts_at": STARTS[starts], "hall": f"h{starts}"}
        data = {"activity": activity, "changed": ["starts_at", "hall"], "reason": "台风"}
    else:
        data = {
            "registration_id": rid,
            "venue_id": "v1",
            "party_size": 1 + n % 3,
            "name": f"name-{n}",
            "phone": f"1380000000{rid[-1]}",
            "email": f"{rid}@example.org" if email else None,
            "locale": "en" if n % 2 else "zh-CN",
            "waitlist_position": n,
            "ticket_code": f"t{n}",
        }
    return {
        "event_id": f"e{n}",
        "type": kind,
        "activity_id": aid,
        "occurred_at": f"2030-03-10T10:00:{n % 60:02d}+08:00",
        "data": data,
    }


notify_events = st.lists(
    st.tuples(
        st.sampled_from(REG_TYPES * 2 + ACT_TYPES),
        st.sampled_from(AIDS),
        st.sampled_from(RIDS),
        st.integers(0, len(STARTS) - 1),
        st.booleans(),
    ),
    max_size=20,
)


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    events=notify_events,
    repeats=st.lists(st.integers(0, 19), max_size=3),
    cuts=st.lists(st.integers(0, 23), max_size=5),
)
def test_notify_in_batches_equals_one_by_one(redis, events, repeats, cuts):
    published = [(ev.ACTIVITY_PUBLISHED, aid, "", 0, False) for aid in AIDS]  # upcoming: reminders due
    envelopes = [_notify_envelope(n, *e) for n, e in enumerate(published + events)]
    envelopes += [envelopes[i] for i in repeats if i < len(envelopes)]  # redelivered: nothing new
    one, batched = f"o{uuid.uuid4().hex[:6]}:", f"b{uuid.uuid4().hex[:6]}:"
    notices, _ = _notify(redis, one)
    _, handle_batch = _notify(redis, batched)

    for envelope in envelopes:
        notices.handle(envelope)
    bounds = sorted({0, len(envelopes), *(c for c in cuts if c < len(envelopes))})
    for lo, hi in zip(bounds, bounds[1:], strict=False):
        handle_batch(envelopes[lo:hi])

    assert _dump(redis, batched) == _dump(redis, one)
