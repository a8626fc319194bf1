"""Sliding-window limits on real Redis (shared/ratelimit.lua), with an injected clock: no doubled
burst at a window edge, all-or-nothing across limits, Retry-After from the oldest request."""

from __future__ import annotations

import hashlib

import pytest
from flask import Flask

from services.registration.app import create_app
from shared.auth import create_token
from shared.errors import common_refusal
from shared.ratelimit import RateLimiter
from shared.refusal import Refusal
from tests.conftest import activity_doc


class Clock:
    def __init__(self, ms: int):
        self.ms = ms

    def __call__(self) -> int:
        return self.ms


@pytest.fixture
def clock():
    return Clock(1_000_000_000_000 - 1_000)  # one second before a whole-minute boundary


@pytest.fixture
def limiter(redis, settings, clock):
    return RateLimiter(redis, settings.redis_prefix, secret=b"test", clock=clock)


def allowed(limiter, n, limits):
    return sum(limiter.room(limits) is None for _ in range(n))


def test_no_doubled_burst_across_a_window_edge(limiter, clock):
    limit = [("ip", "203.0.113.7", 5, 60)]
    assert allowed(limiter, 10, limit) == 5  # the last second of one fixed minute...
    clock.ms += 2_000  # ...and the first seconds of the next: a fixed window would allow 5 more
    assert allowed(limiter, 10, limit) == 0
    clock.ms += 57_999  # 59.999 s after the first five: still inside their window
    assert allowed(limiter, 1, limit) == 0
    clock.ms += 1  # the first five leave the window together
    assert allowed(limiter, 10, limit) == 5


def test_in_any_window_at_most_the_limit_over_a_steady_stream(limiter, clock):
    limit = [("phone", "13800138000", 6, 60)]
    accepted = []
    for _ in range(600):  # one attempt every 700 ms for 7 minutes
        if limiter.room(limit) is None:
            accepted.append(clock.ms)
        clock.ms += 700
    for i, t in enumerate(accepted):
        assert sum(1 for u in accepted[i:] if u < t + 60_000) <= 6
    assert len(accepted) >= 6 * 7 - 6  # and the allowance is used, not starved


def test_all_or_nothing_and_retry_after(limiter, clock):
    limits = [("ip", "198.51.100.1", 10, 60), ("phone", "13900139000", 2, 60)]
    assert allowed(limiter, 2, limits) == 2
    clock.ms += 10_000
    name, retry_ms = limiter.room(limits)
    assert name == "phone" and retry_ms == 50_000
    # the refused attempt used nothing of the IP's allowance
    assert allowed(limiter, 8, [("ip", "198.51.100.1", 10, 60)]) == 8
    with pytest.raises(Refusal) as exc:  # a refusal from the core; the edge answers 429
        limiter.check(limits)
    assert exc.value.reason == "rate_limited" and exc.value.details["retry_ms"] == 50_000
    with Flask(__name__).test_request_context():
        answer = common_refusal(exc.value)
    assert answer.status_code == 429 and answer.headers["Retry-After"] == "50"


def test_subjects_are_separate_and_zero_is_off(limiter):
    assert allowed(limiter, 3, [("ip", "a", 1, 60)]) == 1
    assert allowed(limiter, 3, [("ip", "b", 1, 60)]) == 1
    assert allowed(limiter, 3, [("ip", "a", 0, 60)]) == 3


def test_no_subject_in_a_key_name(limiter, redis, settings):
    limiter.room([("phone", "13800138000", 3, 60)])
    names = [k.decode() for k in redis.scan_iter(f"{settings.redis_prefix}rl:*")]
    assert names and not any("13800138000" in n for n in names)


def test_a_key_name_gives_no_phone_back_without_the_secret(settings, redis):
    """Issue 23: the key held a plain SHA-1 of the phone, reversed by hashing every mobile number in
    2.5 s. Through the registration app, the phone limit's key name is a keyed hash: neither the
    plain digest nor any unkeyed SHA of the phone appears in it."""
    app = create_app(settings.with_overrides(rate_limit_phone_per_min=6), redis_client=redis)
    org = {"Authorization": "Bearer " + create_token(redis, settings.redis_prefix, "organizer", "t")}
    c = app.test_client()
    assert c.post("/api/v1/activities", json=activity_doc("rl-key"), headers=org).status_code == 201
    phone = "13800138000"
    body = {"name": "张三", "phone": phone, "organization": "中国科学院", "party_size": 1}
    assert c.post("/api/v1/activities/rl-key/registrations", json=body).status_code == 201
    names = [k.decode() for k in redis.scan_iter(f"{settings.redis_prefix}rl:phone:*")]
    digests = {f(phone.encode()).hexdigest()[:16] for f in (hashlib.sha1, hashlib.sha256, hashlib.md5)}
    assert len(names) == 1 and not any(d in names[0] for d in digests), names
