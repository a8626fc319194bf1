"""The queue's polls never touch the seat script (issue 28 point 5: waiting is cheap), even under
a crowd: with the seat script broken (every call to it raises), 16 threads of pages polling
GET …/queue/me for 120 queued people get their answers (waiting, queued, admitted, then sold out)
and not one error, and Redis counts exactly one script call per poll (queue_status.lua).

On the session's Redis with the registration app in process; the app's clock is a fake one moved
by the test. The seats are taken by two admitted people before the seat script is broken, so the
crowd is told "sold out" by the status script alone."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from services.registration.app import create_app
from shared import redis_scripts
from shared.auth import create_token
from shared.clock import FakeClock
from tests.conftest import activity_doc
from tests.fair_support import bearer, seed_session

TZ = ZoneInfo("Asia/Shanghai")
BASE = "/api/v1/activities/crowd"
PEOPLE, THREADS = 120, 16


class SeatScriptBroken(Exception):
    pass


@pytest.fixture
def world(store_settings, store_redis):
    app = create_app(
        store_settings.with_overrides(
            require_verified_phone=1,
            rate_limit_ip_per_min=0,
            rate_limit_phone_per_min=0,
            queue_rate_per_min=60,
            queue_seat_rate=0,  # pacing by the seats is not what this test is about
            queue_polls_per_s=0,  # admissions from the release itself (no spread: rules.admission_from_ms)
        ),
        redis_client=store_redis,
    )
    clock = FakeClock(datetime.now(UTC).replace(microsecond=0))
    app.extensions["sciday.registration"].clock = clock
    org = bearer(create_token(store_redis, store_settings.redis_prefix, "organizer", "t"))
    release = clock.now().astimezone(TZ) + timedelta(minutes=10)
    body = activity_doc(
        "crowd",
        capacity=2,
        queue="on",
        registration_opens_at=release.isoformat(),
        waitlist={"enabled": False},
    )
    assert app.test_client().post("/api/v1/activities", json=body, headers=org).status_code == 201
    people = [
        bearer(seed_session(store_redis, store_settings.redis_prefix, f"136{i:08d}")) for i in range(PEOPLE)
    ]
    return app, clock, people


class ScriptCalls:
    """Lua script calls on this test's keys (its own prefix), counted in this process. The session's
    Redis is shared: the e2e stack's processes call their scripts on it too, so a count from
    INFO commandstats failed in a whole run (2026-12-07) and passed alone."""

    def __init__(self, prefix: str, monkeypatch) -> None:
        self.n, real, lock = 0, redis_scripts.LuaScript.__call__, threading.Lock()

        def counted(script, keys=None, args=None, client=None):
            if keys and str(keys[0]).startswith(prefix):
                with lock:  # 16 threads poll at once
                    self.n += 1
            return real(script, keys=keys, args=args, client=client)

        monkeypatch.setattr(redis_scripts.LuaScript, "__call__", counted)


def poll_all(app, people) -> list[dict]:
    """Every person's page asks once, from 16 threads at a time; the answers (all must be 200)."""
    local = threading.local()

    def ask(who):
        if not hasattr(local, "client"):
            local.client = app.test_client()
        r = local.client.get(f"{BASE}/queue/me", headers=who)
        assert r.status_code == 200, r.get_json()
        return r.get_json()

    with ThreadPoolExecutor(THREADS) as pool:
        return list(pool.map(ask, people))


def break_the_seat_script(app, monkeypatch) -> None:
    seats = app.extensions["sciday.registration"].seats

    def broken(*_a, **_k):
        raise SeatScriptBroken("a poll reached the seat script")

    monkeypatch.setitem(seats.scripts._scripts, "reserve", broken)


def test_polls_under_a_crowd_never_run_the_seat_script(world, store_settings, monkeypatch):
    app, clock, people = world
    calls = ScriptCalls(store_settings.redis_prefix, monkeypatch)
    client = app.test_client()
    assert all(client.post(f"{BASE}/queue", headers=who).status_code == 201 for who in people)

    before = calls.n
    waiting = poll_all(app, people)
    assert {a["state"] for a in waiting} == {"waiting"}
    assert calls.n - before == PEOPLE  # one script call a poll: queue_status.lua

    clock.advance(minutes=10)  # the release (the first status after it shuffles)
    client.get(f"{BASE}/queue")
    clock.advance(seconds=1)  # 60 a minute: places 1 and 2 admitted
    seen = poll_all(app, people)
    admitted = [(who, a) for who, a in zip(people, seen) if a["state"] == "admitted"]
    assert len(admitted) == 2 and {a["state"] for a in seen} == {"admitted", "queued"}
    for who, a in admitted:
        form = {"name": "张三", "organization": "中国科学院", "party_size": 1}
        made = client.post(
            f"{BASE}/registrations", json=form, headers=dict(who, **{"X-Queue-Token": a["token"]})
        )
        assert made.status_code == 201, made.get_json()

    break_the_seat_script(app, monkeypatch)
    before = calls.n
    told = poll_all(app, people)
    assert {a["state"] for a in told} == {"sold_out"}  # everyone at once, without a registration attempt
    assert calls.n - before == PEOPLE
    with pytest.raises(SeatScriptBroken):  # the tripwire is live: a registration would reach it
        app.extensions["sciday.registration"].seats.scripts.reserve(keys=[], args=[])
