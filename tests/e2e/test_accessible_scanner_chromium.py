"""Issue 29 item 6 at the door in real Chromium: the steward's scanner (a phone 390 wide, zh-CN) shows
"♿ 轮椅位 ×1" on the verdict of a ticket booked with a wheelchair place, online and judged offline
(from the scanner state), and nothing of the kind on another; the running stack carries the flag
from the booking's event to the check-in projection."""

from __future__ import annotations

import requests

from tests.e2e.test_scanner_chromium import (
    make_activity,
    seq,
    sign_in,
    steward,  # the fixture
    type_code,
    verdict,
    wait_projected,
)

AID = "scan-wheel"
KEPT = {"wheelchair": {"seats": 2, "release_before_h": 0}, "companion": {"seats": 1, "release_before_h": 0}}


def book(urls, phone: str, party: int, accessible: dict | None = None) -> str:
    body = {"name": "陈科", "phone": phone, "organization": "中国科学院", "party_size": party}
    if accessible:
        body["accessible"] = accessible
    r = requests.post(f"{urls['registration']}/api/v1/activities/{AID}/registrations", json=body, timeout=10)
    assert r.status_code == 201, r.text
    return r.json()["ticket"]["code"]


def test_the_scanner_shows_the_wheelchair_place(phone, urls, organizer_token, steward, screenshots):
    make_activity(urls, organizer_token, AID, quotas=KEPT)
    wheel = book(urls, "13700000291", 1, {"wheelchairs": 1})
    plain = book(urls, "13700000292", 1)
    offline = book(urls, "13700000293", 1, {"wheelchairs": 1})
    wait_projected(urls, steward, AID)
    sign_in(phone, urls, steward, "1号门")
    n = seq(phone)
    type_code(phone, wheel)
    v = verdict(phone, "ok", n)
    assert v["meta"].startswith("♿ 轮椅位 ×1 · "), v
    phone.screenshot(path=str(screenshots / "accessible-scanner-390.png"))
    n = seq(phone)
    type_code(phone, plain)
    assert "轮椅位" not in verdict(phone, "ok", n)["meta"]

    phone.context.set_offline(True)
    phone.wait_for_selector('#net[data-online="0"]')
    n = seq(phone)
    type_code(phone, offline)
    v = verdict(phone, "ok", n)
    assert v["meta"].startswith("♿ 轮椅位 ×1 · ") and "离线核验，待上传" in v["meta"], v
    phone.screenshot(path=str(screenshots / "accessible-scanner-offline-390.png"))
    phone.context.set_offline(False)
