"""Issue 26 item 2 in real Chromium: a real-name family of three comes to the door as two.

The scanner's verdict lists the members (masked name, ID type and masked number, the child marked
as a child); the father's ID card is read (issue 23: his card admits him), the child is ticked and
one tap admits her; the mother stays away. The check-in events name the members, the no-show worker
learns who came, and the sweep after the activity's end marks the mother, and only her. On a phone
(390 and 360 wide) and a desktop (1280x800), in Chinese and English, online and offline.
"""

from __future__ import annotations

from datetime import datetime

import pytest
import requests

from services.registration.noshow import record as noshow
from services.registration.noshow.flow import Admissions
from services.registration.noshow.worker import build_flow
from services.registration.seats.store import SeatStore
from shared.redis_scripts import connect
from tests.conftest import wait_for
from tests.e2e.test_scanner_chromium import attendance, bearer, make_activity, no_csp_problems, seq, verdict
from tests.e2e.test_scanner_chromium import steward as steward  # the fixture
from tests.e2e.test_scanner_door_cards import wait_cards
from tests.fair_support import resident_id

PHONE = {
    "viewport": {"width": 390, "height": 844},
    "device_scale_factor": 2,
    "is_mobile": True,
    "has_touch": True,
}
NARROW = {**PHONE, "viewport": {"width": 360, "height": 780}}
DESKTOP = {"viewport": {"width": 1280, "height": 800}}
WORDS = {
    "zh": {
        "sign_in": "登录",
        "cards": "请逐一读取成员证件",
        "one": "✓ 入场 1 人",
        "rest": "还剩 1 人未入场",
        "child": "儿童",
        "id": "居民身份证",
        "read": "请读取证件",
        "inside": "已入场",
        "admit": "确认入场 1 人",
    },
    "en": {
        "sign_in": "Sign in",
        "cards": "Read each member's ID card",
        "one": "✓ Admit 1 person",
        "rest": "1 still to come",
        "child": "Child",
        "id": "Resident ID card",
        "read": "Read the card",
        "inside": "Already in",
        "admit": "Admit 1 person",
    },
}
CASES = [  # (language, screen, its name, offline)
    ("zh", PHONE, "390", False),
    ("en", DESKTOP, "desktop", False),
    ("zh", NARROW, "360", True),
    ("en", DESKTOP, "desktop", True),
]


def book(urls, aid: str, phone: str, father: str, mother: str) -> tuple[str, str]:
    members = [
        {"name": "陈科", "id_type": "resident_id", "id_number": father},
        {"name": "陈小雨", "id_type": "none", "birth_date": "2020-05-01"},
        {"name": "林慧", "id_type": "resident_id", "id_number": mother},
    ]
    body = {"name": "陈科", "phone": phone, "organization": "中国科学院", "party_size": 3, "members": members}
    r = requests.post(f"{urls['registration']}/api/v1/activities/{aid}/registrations", json=body, timeout=10)
    assert r.status_code == 201, r.text
    return r.json()["ticket"]["code"], r.json()["registration_id"]


@pytest.fixture
def page_of(browser):
    contexts = []

    def make(screen: dict, lang: str):
        ctx = browser.new_context(**screen, locale="en-GB" if lang == "en" else "zh-CN")
        contexts.append(ctx)
        page = ctx.new_page()
        page.problems = []
        page.on("console", lambda m: page.problems.append(m.text) if m.type == "error" else None)
        page.on("pageerror", lambda e: page.problems.append(str(e)))
        return page

    yield make
    for ctx in contexts:
        ctx.close()


def sign_in(page, urls, token, gate, lang, w):
    page.goto(f"{urls['checkin']}/scan?lang={'en' if lang == 'en' else 'zh-CN'}")
    page.fill("#f-token", token)
    page.fill("#f-gate", gate)
    page.get_by_role("button", name=w["sign_in"]).click()
    page.wait_for_selector("#door:not([hidden])")
    page.wait_for_selector('#net[data-online="1"]')


def open_scanner(page_of, urls, token, gate, screen, lang, w, offline):
    """A signed-in scanner at ``gate``, taken offline when asked."""
    page = page_of(screen, lang)
    sign_in(page, urls, token, gate, lang, w)
    if offline:
        page.context.set_offline(True)
        page.wait_for_selector('#net[data-online="0"]')
    return page


