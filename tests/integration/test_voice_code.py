"""Issue 29: a code read out in a phone call, over HTTP through the real notify service to the local
gateway, on the real Redis: the call carries its channel and the digits one by one, its code opens
a session, and SMS codes and calls share one set of limits (code_issue.lua)."""

from __future__ import annotations

import re
import threading

import pytest
from werkzeug.serving import make_server

from services.notify.app import create_app as notify_app
from services.registration.app import create_app as registration_app
from tests.integration.notify_support import gateway, mailbox, notify_settings

CODES, SESSIONS = "/api/v1/verification/codes", "/api/v1/verification/sessions"


@pytest.fixture
def client(notify_settings, redis):
    server = make_server("127.0.0.1", 0, notify_app(notify_settings, redis_client=redis), threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    s = notify_settings.with_overrides(notify_url=f"http://127.0.0.1:{server.server_port}")
    yield registration_app(s, redis_client=redis).test_client()
    server.shutdown()


def spoken_code(message: dict) -> str:
    digits = re.search(r"([0-9](?: [0-9]){5})", message["text"]).group(1)
    return digits.replace(" ", "")


def test_a_call_reads_the_code_out_and_the_code_opens_a_session(client, gateway):
    r = client.post(CODES, json={"phone": "13800138000", "channel": "voice"})
    assert r.status_code == 202 and r.json["channel"] == "voice", r.json
    call = gateway.messages[-1]
    assert call["channel"] == "voice" and call["template_id"] == "verification_code.zh-CN"
    assert re.match(r"您的验证码是 [0-9]( [0-9]){5}。", call["text"])
    r = client.post(SESSIONS, json={"phone": "13800138000", "code": spoken_code(call)})
    assert r.status_code == 201, r.json


def test_an_english_call_speaks_english(client, gateway):
    r = client.post(CODES, json={"phone": "13800138000", "channel": "voice", "locale": "en"})
    assert r.status_code == 202
    assert gateway.messages[-1]["text"].startswith("Your sciday code is ")


def test_an_sms_code_names_its_channel_too(client, gateway):
    assert client.post(CODES, json={"phone": "13800138000"}).json["channel"] == "sms"
    assert gateway.messages[-1]["channel"] == "sms" and "【" not in gateway.messages[-1]["text"]


def test_a_call_right_after_an_sms_code_waits_for_the_cooldown(client, gateway):
    assert client.post(CODES, json={"phone": "13800138000"}).status_code == 202
    r = client.post(CODES, json={"phone": "13800138000", "channel": "voice"})
    assert r.status_code == 429 and r.json["reason"] == "code_cooldown"
    assert [m["channel"] for m in gateway.messages] == ["sms"]


def test_an_unknown_channel_is_a_validation_error(client, gateway):
    r = client.post(CODES, json={"phone": "13800138000", "channel": "fax"})
    assert r.status_code == 422 and r.json["reason"] == "validation_failed" and "channel" in r.json["errors"]
    assert gateway.messages == []


@pytest.mark.parametrize("sep", [" ", "-"])
def test_a_pasted_code_with_a_space_or_a_dash_opens_a_session(client, gateway, sep):
    assert client.post(CODES, json={"phone": "13800138000"}).status_code == 202
    code = re.search(r"(?<![0-9])([0-9]{6})(?![0-9])", gateway.messages[-1]["text"]).group(1)
    r = client.post(SESSIONS, json={"phone": "13800138000", "code": code[:3] + sep + code[3:]})
    assert r.status_code == 201, r.json


def test_a_call_the_provider_cannot_place_frees_the_phone_to_ask_again(client, gateway):
    gateway.state.fail(count=1)
    r = client.post(CODES, json={"phone": "13800138000", "channel": "voice"})
    assert r.status_code == 503 and r.json["reason"] == "sms_unavailable"
    r = client.post(CODES, json={"phone": "13800138000", "channel": "voice"})
    assert r.status_code == 202 and [m["channel"] for m in gateway.messages] == ["voice"]
