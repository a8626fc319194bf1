"""`sciday rebuild checkin` gives the door its admissions back from checkin-events (issue 24 §8):
after a Redis loss an admitted ticket is refused as already_checked_in, an undone check-in stays
undone, and a second rebuild changes nothing."""

from __future__ import annotations

from datetime import UTC, datetime

from sciday.rebuild import rebuild
from services.checkin.door.admission import bucket
from services.checkin.door.store import CheckinStore
from services.checkin.ports import AdmitStep, UndoStep
from shared.kafka import make_producer
from shared.outbox import Relay
from shared.topics import ensure_topics

AT = datetime(2030, 3, 1, 9, 30, tzinfo=UTC)


def _step(cid: str, rid: str, party: int) -> AdmitStep:
    return AdmitStep(
        checkin_id=cid,
        activity_id="a1",
        registration_id=rid,
        venue_id="v1",
        party_size=party,
        admit=0,
        gate="east",
        at_iso=AT.isoformat(),
        bucket=bucket(AT),
        nonce="",
        staff="steward",
        occurred_at=AT.isoformat(),
    )


def _door(redis, prefix: str) -> dict:
    out = {}
    for name in ("adm", "first", "gates", "stats"):
        key = f"{prefix}ck:{name}:{{a1}}"
        out[name] = {k.decode(): v.decode() for k, v in redis.hgetall(key).items() if v not in (b"0",)}
    return out


def test_a_rebuild_restores_the_doors_admissions_from_checkin_events(settings, redis):
    ensure_topics(settings.kafka_bootstrap_servers, settings.topic_prefix)
    store = CheckinStore(redis, settings)
    assert store.admit(_step("c1", "r1", 2))["status"] == "ok"
    assert store.admit(_step("c2", "r2", 1))["status"] == "ok"
    assert store.admit(_step("c3", "r3", 3))["status"] == "ok"
    assert store.undo(UndoStep("a1", "c3", "supervisor", AT.isoformat()))["status"] == "ok"
    relay = Relay(settings, redis, stream="ck:outbox")
    relay.producer = make_producer(settings)
    assert relay.hold_lease()
    while relay.step():  # the relay moves the door's events to checkin-events
        pass
    before = _door(redis, settings.redis_prefix)
    assert before["adm"] == {"r1": "2", "r2": "1"}

    for key in redis.scan_iter(f"{settings.redis_prefix}ck:*"):  # Redis lost
        redis.delete(key)
    assert store.admit(_step("c9", "r1", 2))["status"] == "ok"  # what happens without a rebuild
    for key in redis.scan_iter(f"{settings.redis_prefix}ck:*"):
        redis.delete(key)

    rebuild("checkin", settings, redis, out=None)
    assert _door(redis, settings.redis_prefix) == before
    again = store.admit(_step("c10", "r1", 2))
    assert again["status"] == "denied" and again["reason"] == "already_checked_in"
    assert again["first_gate"] == "east"
    assert store.admit(_step("c11", "r3", 3))["status"] == "ok"  # c3 was undone: r3 may come in

    for key in redis.scan_iter(f"{settings.redis_prefix}ck:*"):
        redis.delete(key)
    rebuild("checkin", settings, redis, out=None)
    once = _door(redis, settings.redis_prefix)
    rebuild("checkin", settings, redis, out=None)
    assert _door(redis, settings.redis_prefix) == once == before
