"""The contract between the in-memory seat fake and the Lua scripts on real Redis.

Every scenario of ``tests/unit/registration_scenarios.py`` runs through the registration use
cases twice, once on ``fakes.FakeSeats`` and once on ``store.SeatStore`` (reserve.lua,
cancel.lua, capacity.lua, promote_waitlist.lua), from the same fake clock. The traces (what each
step answered, counts, statuses, waitlist positions) and the outbox (topic, type, key and
registration of each event, in order) must be equal, and each event id must be the one both
sides derive from the same seed.
"""

from __future__ import annotations

import json

import pytest

from services.registration.fakes import FakeClock, FakeLimiter, FakeSeats, FakeSigner
from services.registration.ports import Ports
from services.registration.store import SeatStore
from shared import events
from shared.envelope import seeded_event_id
from tests.unit.registration_scenarios import SCENARIOS, play


def redis_ports(settings, redis) -> tuple[Ports, SeatStore]:
    # No sold-out memory: every attempt must reach the script, as every attempt reaches the fake.
    store = SeatStore(redis, settings.with_overrides(soldout_memo_ms=0))
    return Ports(
        seats=store, signer=FakeSigner(), limiter=FakeLimiter(), clock=FakeClock(), base_url="http://t"
    ), store


def stream(redis, store: SeatStore) -> list[dict]:
    out = []
    for _id, fields in redis.xrange(store.outbox):
        out.append(
            {
                "topic": fields[b"topic"].decode(),
                "key": fields[b"key"].decode(),
                "envelope": json.loads(fields[b"envelope"]),
            }
        )
    return out


def event_ids_are_seeded(run, outbox: list[dict]) -> bool:
    for e in outbox:
        env = e["envelope"]
        rid = env["data"].get("registration_id")
        seed = f"{rid}:{env['type']}"
        if env["type"] == events.REGISTRATION_MEMBER_DROPPED:  # one event per drop: the new size
            seed += f":{env['data']['party_size']}"
        if rid and env["event_id"] != seeded_event_id(seed):
            return False
    return True


@pytest.mark.parametrize("name", sorted(SCENARIOS))
def test_the_fake_and_the_lua_agree(name, settings, redis):
    fake = FakeSeats()
    on_fake = play(
        name,
        Ports(seats=fake, signer=FakeSigner(), limiter=FakeLimiter(), clock=FakeClock(), base_url="http://t"),
        lambda: fake.outbox,
    )
    ports, store = redis_ports(settings, redis)
    on_redis = play(name, ports, lambda: stream(redis, store))

    assert on_redis.trace == on_fake.trace
    assert on_redis.events() == on_fake.events()
    assert on_redis.events(), "a scenario that publishes nothing checks no outbox"
    assert event_ids_are_seeded(on_redis, stream(redis, store))
    assert event_ids_are_seeded(on_fake, fake.outbox)
