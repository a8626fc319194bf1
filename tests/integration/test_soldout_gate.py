"""The sold-out gate (services/registration/seats/soldout_gate.py) against real Redis: it repeats, byte
for byte, the answer Flask gave from the sold-out memory, and only that answer."""

from __future__ import annotations

import pytest

from services.registration.app import create_app
from services.registration.seats.soldout_gate import ENDPOINT, SoldOutGate
from shared.web import REQUESTS
from tests.integration.test_registration_api import make_activity, org, reason, register
from tests.integration.test_soldout_memo import counts, sold_out_activity


@pytest.fixture
def app(settings, redis):
    return create_app(
        settings.with_overrides(rate_limit_ip_per_min=0, rate_limit_phone_per_min=0, soldout_memo_ms=60_000)
    )


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def flask_calls(app):
    """How many requests went past the gate into Flask."""
    gate = app.wsgi_app
    assert isinstance(gate, SoldOutGate)
    inner, calls = gate.inner, {"n": 0}

    def counted(environ, start_response):
        calls["n"] += 1
        return inner(environ, start_response)

    gate.inner = counted
    return calls


def post(client, aid, body=None, headers=None, data=None, **kw):
    if data is not None:
        return client.post(f"/api/v1/activities/{aid}/registrations", data=data, headers=headers or {}, **kw)
    return client.post(f"/api/v1/activities/{aid}/registrations", json=body, headers=headers or {}, **kw)


def same(a, b):
    """The same answer: status, every header, body."""
    assert a.status == b.status
    assert sorted(a.headers.items()) == sorted(b.headers.items())
    assert a.get_data() == b.get_data()


def test_the_gate_repeats_flasks_sold_out_answer_byte_for_byte_without_entering_flask(
    client, org, flask_calls
):
    sold_out_activity(client, org, "gate-a")  # the script said sold_out: the memory is set
    body = {"name": "张三", "phone": "13800000003", "party_size": 2}
    first = post(client, "gate-a", body)  # from memory, through Flask: recorded
    entered = flask_calls["n"]
    again = post(client, "gate-a", dict(body, phone="13800000004"))
    assert flask_calls["n"] == entered, "the gate answered without Flask"
    assert reason(again, 409) == "sold_out"
    same(first, again)
    assert again.headers["X-Content-Type-Options"] == "nosniff"


def test_each_language_gets_flasks_own_answer_in_that_language(client, org, flask_calls):
    sold_out_activity(client, org, "gate-l")
    cases = [
        ({"Accept-Language": "en"}, {}, "en"),
        ({}, {"locale": "en"}, "en"),
        ({"Accept-Language": "en"}, {"locale": "zh-CN"}, "zh"),
        ({}, {}, "zh"),
    ]
    for headers, extra, script in cases:
        body = {"name": "张三", "phone": "13800000005", "party_size": 1, **extra}
        first = post(client, "gate-l", body, headers)
        entered = flask_calls["n"]
        again = post(client, "gate-l", body, headers)
        assert flask_calls["n"] == entered
        same(first, again)
        message = again.get_json()["message"]
        assert any("\u4e00" <= ch <= "\u9fff" for ch in message) == (script == "zh"), message


def test_people_refused_by_the_gate_are_counted_in_turned_away_with_their_party_size(
    client, org, redis, settings, app
):
    sold_out_activity(client, org, "gate-t")  # turned_away 1 (the script's refusal)
    post(client, "gate-t", {"name": "张三", "phone": "13800000006", "party_size": 3})  # Flask: 3
    for party in (1, 2, 4, 99):  # the gate: 1 + 2 + 4 + 1 (99 is over the limit: counted as 1)
        assert reason(
            post(client, "gate-t", {"name": "张三", "phone": "13800000007", "party_size": party}), 409
        )
    post(client, "gate-t", data=b"{broken", content_type="application/json")  # 1
    app.extensions["sciday.seats"].soldout.flush()
    assert counts(redis, settings, "gate-t") == {"taken": 1, "turned_away": 1 + 3 + 1 + 2 + 4 + 1 + 1}


def test_gate_answers_are_counted_in_the_request_metrics(client, org):
    sold_out_activity(client, org, "gate-m")
    post(client, "gate-m", {"name": "张三", "phone": "13800000008", "party_size": 1})
    child = REQUESTS.labels("registration", ENDPOINT, "409")
    before = child._value.get()
    for _ in range(3):
        post(client, "gate-m", {"name": "张三", "phone": "13800000008", "party_size": 1})
    assert child._value.get() == before + 3


def test_what_the_gate_leaves_to_flask(client, org, settings, flask_calls):
    make_activity(client, org, "gate-i", capacity=1, waitlist={"enabled": False, "max_length": 0})
    key = {"Idempotency-Key": "lost-answer"}
    first = register(client, "gate-i", "13800000001", headers=key)
    assert first.status_code == 201
    assert reason(register(client, "gate-i", "13800000002"), 409) == "sold_out"  # by the script
    assert reason(register(client, "gate-i", "13800000003"), 409) == "sold_out"  # memory: recorded
    entered = flask_calls["n"]
    # A retry with its Idempotency-Key gets its registration back, not the recorded answer.
    again = register(client, "gate-i", "13800000001", headers=key)
    assert again.status_code == 201 and flask_calls["n"] == entered + 1
    # A body no parser should see is refused as such, sold out or not.
    deep = b'{"a":' * 1000 + b"1" + b"}" * 1000
    r = post(client, "gate-i", data=deep, content_type="application/json")
    assert reason(r, r.status_code) == "json_too_complex" and flask_calls["n"] == entered + 2
    # A form body is refused by the JSON-only guard, which comes first.
    r = post(client, "gate-i", data=b"name=x", content_type="application/x-www-form-urlencoded")
    assert r.status_code == 415 and flask_calls["n"] == entered + 3
    # Another activity, never refused: the full path.
    assert reason(register(client, "no-such-activity"), 404) == "unknown_activity"
    assert flask_calls["n"] == entered + 4


def test_once_the_memory_expires_flask_and_the_seat_script_decide_again(settings, redis, org):
    app = create_app(
        settings.with_overrides(rate_limit_ip_per_min=0, rate_limit_phone_per_min=0, soldout_memo_ms=200)
    )
    client = app.test_client()
    now = [1000.0]
    seats = app.extensions["sciday.seats"]
    seats.soldout.clock = lambda: now[0]
    make_activity(client, org, "gate-e", capacity=1, waitlist={"enabled": False, "max_length": 0})
    first = register(client, "gate-e", "13800000001").get_json()
    assert reason(register(client, "gate-e", "13800000002"), 409) == "sold_out"
    assert reason(register(client, "gate-e", "13800000003"), 409) == "sold_out"  # recorded
    token = first["manage_url"].split("t=")[1]
    # Cancelled in this process: the memory forgets at once, and so does the gate.
    r = client.delete(f"/api/v1/registrations/{first['registration_id']}", headers={"X-Manage-Token": token})
    assert r.status_code == 200
    assert register(client, "gate-e", "13800000003").status_code == 201
    assert reason(register(client, "gate-e", "13800000004"), 409) == "sold_out"  # the script again
    now[0] += 0.3  # past the memory
    seats.redis.hincrby(f"{settings.redis_prefix}act:{{gate-e}}", "capacity", 1)  # another process
    assert register(client, "gate-e", "13800000004").status_code == 201
