"""Issue 26 item 3 in real Chromium against the running stack, phone and desktop, zh-CN and en:

- a supervisor finds an admission made on ANOTHER device (the east gate's scanner token) on
  /supervise and undoes it with a reason; the activity's figures drop (checked in, the gate's
  count) and the undo is counted;
- the standby desk (/standby-desk) calls the next number that fits the free seats, and shows the
  called numbers and who came in.

Screenshots: var/screenshots/supervise-*.png and standby-desk-*.png.
"""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
import requests

from services.checkin.standby.store import StandbyStore
from shared.auth import create_token
from shared.redis_scripts import connect
from tests.conftest import wait_for
from tests.e2e.test_checkin_pages_language import DATA as PAGE_DATA
from tests.e2e.test_checkin_pages_language import VISIBLE_TEXT, mixed
from tests.e2e.test_scanner_chromium import (
    TZ,
    VENUE,
    attendance,
    bearer,
    make_activity,
    register,
    wait_projected,
)

VIEWS = [  # (language, width, height, phone?)
    ("zh-CN", 390, 844, True),
    ("en", 360, 740, True),
    ("zh-CN", 1280, 800, False),
    ("en", 1280, 800, False),
]
# Data, not page text: masked names, token (device) names, gate names.
DATA = ("东门机", "值班主管", "候补台", "东门", "西门")


@pytest.fixture(scope="module")
def tokens(stack_settings):
    redis = connect(stack_settings.redis_url)

    def make(role: str, name: str) -> str:
        return create_token(redis, stack_settings.redis_prefix, role, name, VENUE)

    return {"east": make("steward", "东门机"), "supervisor": make("supervisor", "值班主管")}


def _page(browser, lang, width, height, phone):
    ctx = browser.new_context(
        viewport={"width": width, "height": height},
        device_scale_factor=2,
        is_mobile=phone,
        has_touch=phone,
        locale=lang,
    )
    page = ctx.new_page()
    page.problems = []
    page.on("console", lambda m: page.problems.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: page.problems.append(str(e)))
    return ctx, page


def _sign_in(page, url, token, gate=None):
    page.goto(url)
    page.fill("#f-token", token)
    if gate is not None:
        page.fill("#f-gate", gate)
    page.locator("#login-form button[type=submit]").click()
    page.wait_for_selector("#desk:not([hidden])")
    assert token not in page.url


def _fits(page, width):
    assert page.evaluate("() => document.documentElement.scrollWidth") <= width
    assert page.problems == []


def _one_language(page, lang):
    """The page's own text is in one language (the check of test_checkin_pages_language.py): data
    such as masked names, device (token) names and gate names aside."""
    assert mixed(page.evaluate(VISIBLE_TEXT), lang, [*PAGE_DATA, *DATA]) == []


# -- the supervisor's past admissions ---------------------------------------------------------------


def _admit_elsewhere(urls, tokens, aid, phones) -> None:
    """The east gate's scanner (another device and token) admits each party in full."""
    for i, phone in enumerate(phones):
        code = register(urls, aid, phone, 2 + i % 2)
        r = requests.post(
            f"{urls['checkin']}/api/v1/checkins",
            json={"code": code, "gate": "东门"},
            headers=bearer(tokens["east"]),
            timeout=10,
        )
        assert r.status_code == 201, r.text


