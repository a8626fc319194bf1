"""Registering's checks before the seat script (checks.py): the Redis adapter (one pipeline a
round over ratelimit.lua, the verification store and the no-show record) and ``OneByOne`` (the
same stores one call each) answer the same rounds the same way."""

from __future__ import annotations

import pytest

from services.registration.access.verification_store import RedisCodeStore
from services.registration.noshow.record import Mark
from services.registration.noshow.store import NoShowStore
from services.registration.seats.checks import OneByOne
from services.registration.seats.checks_store import RedisChecks
from services.registration.seats.store import SeatStore
from shared.errors import RATE_LIMITED
from shared.ratelimit import RateLimiter
from shared.refusal import Refusal

REF, PHONE = "ab" * 32, "13800138000"
MARK = Mark("r1:0", "phone:h1", "r1", "a1", "not_admitted", 1_700_000_000.0)


def pipelined(settings, redis):
    noshow = NoShowStore(redis, settings)
    seats = SeatStore(redis, settings)
    checks = RedisChecks(
        redis, RateLimiter(redis, settings.redis_prefix, secret=b"test"), noshow, seats, settings.redis_prefix
    )
    RedisCodeStore(redis, settings.redis_prefix, seats.sealer).open_session(REF, PHONE, 60_000)
    noshow.add_mark(MARK, None)
    return checks


def one_by_one(settings, redis):
    from tests.unit.registration_ports import redis_ports

    ports = redis_ports(settings, redis, noshow=True)
    ports.noshow.add_mark(MARK, None)
    return OneByOne(ports, sessions={REF: PHONE})


@pytest.fixture(params=[pipelined, one_by_one])
def checks(request, store_settings, store_redis):
    return request.param(store_settings, store_redis)


def test_one_round_reads_the_session_and_the_marks(checks):
    got = checks.run(limits=[("ip", "10.0.0.1", 5, 60)], holders=["phone:h1", "phone:h2"], session_ref=REF)
    assert got.session_phone == PHONE
    assert got.marks == {"phone:h1": [MARK], "phone:h2": []}


def test_an_unknown_session_is_none_and_a_round_without_one_asks_for_none(checks):
    assert checks.run(limits=[], holders=[], session_ref="cd" * 32).session_phone is None
    assert checks.run(limits=[], holders=[]).session_phone is None


def test_a_spent_limit_refuses_429_and_counts_across_rounds(checks):
    limits = [("phone", PHONE, 2, 60), ("id", "h", 0, 60)]  # 0: off
    checks.run(limits=limits, holders=[])
    checks.run(limits=limits, holders=["phone:h1"])
    with pytest.raises(Refusal) as refused:  # the edge answers it 429 with Retry-After
        checks.run(limits=limits, holders=["phone:h1"], session_ref=REF)
    assert refused.value.reason == RATE_LIMITED and refused.value.details["retry_ms"] > 0
