"""The registration ports of a use-case test: the real Redis adapters and their Lua on the
session's Redis (one key prefix a test: ``store_settings``), a fake clock and signer.

``redis_ports(store_settings, store_redis)`` wires them as ``bootstrap.py`` does, without the
no-show check (``ports.noshow`` None) unless ``noshow=True``; ``outbox(ports)`` reads the events
as the relay finds them in the Redis stream: ``{"topic", "key", "envelope"}``.
"""

from __future__ import annotations

import json
import uuid
from typing import Any

from services.registration.noshow import record as ns
from services.registration.noshow.store import NoShowStore
from services.registration.ports import Ports
from services.registration.seats.checks_store import RedisChecks
from services.registration.seats.store import SeatStore
from shared.clock import FakeClock
from shared.config import Settings
from shared.ratelimit import RateLimiter
from tests.unit.fakes_registration import FakeSigner


def redis_ports(
    settings: Settings, redis: Any, base_url: str = "http://sciday.test", noshow: bool = False, **limits: int
) -> Ports:
    """Ports on Redis: ``redis_ports(s, r, ip_per_min=0, phone_per_min=6)``. No sold-out memory:
    every attempt reaches reserve.lua."""
    seats = SeatStore(redis, settings.with_overrides(soldout_memo_ms=0))
    limiter = RateLimiter(redis, settings.redis_prefix, secret=b"test")
    record = NoShowStore(redis, settings)
    return Ports(
        seats=seats,
        signer=FakeSigner(),
        limiter=limiter,
        clock=FakeClock(),
        base_url=base_url,
        noshow=record if noshow else None,
        noshow_policy=ns.Policy() if noshow else None,
        noshow_pepper="pepper" if noshow else "",
        checks=RedisChecks(redis, limiter, record, seats, settings.redis_prefix),
        **limits,
    )


def outbox(ports: Ports) -> list[dict]:
    """The events of the seat scripts, in stream order."""
    store = ports.seats
    assert isinstance(store, SeatStore)
    return [
        {
            "topic": fields[b"topic"].decode(),
            "key": fields[b"key"].decode(),
            "envelope": json.loads(fields[b"envelope"]),
        }
        for _id, fields in store.redis.xrange(store.outbox)
    ]


def stored(ports: Ports, aid: str, rid: str) -> dict:
    """A registration as it lies in Redis (at rest: sealed, hashed, or erased), not in clear."""
    store = ports.seats
    assert isinstance(store, SeatStore)
    return json.loads(store.redis.hget(store.keys.regs(aid), rid))


def counts(ports: Ports, aid: str) -> dict:
    """The activity's counters as the seat scripts keep them (taken, waitlist_people, rev...)."""
    got = ports.seats.get_activity(aid)
    assert got is not None
    return {k: int(n) for k, n in got[1].items()}


def app_ports(app: Any, settings: Settings) -> Ports:
    """Ports on Redis for a registration app a test built with ``settings``, on the real clock
    (the pages read it for open/closed), installed as the app's ports."""
    from datetime import UTC, datetime

    from services.registration.bootstrap import EXTENSION
    from shared.redis_scripts import connect

    ports = redis_ports(settings, connect(settings.redis_url))
    ports.clock = FakeClock(datetime.now(UTC))
    app.extensions[EXTENSION] = ports
    return ports


def own_prefix() -> str:
    """A key prefix no other test uses (for fixtures wider than one test: ``store_settings`` is per test)."""
    return f"u{uuid.uuid4().hex[:8]}:"


def stream_events(redis: Any, stream: str) -> list[tuple[str, str, dict]]:
    """``(type, activity id, data)`` of each event in an outbox stream, in order."""
    out = []
    for _id, fields in redis.xrange(stream):
        env = json.loads(fields[b"envelope"])
        out.append((env["type"], env["activity_id"], env["data"]))
    return out


def event_types(ports: Ports) -> list[str]:
    """The types of the seat scripts' events, in stream order."""
    return [e["envelope"]["type"] for e in outbox(ports)]


def lottery_store(ports: Ports) -> Any:
    """The lottery's Redis store beside ``ports`` (the same Redis and key prefix as its seats)."""
    from services.registration.lottery.store import LotteryStore

    store = ports.seats
    assert isinstance(store, SeatStore)
    return LotteryStore(store.redis, store.settings)


def noshow_store(ports: Ports) -> NoShowStore:
    """The no-show record beside ``ports`` (what ``redis_ports(noshow=True)`` wires)."""
    store = ports.seats
    assert isinstance(store, SeatStore)
    return NoShowStore(store.redis, store.settings)
