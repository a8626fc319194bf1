"""Issue 23, finding 8: internal calls signed over method, path, time, a single-use nonce and body.

A captured call is replayed as an insider on the network would: the same bytes again (409
``request_replayed``, nothing done twice), or to another path (401 ``unauthorized``).
"""

from __future__ import annotations

import json
import re
import threading

import pytest
import requests
from werkzeug.serving import make_server

from services.notify.app import create_app as notify_app
from shared import internal
from tests.integration.notify_support import gateway, mailbox, notify_settings
from tests.integration.test_checkin_api import door, soon, verdict
from tests.integration.test_standby_wiring import InProcess, as_walk_in

CODES = "/internal/v1/verification-codes"


@pytest.fixture
def notify_url(notify_settings, redis):
    server = make_server("127.0.0.1", 0, notify_app(notify_settings, redis_client=redis), threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()


def test_a_captured_code_request_replayed_sends_no_more_sms(notify_url, notify_settings, gateway):
    replied = {"en": "This signed request was already received", "zh-CN": "该签名请求已收到过"}
    for locale, message in replied.items():
        body = json.dumps({"phone": "13800138000", "code": "123456", "locale": locale, "minutes": 5}).encode()
        captured = internal.headers(internal.key_of(notify_settings), "POST", notify_url + CODES, body)
        assert requests.post(notify_url + CODES, data=body, headers=captured, timeout=10).status_code == 200
        for _ in range(3):
            again = requests.post(notify_url + CODES, data=body, headers=captured, timeout=10)
            assert (again.status_code, again.json()["reason"]) == (409, "request_replayed")
            assert again.json()["message"].startswith(message)
    assert len(gateway.messages) == 2  # one per genuine request, none for the six replays


def test_a_signature_for_another_method_path_or_query_is_refused(notify_url, notify_settings, gateway):
    key = internal.key_of(notify_settings)
    body = json.dumps({"phone": "13800138000", "code": "123456", "locale": "en", "minutes": 5}).encode()
    for method, url in (
        ("PUT", notify_url + CODES),
        ("POST", notify_url + CODES + "?x=1"),
        ("POST", "/elsewhere"),
    ):
        r = requests.post(
            notify_url + CODES, data=body, headers=internal.headers(key, method, url, body), timeout=10
        )
        assert (r.status_code, r.json()["reason"]) == (401, "unauthorized"), (method, url)
    assert gateway.messages == []


class Capturing(InProcess):
    """Registration's signed calls to check-in, passed through and kept."""

    def __init__(self, client):
        super().__init__(client)
        self.calls: list[tuple[str, bytes, dict]] = []

    def post(self, url, data, headers, timeout):
        self.calls.append(("/" + url.split("/", 3)[3], data, dict(headers)))
        return super().post(url, data, headers, timeout)


def test_a_standby_join_for_one_activity_replayed_joins_nothing(door):
    capture = Capturing(door.ck)
    door.reg.application.extensions["sciday.standby_join"].session = capture
    for aid in ("sb-rpa", "sb-rpb"):
        door.activity(soon(aid))
    door.project()
    as_walk_in(door, "13900000011")
    page = door.reg.get("/standby/sb-rpa")
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)
    assert door.reg.post("/standby/sb-rpa", data={"csrf_token": csrf, "party_size": 2}).status_code == 201
    path, body, headers = next(c for c in capture.calls if c[0].endswith("/standby/entries"))
    # The same bytes to B's path: the signature names A's path.
    to_b = door.ck.post(path.replace("sb-rpa", "sb-rpb"), data=body, headers=headers)
    assert verdict(to_b, 401)["reason"] == "unauthorized"
    # The same bytes again to A: the nonce was used.
    assert verdict(door.ck.post(path, data=body, headers=headers), 409)["reason"] == "request_replayed"
    # B has no place for that phone (asked as registration asks, with a fresh signed call).
    ask = json.dumps({"phone": "13900000011"}).encode()
    places = "/internal/v1/activities/sb-rpb/standby/places"
    key = internal.key_of(door.settings)
    assert verdict(
        door.ck.post(places, data=ask, headers=internal.headers(key, "POST", places, ask)), 200
    ) == {"number": None}
