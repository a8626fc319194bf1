"""Issue 29's journey in real Chromium: a steward books a walk-in (no phone) from the window's kept
seats while online booking is sold out, and prints the ticket on 58 mm and 80 mm paper.  Phone
(360 px) in Chinese and desktop (1280×800) in English; screenshots in var/screenshots."""

from __future__ import annotations

import pytest
import requests

from shared.auth import create_token
from shared.redis_scripts import connect
from tests.conftest import activity_doc

CASES = [
    ("zh", {"width": 360, "height": 740}, "zh-CN"),
    ("en", {"width": 1280, "height": 800}, "en"),
    ("en", {"width": 360, "height": 740}, "en"),
    ("zh", {"width": 1280, "height": 800}, "zh-CN"),
]
PAPER_PX = {"58": 220, "80": 300}  # about the paper's width at 96 px an inch


@pytest.fixture(scope="module")
def steward_token(stack_settings):
    return create_token(
        connect(stack_settings.redis_url), stack_settings.redis_prefix, "steward", "窗口王", "ln-stm"
    )


def activity(base: str, organizer_token: str, aid: str) -> None:
    doc = activity_doc(aid, capacity=3, waitlist={"enabled": False}, quotas={"window": {"seats": 2}})
    doc["title"] = {"zh": "窗口预约测试专场", "en": "Window booking screening"}
    r = requests.post(
        f"{base}/api/v1/activities",
        json=doc,
        headers={"Authorization": f"Bearer {organizer_token}"},
        timeout=10,
    )
    assert r.status_code == 201, r.text
    body = {"name": "张三", "phone": "13900000001", "party_size": 1, "organization": "沈阳分院"}
    assert (
        requests.post(f"{base}/api/v1/activities/{aid}/registrations", json=body, timeout=10).status_code
        == 201
    )
    body["phone"] = "13900000002"
    full = requests.post(f"{base}/api/v1/activities/{aid}/registrations", json=body, timeout=10)
    assert full.status_code == 409 and full.json()["reason"] == "sold_out"  # online cannot take the quota


def fill_walk_in(page, token: str, aid: str) -> None:
    """On the window page: sign in, pick the activity (two seats kept), fill in 李大爷, party of 1."""
    page.fill("#window-token", token)
    page.click("#window-login button[type=submit]")
    page.wait_for_selector("#window-desk:not([hidden])")
    page.select_option("#window-activity", aid)
    page.wait_for_function("() => document.querySelector('#window-seats').textContent.includes('2')")
    page.fill("#window-name", "李大爷")
    page.fill("#window-organization", "沈阳分院")
    page.fill("#window-party", "1")
    page.check("#window-consent")


@pytest.mark.parametrize(("lang", "viewport", "locale"), CASES)
def test_a_steward_books_a_walk_in_from_the_window_quota_and_prints_the_ticket(
    browser, urls, organizer_token, steward_token, screenshots, lang, viewport, locale
):
    base, aid, tag = (
        urls["registration"],
        f"win-e2e-{lang}-{viewport['width']}",
        f"{lang}-{viewport['width']}",
    )
    activity(base, organizer_token, aid)
    ctx = browser.new_context(viewport=viewport, locale=locale)
    page = ctx.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    suffix = "?lang=en" if lang == "en" else ""
    page.goto(f"{base}/staff/window{suffix}")
    fill_walk_in(page, steward_token, aid)
    page.screenshot(path=str(screenshots / f"window-form-{tag}.png"), full_page=True)
    page.click("#window-book")
    page.wait_for_selector("#window-done:not([hidden]), #window-error:not([hidden])")
    assert page.locator("#window-error").is_hidden(), page.locator("#window-error").inner_text()
    said = page.locator("#window-done-text").inner_text()
    assert ("李大爷" in said) and (("Booked" in said) if lang == "en" else ("已预约" in said))
    page.screenshot(path=str(screenshots / f"window-booked-{tag}.png"), full_page=True)
    href = page.locator("#window-print-58").get_attribute("href")
    seats = requests.get(
        f"{base}/api/v1/activities/{aid}/window",
        headers={"Authorization": f"Bearer {steward_token}"},
        timeout=10,
    ).json()
    assert (seats["window_left"], seats["seats_open"]) == (1, 0)
    for paper, width in PAPER_PX.items():
        slip = ctx.new_page()
        slip.set_viewport_size({"width": width, "height": 700})
        slip.goto(href.replace("paper=58", f"paper={paper}"))
        slip.wait_for_function(
            "() => { const i = document.querySelector('.slip-qr'); return i && i.naturalWidth > 0; }"
        )
        text = slip.locator(".slip").inner_text()
        assert "李**" in text and "李大爷" not in text
        assert slip.evaluate("() => document.documentElement.scrollWidth") <= width  # nothing cut off
        slip.screenshot(path=str(screenshots / f"window-ticket-{paper}mm-{tag}.png"), full_page=True)
        slip.close()
    assert errors == []
    ctx.close()


def test_an_organizer_sets_the_window_quota_on_the_activity_form(browser, urls, organizer_token, screenshots):
    base, aid = urls["registration"], "win-e2e-form"
    activity(base, organizer_token, aid)
    ctx = browser.new_context(viewport={"width": 1280, "height": 800}, locale="zh-CN")
    page = ctx.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.goto(f"{base}/organizer")
    page.fill("#token", organizer_token)
    page.get_by_role("button", name="登录").click()
    page.wait_for_selector("#board:not([hidden])")
    page.locator(f"#activity-list tbody tr[data-id='{aid}'] button").first.click()
    page.wait_for_selector("#manage:not([hidden])")
    page.click("#edit-activity")
    page.wait_for_function("() => document.getElementById('f-quota_window').value === '2'")
    page.fill("#f-quota_window", "9")  # above the capacity (3): refused inline
    page.click("#save-activity")
    page.wait_for_function("() => document.querySelector('[data-error-for=quotas]').textContent.length > 0")
    page.locator("#quota-seats").screenshot(path=str(screenshots / "window-organizer-quota-refused.png"))
    page.fill("#f-quota_window", "1")
    page.click("#save-activity")
    page.wait_for_selector("#editor", state="hidden")
    act = requests.get(f"{base}/api/v1/activities/{aid}", timeout=5).json()
    assert act["quotas"] == {"window": {"seats": 1}}
    assert act["seats_left"] == 1  # capacity 3, one booked online, one kept for the window
    assert errors == []
    ctx.close()
