"""Issue 29 item 5 in real Chromium: a school's class holds ONE ticket. The steward scans it, ticks two
pupils and admits them, then admits everyone still to come in one action (全部); the ID cards a
real-name party must show are not asked of a group (door rules' CARDS_WAIVED), and never more than
the roster comes in. A phone (390, Chinese, online) and a desktop (English, offline)."""

from __future__ import annotations

import io

import pytest
import requests

from shared.redis_scripts import connect
from tests.conftest import wait_for
from tests.e2e.test_scanner_chromium import attendance, make_activity, no_csp_problems, seq, verdict
from tests.e2e.test_scanner_chromium import steward as steward  # the fixture
from tests.e2e.test_scanner_door_cards import wait_cards
from tests.e2e.test_scanner_door_members import DESKTOP, PHONE, open_scanner, page_of
from tests.fair_support import bearer, resident_id, seed_session

PUPILS = 11  # and the lead teacher: twelve on one ticket
WORDS = {
    "zh": {"sign_in": "登录", "tick": "请勾选到场成员", "two": "✓ 入场 2 人", "all": "全部放行（未入场的 10 人）",
           "ten": "✓ 入场 10 人"},
    "en": {"sign_in": "Sign in", "tick": "Tick who is here", "two": "✓ Admit 2 people",
           "all": "Admit everyone still to come: 10 people", "ten": "✓ Admit 10 people"},
}  # fmt: skip
CASES = [("zh", PHONE, "390", False), ("en", DESKTOP, "desktop", True)]


def book_class(urls, stack_settings, aid: str, first: int) -> tuple[str, str]:
    redis = connect(stack_settings.redis_url)
    token = seed_session(redis, stack_settings.redis_prefix, f"136000000{first:02d}")
    rows = "\n".join(f"学生{i},{resident_id(first + i)}," for i in range(1, PUPILS + 1))
    lead = {
        "name": "赵老师",
        "organization": "沈阳市第一中学",
        "id_type": "resident_id",
        "id_number": resident_id(first),
    }
    files = {"file": ("class.csv", io.BytesIO(("姓名,身份证号,出生日期\n" + rows + "\n").encode()))}
    r = requests.post(
        f"{urls['registration']}/api/v1/activities/{aid}/groups",
        data=lead,
        files=files,
        headers=bearer(token),
        timeout=10,
    )
    assert r.status_code == 201, r.text
    return r.json()["ticket"]["code"], r.json()["registration_id"]


@pytest.mark.parametrize(("lang", "screen", "size", "offline"), CASES)
def test_a_class_comes_in_two_by_ticks_then_the_rest_in_one_action(
    page_of,
    urls,
    organizer_token,
    steward,
    stack_settings,
    screenshots,
    lang,
    screen,
    size,
    offline,
):
    w = WORDS[lang]
    tag = f"{lang}-{size}-{'off' if offline else 'on'}"
    aid = f"group-{tag}"
    quotas = {"group": {"seats": 20, "release_before_h": 0}}  # the start is 30 minutes off
    make_activity(urls, organizer_token, aid, real_name=True, max_party_size=2, capacity=30, quotas=quotas)
    code, rid = book_class(urls, stack_settings, aid, 300 + 20 * CASES.index((lang, screen, size, offline)))
    wait_cards(urls, steward, aid, rid)
    page = open_scanner(page_of, urls, steward, "8号门", screen, lang, w, offline)  # a gate of its own

    n = seq(page)
    page.fill("#f-code", code)
    page.press("#f-code", "Enter")
    assert verdict(page, "card", n)["head"] == w["tick"]  # no card asked of a group
    assert page.locator("#member-list li").count() == PUPILS + 1
    page.locator("label[for=member-2]").click()
    page.locator("label[for=member-3]").click()
    n = seq(page)
    page.locator("#members-confirm").click()
    assert verdict(page, "ok", n)["head"] == w["two"]
    page.screenshot(path=str(screenshots / f"scanner-group-two-{tag}.png"), full_page=True)

    everyone = page.locator("#members-all")
    everyone.wait_for(state="visible")
    assert everyone.inner_text() == w["all"]
    n = seq(page)
    everyone.click()
    assert verdict(page, "ok", n)["head"] == w["ten"]
    page.screenshot(path=str(screenshots / f"scanner-group-all-{tag}.png"), full_page=True)

    n = seq(page)  # the ticket again: nobody more than the roster
    page.fill("#f-code", code)
    page.press("#f-code", "Enter")
    assert verdict(page, "refused", n)["reason"] == "already_checked_in"
    if offline:
        page.context.set_offline(False)
        page.evaluate("() => window.dispatchEvent(new Event('online'))")
        page.wait_for_function("() => document.querySelector('#queue-len').textContent === '0'")
    wait_for(
        lambda: attendance(urls, steward, aid).get("checked_in") == PUPILS + 1, what="the class admitted"
    )
    no_csp_problems(page)
