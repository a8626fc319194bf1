"""The queue's status gate (services/registration/queue/status_gate.py) on real Redis: every state
of GET …/queue/me, in both languages, by bearer and by cookie, is answered without entering Flask
and byte for byte as Flask answers it (status, every header in order, body); everything the gate
cannot answer (no session, an unknown or unqueued activity, a body, another method) is Flask's.
The app's clock is a fake one moved by the test; the page's random jitter is pinned."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from services.registration.access.api import COOKIE
from services.registration.app import create_app
from services.registration.queue import usecases
from services.registration.queue.status_gate import ENDPOINT, StatusGate
from shared.auth import create_token
from shared.clientaddr import TrustedProxies
from shared.clock import FakeClock
from shared.web import REQUESTS
from tests.conftest import activity_doc
from tests.fair_support import bearer, seed_session

TZ = ZoneInfo("Asia/Shanghai")
LANGUAGES = ({}, {"Accept-Language": "en"}, {"Accept-Language": "zh-CN"})


@pytest.fixture
def world(store_settings, store_redis, monkeypatch):
    monkeypatch.setattr(usecases.random, "random", lambda: 0.5)  # poll_s's jitter, pinned
    app = create_app(
        store_settings.with_overrides(
            require_verified_phone=1,
            rate_limit_ip_per_min=0,
            rate_limit_phone_per_min=0,
            queue_rate_per_min=1,
            trusted_proxies="127.0.0.1",  # the test's X-Request-Id is kept: both answers carry it
        ),
        redis_client=store_redis,
    )
    clock = FakeClock(datetime.now(UTC).replace(microsecond=0))
    app.extensions["sciday.registration"].clock = clock
    org = {
        "Authorization": "Bearer " + create_token(store_redis, store_settings.redis_prefix, "organizer", "t")
    }
    client = app.test_client()
    now = clock.now().astimezone(TZ)
    for aid, opens, closes, capacity in (
        ("rush", now + timedelta(minutes=10), now + timedelta(days=2), 1),  # opens soon, one seat
        ("later", now + timedelta(hours=2), now + timedelta(days=2), 300),  # its queue not open yet
        ("short", now + timedelta(minutes=10), now + timedelta(minutes=15), 300),  # closes soon
    ):
        body = activity_doc(
            aid,
            capacity=capacity,
            queue="on",
            registration_opens_at=opens.isoformat(),
            registration_closes_at=closes.isoformat(),
            waitlist={"enabled": False, "max_length": 0},
        )
        made = client.post("/api/v1/activities", json=body, headers=org)
        assert made.status_code == 201, made.get_json()
    plain = activity_doc("plain")  # not queued: Flask refuses its status
    assert client.post("/api/v1/activities", json=plain, headers=org).status_code == 201
    who = {i: bearer(seed_session(store_redis, store_settings.redis_prefix, f"136{i:08d}")) for i in range(4)}
    return app, client, clock, who


def gate_of(app) -> tuple[TrustedProxies, StatusGate]:
    proxies = app.wsgi_app.inner  # SoldOutGate -> TrustedProxies -> StatusGate -> Flask
    assert isinstance(proxies, TrustedProxies) and isinstance(proxies.app, StatusGate)
    return proxies, proxies.app


def both(app, client, url, headers=None, method="get", cookie=None):
    """(the gate's answer, Flask's answer, whether the gate entered Flask) for the same request."""
    proxies, gate = gate_of(app)
    calls = {"n": 0}

    def counted(environ, start_response):
        calls["n"] += 1
        return inner(environ, start_response)

    inner = gate.inner
    headers = dict(headers or {}, **{"X-Request-Id": "poll-1"})
    if cookie:
        client.set_cookie(COOKIE, cookie)
    try:
        gate.inner = counted
        through_gate = getattr(client, method)(url, headers=headers)
        proxies.app = inner  # the Flask path alone
        through_flask = getattr(client, method)(url, headers=headers)
    finally:
        proxies.app, gate.inner = gate, inner
        if cookie:
            client.delete_cookie(COOKIE)
    return through_gate, through_flask, calls["n"] == 1


def assert_same(a, b):
    assert a.status == b.status
    assert list(a.headers.items()) == list(b.headers.items())
    assert a.get_data() == b.get_data()


def answered(app, client, url, who, state):
    """Every language, by bearer and by cookie: the gate answers ``state`` as Flask does."""
    for language in LANGUAGES:
        for headers, cookie in ((dict(who, **language), None), (language, who["Authorization"][7:])):
            gate, flask, entered = both(app, client, url, headers, cookie=cookie)
            assert not entered, f"{state}: the gate answered without Flask"
            assert (gate.status_code, gate.get_json()["state"]) == (200, state), gate.get_json()
            assert_same(gate, flask)


def test_every_state_is_answered_by_the_gate_byte_for_byte_as_flask_answers_it(world):
    app, client, clock, who = world
    answered(app, client, "/api/v1/activities/later/queue/me", who[0], "not_open")
    answered(app, client, "/api/v1/activities/rush/queue/me", who[3], "not_joined")
    for i in range(3):
        assert client.post("/api/v1/activities/rush/queue", headers=who[i]).status_code == 201
    client.post("/api/v1/activities/short/queue", headers=who[0])
    answered(app, client, "/api/v1/activities/rush/queue/me?lang=en", who[0], "waiting")

    clock.advance(minutes=10, seconds=1)  # the release (+1 s: rules.admission_from_ms): place 1 admitted
    seen = {i: client.get("/api/v1/activities/rush/queue/me", headers=who[i]).get_json() for i in range(3)}
    first = next(i for i, s in seen.items() if s["position"] == 1)
    second = next(i for i, s in seen.items() if s["position"] == 2)
    answered(app, client, "/api/v1/activities/rush/queue/me", who[first], "admitted")
    answered(app, client, "/api/v1/activities/rush/queue/me", who[second], "queued")
    form = {"name": "张三", "organization": "中国科学院", "party_size": 1}
    made = client.post(
        "/api/v1/activities/rush/registrations",
        json=form,
        headers=dict(who[first], **{"X-Queue-Token": seen[first]["token"]}),
    )
    assert made.status_code == 201, made.get_json()
    answered(app, client, "/api/v1/activities/rush/queue/me", who[second], "sold_out")

    clock.advance(minutes=6)  # "short" has closed
    answered(app, client, "/api/v1/activities/short/queue/me", who[0], "closed")


def test_what_the_gate_leaves_to_flask(world):
    app, client, _clock, who = world
    cases = [
        ("/api/v1/activities/rush/queue/me", {}, "get"),  # no session: phone_not_verified
        ("/api/v1/activities/rush/queue/me", {"Authorization": "Bearer vs_forged"}, "get"),
        ("/api/v1/activities/nope/queue/me", who[0], "get"),  # unknown_activity
        ("/api/v1/activities/plain/queue/me", who[0], "get"),  # not queued: queue_not_open
        ("/api/v1/activities/rush/queue/me/", who[0], "get"),  # another path
        ("/api/v1/activities/rush/queue/me", who[0], "head"),
        ("/api/v1/activities/rush/queue/me", who[0], "delete"),
    ]
    for url, headers, method in cases:
        gate, flask, entered = both(app, client, url, headers, method=method)
        assert entered, (url, method)
        assert gate.status_code != 200 or method == "head", (url, method, gate.status_code)
        if method == "get" and gate.status_code < 500:
            assert gate.get_json()["status"] == "error", gate.get_json()
    # a body on a GET is unusual: Flask's
    proxies, gate_obj = gate_of(app)
    before = {"n": 0}
    inner = gate_obj.inner

    def counted(environ, start_response):
        before["n"] += 1
        return inner(environ, start_response)

    gate_obj.inner = counted
    try:
        client.get("/api/v1/activities/rush/queue/me", headers=who[0], data=b"{}")
    finally:
        gate_obj.inner = inner
    assert before["n"] == 1


def test_gate_answers_are_counted_in_the_request_metrics_and_get_a_request_id(world):
    app, client, _clock, who = world
    _proxies, gate = gate_of(app)
    gate.inner = None  # Flask is not reached: these answers are the gate's
    child = REQUESTS.labels("registration", ENDPOINT, "200")
    before = child._value.get()
    answers = [client.get("/api/v1/activities/rush/queue/me", headers=who[0]) for _ in range(3)]
    assert child._value.get() == before + 3
    ids = {r.headers["X-Request-Id"] for r in answers}
    assert len(ids) == 3 and all(len(i) == 32 for i in ids)  # made here, one per request


def test_redis_away_is_flasks_answer_not_a_500_from_the_gate(world, monkeypatch):
    import redis

    app, client, _clock, who = world

    def away(*_a, **_k):
        raise redis.ConnectionError("gone")

    monkeypatch.setattr(usecases, "status", away)
    gate, flask, entered = both(app, client, "/api/v1/activities/rush/queue/me", who[0])
    assert entered and gate.status_code == flask.status_code == 503
    assert gate.get_json()["reason"] == "redis_unavailable"
