"""The organizer page's own APIs: who a token is, and notices handed to the notify service."""

from __future__ import annotations

import threading

import pytest
from flask import Flask, jsonify, request
from werkzeug.serving import make_server

from services.registration.app import create_app as registration_app
from shared.auth import create_token
from tests.conftest import activity_doc


class FakeNotify:
    """A notify service stand-in on a free port that records what it is handed."""

    def __init__(self, status=202, body=None):
        self.calls = []
        app = Flask("fake-notify")

        @app.post("/api/v1/notices")
        def notices():
            self.calls.append({"json": request.get_json(), "auth": request.headers.get("Authorization")})
            return jsonify(body or {"status": "accepted", "recipients": 3}), status

        self.server = make_server("127.0.0.1", 0, app, threaded=True)
        self.url = f"http://127.0.0.1:{self.server.server_port}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self):
        self.server.shutdown()


@pytest.fixture
def make(settings, redis):
    fakes = []

    def build(notify=None):
        s = settings.with_overrides(notify_url=notify.url if notify else "http://127.0.0.1:9")
        client = registration_app(s).test_client()
        client.org = {"Authorization": "Bearer " + create_token(redis, s.redis_prefix, "organizer", "省科协")}
        client.steward = {
            "Authorization": "Bearer " + create_token(redis, s.redis_prefix, "steward", "门", "ln-stm")
        }
        assert (
            client.post(
                "/api/v1/activities", json=activity_doc("notice-imax"), headers=client.org
            ).status_code
            == 201
        )
        if notify:
            fakes.append(notify)
        return client

    yield build
    for f in fakes:
        f.close()


def test_a_notice_is_handed_to_notify_with_the_organizers_token(make):
    notify = FakeNotify()
    client = make(notify)
    body = {"message_zh": "因设备调试，入场时间推迟15分钟。", "message_en": "Doors open 15 minutes late."}
    resp = client.post("/api/v1/activities/notice-imax/notices", json=body, headers=client.org)
    assert resp.status_code == 202, resp.get_json()
    assert resp.get_json() == {"status": "accepted", "recipients": 3}
    assert notify.calls == [
        {"json": {"activity_id": "notice-imax", **body}, "auth": client.org["Authorization"]}
    ]


def test_notice_refusals(make):
    client = make(
        FakeNotify(
            status=409,
            body={
                "status": "error",
                "reason": "activity_cancelled",
                "message": "活动已取消 / cancelled",
                "errors": {},
            },
        )
    )
    ok_body = {"message_zh": "通知"}
    passed = client.post("/api/v1/activities/notice-imax/notices", json=ok_body, headers=client.org)
    assert (passed.status_code, passed.get_json()["reason"]) == (409, "activity_cancelled")
    assert (
        client.post("/api/v1/activities/nope/notices", json=ok_body, headers=client.org).get_json()["reason"]
        == "unknown_activity"
    )
    assert (
        client.post(
            "/api/v1/activities/notice-imax/notices", json=ok_body, headers=client.steward
        ).get_json()["reason"]
        == "forbidden"
    )
    empty = client.post("/api/v1/activities/notice-imax/notices", json={"message_zh": ""}, headers=client.org)
    assert empty.status_code == 422 and "message_zh" in empty.get_json()["errors"]


def test_notify_down_is_503_notify_unavailable(make):
    client = make(None)
    resp = client.post(
        "/api/v1/activities/notice-imax/notices", json={"message_zh": "通知"}, headers=client.org
    )
    assert resp.status_code == 503 and resp.get_json()["reason"] == "notify_unavailable"


def test_the_current_token_and_the_page(make):
    client = make(None)
    assert client.get("/api/v1/tokens/current", headers=client.org).get_json() == {
        "role": "organizer",
        "venue": None,
        "name": "省科协",
    }
    assert client.get("/api/v1/tokens/current", headers=client.steward).get_json()["venue"] == "ln-stm"
    assert client.get("/api/v1/tokens/current").status_code == 401
    page = client.get("/organizer")
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and "组织方登录" in html and 'src="/static/organizer.js"' in html
    assert "<script>" not in html  # no inline script: the CSP allows 'self' only
    assert "Organizer log-in" in client.get("/organizer?lang=en").get_data(as_text=True)
    # the activity view now carries turned_away (the summary's waitlist demand)
    assert client.get("/api/v1/activities/notice-imax").get_json()["turned_away"] == 0