@pytest.mark.parametrize(("lang", "screen", "size", "offline"), CASES)
def test_a_family_of_three_comes_in_as_two_and_only_the_third_is_marked(
    page_of, urls, organizer_token, steward, stack_settings, screenshots, lang, screen, size, offline
):
    w = WORDS[lang]
    tag = f"{lang}-{size}-{'off' if offline else 'on'}"
    aid = f"members-{tag}"
    make_activity(
        urls, organizer_token, aid, real_name=True, title={"zh": "实名·科普报告", "en": "Real-name talk"}
    )
    base = 61 + 3 * CASES.index((lang, screen, size, offline))
    father, mother = resident_id(base), resident_id(base + 1)
    code, rid = book(urls, aid, f"137000000{base:02d}", father, mother)
    wait_cards(urls, steward, aid, rid)  # the state carries its door hashes, and its members with them
    page = open_scanner(page_of, urls, steward, "5号门", screen, lang, w, offline)  # a gate of its own

    # The verdict lists the members: the father and the mother by their card, the child ticked.
    n = seq(page)
    page.fill("#f-code", code)
    page.press("#f-code", "Enter")
    assert verdict(page, "card", n)["head"] == w["cards"]
    rows = page.locator("#member-list li")
    assert rows.count() == 3
    lines = [rows.nth(i).inner_text() for i in range(3)]
    assert w["id"] in lines[0] and father[:4] in lines[0] and father not in lines[0]  # masked
    assert w["child"] in lines[1] and w["read"] in lines[2]
    assert page.locator("#member-1").is_disabled() and page.locator("#member-2").is_enabled()
    page.evaluate("window.scrollTo(0, 0)")  # focusing the card field scrolled it into view
    page.screenshot(path=str(screenshots / f"scanner-members-list-{tag}.png"), full_page=True)

    # The father's card admits him (issue 23); the list shows him in.
    n = seq(page)
    page.fill("#f-card", father)
    page.press("#f-card", "Enter")
    assert verdict(page, "ok", n)["head"] == w["one"]
    page.wait_for_function("() => document.querySelector('#member-list li[data-place=\"1\"]')"
                           " && document.querySelector('#member-1').checked")  # fmt: skip
    assert w["inside"] in rows.nth(0).inner_text()

    # The child is ticked and one tap admits her; the mother did not come.
    page.locator("label[for=member-2]").click()
    confirm = page.locator("#members-confirm")
    assert confirm.inner_text() == w["admit"]
    n = seq(page)
    confirm.click()
    v = verdict(page, "ok", n)
    assert (v["head"], v["sub"]) == (w["one"], w["rest"])
    page.evaluate("window.scrollTo(0, 0)")
    page.screenshot(path=str(screenshots / f"scanner-members-admitted-{tag}.png"), full_page=True)
    stored = page.evaluate("() => JSON.stringify(localStorage)")
    assert father not in stored and mother not in stored

    if offline:
        assert page.locator("#queue-len").inner_text() == "2"
        page.context.set_offline(False)
        page.evaluate("() => window.dispatchEvent(new Event('online'))")
        page.wait_for_function("() => document.querySelector('#queue-len').textContent === '0'")
        assert page.locator("#conflicts").is_hidden()  # the server agreed with both
    wait_for(lambda: attendance(urls, steward, aid).get("checked_in") == 2, what="two admitted")
    no_csp_problems(page)
    # While the context is offline the scanner's periodic refresh (scan.js, every POLL_MS) fails,
    # and Chromium logs each failed load; that is the offline case working, not a problem. A slow
    # machine stays offline longer than POLL_MS (two fresh-clone failures, 2026-12-07).
    problems = [p for p in page.problems if "net::ERR_INTERNET_DISCONNECTED" not in p]
    assert not problems, problems

    # The no-show worker learns from checkin-events who came, by place; after the end, the sweep
    # (the worker's own, run here at the end plus the grace period) marks the mother only.
    s, redis = stack_settings, connect(stack_settings.redis_url)
    admissions = Admissions(redis, s.redis_prefix)
    wait_for(lambda: admissions.members(aid).get(rid) == [1, 2], timeout=30, what="members named to no-show")
    seats = SeatStore(redis, s)
    flow = build_flow(s, redis, seats)
    activity = seats.activity_doc(aid, max_age_s=0)
    ends_at = datetime.fromisoformat(activity["ends_at"]).timestamp()
    marks = flow.sweep(
        aid, seats.registrations(aid), ends_at=ends_at, now=ends_at + s.noshow_grace_min * 60 + 1
    )
    ids = seats.get_registration(rid)["id_hashes"]  # the father's and the mother's, in member order
    assert [(m.mark_id, m.holder) for m in marks] == [(f"{rid}:1", noshow.id_holder(ids[1]))]
    assert flow.record.marks(noshow.id_holder(ids[0])) == []
