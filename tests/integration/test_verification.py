"""Verified phones over HTTP, through the real notify service to the local SMS gateway, and the
same rules on Redis as on the in-memory store (a contract test)."""

from __future__ import annotations

import logging
import re
import threading

import pytest
from werkzeug.serving import make_server

from services.notify.app import create_app as notify_app
from services.registration.access import verification as v
from services.registration.access.verification_store import RedisCodeStore
from services.registration.app import create_app as registration_app
from services.registration.vocabulary import Refusal
from tests.integration.notify_support import gateway, mailbox, notify_settings

SECRET = b"c" * 32
POLICY = v.Policy(code_ttl_s=300, max_attempts=3, resend_cooldown_s=60, daily_per_phone=2, daily_per_ip=3)


@pytest.fixture
def notify_server(notify_settings, redis):
    server = make_server("127.0.0.1", 0, notify_app(notify_settings, redis_client=redis), threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()


@pytest.fixture
def client(notify_settings, notify_server, redis):
    app = registration_app(notify_settings.with_overrides(notify_url=notify_server), redis_client=redis)
    return app.test_client()


def code_in(gw, phone_tail: str) -> str:
    text = [m["text"] for m in gw.messages if m["phone"].endswith(phone_tail)][-1]
    return re.search(r"(?<![0-9])([0-9]{6})(?![0-9])", text).group(1)


def test_a_person_verifies_with_the_code_the_gateway_received(client, gateway, redis, settings, caplog):
    with caplog.at_level(logging.DEBUG):
        r = client.post("/api/v1/verification/codes", json={"phone": "+86 138-0013-8000"})
        assert r.status_code == 202, r.json
        assert r.json["phone_masked"] == "138****8000"
        sms = gateway.messages[-1]
        assert sms["phone"] == "13800138000" and sms["template_id"] == "verification_code.zh-CN"
        code = code_in(gateway, "8000")
        assert "验证码" in sms["text"]
        r = client.post("/api/v1/verification/sessions", json={"phone": "13800138000", "code": code})
        assert r.status_code == 201, r.json
        token = r.json["token"]
        assert "sciday_session=" + token in r.headers["Set-Cookie"]
        assert "HttpOnly" in r.headers["Set-Cookie"]
    # bearer for the API, cookie for pages
    r = client.get("/api/v1/verification/session", headers={"Authorization": f"Bearer {token}"})
    assert r.status_code == 200 and r.json == {"verified": True, "phone_masked": "138****8000"}
    assert client.get("/api/v1/verification/session").status_code == 200  # the test client kept the cookie
    # the code, the token and the phone are nowhere in clear: not in Redis...
    for key in redis.scan_iter(f"{settings.redis_prefix}v*"):
        kind = redis.type(key).decode()
        values = (
            redis.hvals(key)
            if kind == "hash"
            else [redis.get(key)]
            if kind == "string"
            else [m for m, _ in redis.zrange(key, 0, -1, withscores=True)]
        )
        for raw in [key, *values]:
            text = raw.decode()
            assert token not in text
            assert code != text and not re.search(rf"(?<![0-9a-f]){code}(?![0-9a-f])", text)
            if not key.decode().startswith(f"{settings.redis_prefix}vsess:"):
                assert "13800138000" not in text
    # ...nor in a log line
    logged = "\n".join(r.getMessage() for r in caplog.records)
    assert code not in logged and token not in logged and "13800138000" not in logged
    # signing out ends the session
    client.delete("/api/v1/verification/session", headers={"Authorization": f"Bearer {token}"})
    r = client.get("/api/v1/verification/session", headers={"Authorization": f"Bearer {token}"})
    assert r.status_code == 401 and r.json["reason"] == "phone_not_verified"


def test_refusals_over_http_in_both_languages(client, gateway):
    r = client.post("/api/v1/verification/codes", json={"phone": "13800138001\n"})
    assert (r.status_code, r.json["reason"]) == (422, "phone_invalid")
    assert r.json["message"] == "请输入11位大陆手机号"
    r = client.post("/api/v1/verification/codes", json={"phone": "１３８００１３８００１", "locale": "en"})
    assert r.json["reason"] == "phone_invalid" and r.json["message"].startswith("Enter an 11-digit")
    assert r.json["errors"] == {"phone": ["Use the digits 0-9 (ASCII)."]}
    assert client.post("/api/v1/verification/codes", json={"phone": "13800138001"}).status_code == 202
    r = client.post("/api/v1/verification/codes", json={"phone": "13800138001"})
    assert (r.status_code, r.json["reason"]) == (429, "code_cooldown") and int(r.headers["Retry-After"]) > 0
    code = code_in(gateway, "8001")
    wrong = f"{(int(code) + 1) % 1_000_000:06d}"
    r = client.post(
        "/api/v1/verification/sessions", json={"phone": "13800138001", "code": wrong, "locale": "en"}
    )
    assert (r.status_code, r.json["reason"]) == (422, "code_invalid")
    assert r.json["detail"] == {"attempts_left": 4} and r.json["message"] == "The code is not correct."
    assert gateway.messages and len(gateway.messages) == 1  # nothing sent for refused requests


def test_notify_refuses_an_unsigned_or_stale_code_request(notify_server, gateway):
    import json

    import requests

    from shared import internal

    body = json.dumps({"phone": "13800138000", "code": "123456", "minutes": 5}).encode()
    url = notify_server + "/internal/v1/verification-codes"
    assert requests.post(url, data=body, headers={"Content-Type": "application/json"}).status_code == 401
    stale = internal.headers(b"wrong key" * 4, "POST", url, body)
    assert requests.post(url, data=body, headers=stale).status_code == 401
    assert gateway.messages == []


# -- one scenario through code_issue.lua and code_check.lua ------------------------------------
@pytest.fixture
def store(store_redis, store_settings):
    return RedisCodeStore(store_redis, store_settings.redis_prefix)


class Outbox:
    def __init__(self):
        self.codes: list[str] = []

    def send_code(self, phone, code, locale, ttl_min, channel="sms"):
        self.codes.append(code)


def _ask(store, outbox, now, phone="13800138000", ip="ip-1"):
    return v.request_code(
        phone, ip, "zh-CN", store=store, sender=outbox, policy=POLICY, secret=SECRET, now_ms=now
    )


def _try(store, code, now, phone="13800138000"):
    return v.verify(phone, code, store=store, policy=POLICY, secret=SECRET, now_ms=now)


def _reason(fn, *args, **kw):
    try:
        fn(*args, **kw)
    except Refusal as exc:
        return exc.reason, exc.details
    return "ok", {}


def test_a_scenario_of_cooldown_attempts_expiry_and_daily_caps(store):
    outbox, t0 = Outbox(), 1_800_000_000_000
    trace = [_reason(_ask, store, outbox, t0)]
    trace.append(_reason(_ask, store, outbox, t0 + 30_000))  # cooldown
    code = outbox.codes[-1]
    wrong = f"{(int(code) + 1) % 1_000_000:06d}"
    trace += [_reason(_try, store, wrong, t0 + 1000) for _ in range(3)]
    trace.append(_reason(_try, store, code, t0 + 2000))  # locked after 3
    trace.append(_reason(_ask, store, outbox, t0 + 60_000))  # a new code
    code = outbox.codes[-1]
    trace.append(_reason(_try, store, code, t0 + 60_000 + 300_000))  # expired
    trace.append(_reason(_ask, store, outbox, t0 + 120_000))  # third code today: cap 2
    trace.append(_reason(_ask, store, outbox, t0 + 120_000, phone="13900139000"))
    trace.append(_reason(_ask, store, outbox, t0 + 120_000, phone="13700137000"))  # ip cap 3
    trace.append(_reason(_try, store, outbox.codes[-1], t0 + 121_000, phone="13900139000"))
    trace.append(_reason(_try, store, outbox.codes[-1], t0 + 122_000, phone="13900139000"))  # used
    assert trace == [
        ("ok", {}),
        ("code_cooldown", {"retry_ms": 30_000}),
        ("code_invalid", {"attempts_left": 2}),
        ("code_invalid", {"attempts_left": 1}),
        ("code_invalid", {"attempts_left": 0}),
        ("too_many_attempts", {}),
        ("ok", {}),
        ("code_expired", {}),
        ("daily_cap_reached", {"retry_ms": 86_400_000 - 120_000}),
        ("ok", {}),
        ("daily_cap_reached", {"retry_ms": 86_400_000 - 120_000}),
        ("ok", {}),
        ("code_expired", {}),
    ]