def test_a_supervisor_undoes_another_devices_admission_with_a_reason(
    stack, urls, organizer_token, tokens, browser, screenshots
):
    aid = "sv-undo"
    make_activity(
        urls, organizer_token, aid, capacity=20, title={"zh": "科普报告·入场记录", "en": "Talk: admissions"}
    )
    phones = [f"1370002600{i}" for i in range(len(VIEWS))]
    register(urls, aid, "13700026999", 1)  # the projection must know the activity first
    wait_projected(urls, tokens["east"], aid)
    _admit_elsewhere(urls, tokens, aid, phones)
    for (lang, width, height, phone), tail in zip(VIEWS, phones, strict=True):
        before = attendance(urls, tokens["supervisor"], aid)
        ctx, page = _page(browser, lang, width, height, phone)
        _sign_in(page, f"{urls['checkin']}/supervise?lang={lang}", tokens["supervisor"])
        page.fill("#f-last4", tail[-4:])
        if not phone:  # a range at the venue's clock that ends before the admission finds nothing
            page.fill("#f-from", (datetime.now(TZ) - timedelta(hours=2)).strftime("%Y-%m-%dT%H:%M"))
            page.fill("#f-to", (datetime.now(TZ) - timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M"))
            page.locator("#search-form button[type=submit]").click()
            page.wait_for_function(
                "() => document.querySelector('#search-msg').textContent.length > 0"
                " && !document.querySelector('#results li')"
            )
            page.wait_for_function(
                "() => /没有找到|No admission/.test(document.querySelector('#search-msg').textContent)"
            )
            page.fill("#f-to", (datetime.now(TZ) + timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M"))
        page.locator("#search-form button[type=submit]").click()
        page.wait_for_function("() => document.querySelectorAll('#results li').length === 1")
        row = page.locator("#results li")
        assert f"{tail[:3]}****{tail[-4:]}" in row.inner_text()
        assert "东门机" in row.inner_text() and "东门" in row.inner_text()
        row.locator("button.undo").click()
        row.locator("label:has(input[value=wrong_count])").click()  # a tap on the words
        assert row.locator("input[value=wrong_count]").is_checked()
        tag = f"{lang}-{width}"
        page.evaluate("() => window.scrollTo(0, 0)")  # the sticky bar stays at the top of the shot
        page.screenshot(path=str(screenshots / f"supervise-undo-{tag}.png"), full_page=True)
        row.locator("button.confirm-undo").click()
        page.wait_for_function(
            "() => document.querySelector('#results li.reverted') !== null"
            " && /^(已撤销|Undone:)/.test(document.querySelector('#search-msg').textContent)"
        )
        msg = page.locator("#search-msg").inner_text()
        after = attendance(urls, tokens["supervisor"], aid)
        party = before["checked_in"] - after["checked_in"]
        assert party in (2, 3) and after["undone"] == before["undone"] + party
        gate = {g["gate"]: g["checked_in"] for g in after["gates"]}.get("东门", 0)
        assert gate == {g["gate"]: g["checked_in"] for g in before["gates"]}["东门"] - party
        was = page.locator("#results li.reverted .was").inner_text()
        assert "值班主管" in was
        if lang == "en":
            assert msg.startswith("Undone:") and f"This activity now has {after['checked_in']} in" in msg
            assert "Too many people counted" in was
        else:
            assert msg.startswith("已撤销") and f"本场现已入场 {after['checked_in']} 人" in msg
            assert "人数点多了" in was
        _one_language(page, lang)
        _fits(page, width)
        page.evaluate("() => window.scrollTo(0, 0)")
        page.screenshot(path=str(screenshots / f"supervise-undone-{tag}.png"), full_page=True)
        ctx.close()
    assert attendance(urls, tokens["supervisor"], aid)["undone"] == 2 + 3 + 2 + 3


def test_a_steward_cannot_search_past_admissions(stack, urls, tokens, browser):
    r = requests.get(f"{urls['checkin']}/api/v1/admissions", headers=bearer(tokens["east"]), timeout=10)
    assert (r.status_code, r.json()["reason"]) == (403, "forbidden")
    ctx, page = _page(browser, "zh-CN", 390, 844, True)
    _sign_in(page, f"{urls['checkin']}/supervise", tokens["east"])
    page.wait_for_function("() => document.querySelector('#search-msg').textContent.includes('主管令牌')")
    assert page.locator("#search-form").is_hidden() and page.locator("#results li").count() == 0
    _fits(page, 390)
    ctx.close()


# -- the standby desk -----------------------------------------------------------------------------


def _standby(urls, organizer_token, stack_settings, aid) -> StandbyStore:
    """Two parties (4 and 3) who never came, six walk-ins waiting, the seats released: 7 free."""
    make_activity(
        urls, organizer_token, aid, capacity=20, title={"zh": "巨幕·现场候补", "en": "IMAX standby"}
    )
    for i, party in enumerate([4, 3]):
        register(urls, aid, f"1370002700{i}", party)
    store = StandbyStore(connect(stack_settings.redis_url), stack_settings)
    wait_for(lambda: len(store.redis.hkeys(store.projection.regs_key(aid))) == 2, what="projection")
    for i, party in enumerate([2, 4, 2, 1]):
        entry = {
            "party_size": party,
            "phone_masked": f"139****00{i}{i}",
            "phone_sealed": f"SX1.notify.1.p{i}",
        }
        store.join(aid, f"{aid}-h{i}", {**entry, "locale": "zh-CN"})
    assert store.release(aid, "2026-01-01T00:00:00+08:00")["released"] == 7  # the step itself
    return store


def _call(page):
    before = page.locator("#desk-msg").inner_text()
    page.locator("#call").click()
    page.wait_for_function("(b) => document.querySelector('#desk-msg').textContent !== b", arg=before)
    return page.locator("#desk-msg").inner_text()


@pytest.mark.parametrize("lang", ["zh-CN", "en"])
def test_the_standby_desk_calls_the_next_that_fits_and_shows_who_came_in(
    stack, urls, organizer_token, stack_settings, tokens, browser, screenshots, lang
):
    aid = f"sv-sb-{lang.lower()}"
    _standby(urls, organizer_token, stack_settings, aid)
    steward = create_token(
        connect(stack_settings.redis_url), stack_settings.redis_prefix, "steward", "候补台", VENUE
    )
    (_, width, height, phone), (_, wide, tall, _p) = [v for v in VIEWS if v[0] == lang]
    ctx, page = _page(browser, lang, width, height, phone)
    _sign_in(page, f"{urls['checkin']}/standby-desk?lang={lang}&activity={aid}", steward, "西门")
    page.wait_for_function("() => document.querySelector('#seats-free').textContent === '7'")
    said = [_call(page), _call(page)]  # 2 people, then 4: one seat left
    third = _call(page)  # number 3 (2 people) does not fit one seat; number 4 (1) does
    fourth = _call(page)
    if lang == "en":
        assert said[0].startswith("Called number 1 (2 people)") and said[1].startswith(
            "Called number 2 (4 people)"
        )
        assert third.startswith("Called number 4 (1 person)") and fourth == "No free seats to give"
    else:
        assert said[0].startswith("已叫 1 号（2 人）") and said[1].startswith("已叫 2 号（4 人）")
        assert third.startswith("已叫 4 号（1 人）") and fourth == "暂无空余座位"
    page.locator("#entries li[data-number='1'] button").click()  # number 1 comes in here
    page.wait_for_function(
        "() => document.querySelector(\"#entries li[data-number='1']\").dataset.status === 'admitted'"
    )
    r = requests.post(  # number 2 comes in by its number at the east gate (the scanner's step)
        f"{urls['checkin']}/api/v1/activities/{aid}/standby/admissions",
        json={"number": 2, "gate": "东门"},
        headers=bearer(tokens["east"]),
        timeout=10,
    )
    assert r.status_code == 201, r.text
    page.wait_for_function(
        "() => document.querySelector(\"#entries li[data-number='2']\").dataset.status === 'admitted'"
    )
    states = page.locator("#entries li").evaluate_all("(els) => els.map((e) => e.dataset.status)")
    assert states == ["admitted", "admitted", "waiting", "called"]
    assert page.locator("#admitted").inner_text() == "6" and page.locator("#waiting").inner_text() == "1"
    text = page.locator("#entries").inner_text()
    assert "西门" in text and "东门" in text and "139****0000" in text and "SX1" not in page.content()
    _one_language(page, lang)
    _fits(page, width)
    page.screenshot(path=str(screenshots / f"standby-desk-{lang}-{width}.png"), full_page=True)
    ctx.close()
    ctx, page = _page(browser, lang, wide, tall, False)  # the same list on a desk's screen
    _sign_in(page, f"{urls['checkin']}/standby-desk?lang={lang}&activity={aid}", steward, "西门")
    page.wait_for_function("() => document.querySelectorAll('#entries li').length === 4")
    _fits(page, wide)
    page.screenshot(path=str(screenshots / f"standby-desk-{lang}-{wide}.png"), full_page=True)
    ctx.close()
