"""Issue 26 item 4 in Chromium against the running stack (phone 360 and 390, desktop 1280; zh-CN
and en): 我的报名's cancel asks first; a cancellation within the late hours says it counts as a
no-show with the marks now and after; once confirmed, the no-show worker marks it, 我的报名 warns
at the mark before a lock and one warning SMS reaches the phone; with the lock, the activity page
tells it and its end before the form."""

from __future__ import annotations

import re
from datetime import datetime

import pytest
import requests

from services.registration.noshow import record as noshow
from services.registration.noshow.store import NoShowStore
from shared import keyfile
from shared.redis_scripts import connect
from tests.conftest import activity_doc, wait_for
from tests.e2e.test_door import TZ
from tests.e2e.test_standby_join_chromium import english_only, sms_to, verify_phone
from tests.integration.test_checkin_api import soon

CASES = [
    ("zh-CN", {"width": 360, "height": 740}, "13900007731"),
    ("en", {"width": 390, "height": 844}, "13900007732"),
    ("zh-CN", {"width": 1280, "height": 800}, "13900007733"),
    ("en", {"width": 1280, "height": 800}, "13900007734"),
]


@pytest.fixture(scope="module")
def activities(urls, organizer_token):
    org = {"Authorization": f"Bearer {organizer_token}"}
    ids = {"late": "fam-late-e2e", "far": "fam-far-e2e", "next": "fam-next-e2e"}
    docs = [soon(ids["late"], capacity=50), activity_doc(ids["far"]), activity_doc(ids["next"])]
    for doc in docs:  # "late" starts in 30 minutes: cancelling it now counts as a no-show
        r = requests.post(f"{urls['registration']}/api/v1/activities", json=doc, headers=org, timeout=10)
        assert r.status_code == 201, r.text
    return ids


def book(urls, aid: str, phone: str, lang: str) -> str:
    r = requests.post(
        f"{urls['registration']}/api/v1/activities/{aid}/registrations",
        json={"name": "王家长", "phone": phone, "party_size": 2, "organization": "科学院", "locale": lang},
        timeout=10,
    )
    assert r.status_code == 201, r.text
    return r.json()["registration_id"]


def shot(page, screenshots, name: str, lang: str, viewport: dict) -> None:
    page.screenshot(path=str(screenshots / f"family-{name}-{lang}-{viewport['width']}.png"), full_page=True)


def fits(page, viewport: dict) -> None:
    assert page.evaluate("() => document.documentElement.scrollWidth") <= viewport["width"]


@pytest.mark.parametrize(("lang", "viewport", "phone"), CASES)
def test_a_late_cancel_warns_with_the_marks_then_my_registrations_warns_then_the_lock_shows_before_the_form(
    browser, stack, stack_settings, urls, activities, screenshots, lang, viewport, phone
):
    s = stack_settings
    record, policy = NoShowStore(connect(s.redis_url), s), noshow.Policy.from_settings(s)
    holder = "phone:" + noshow.identity_hash(keyfile.noshow_pepper(s), phone)
    now = datetime.now(TZ).timestamp()
    earlier = noshow.Mark(
        f"fam-{phone}-0:0", holder, f"fam-{phone}-0", activities["far"], "not_admitted", now - 20 * 86400
    )
    assert noshow.record_marks(record, [earlier], policy)  # one no-show already on record
    late, far = book(urls, activities["late"], phone, lang), book(urls, activities["far"], phone, lang)
    ctx = browser.new_context(
        viewport=viewport, locale=lang, device_scale_factor=2, is_mobile=viewport["width"] < 800
    )
    page = ctx.new_page()
    page.goto(f"{urls['registration']}/login?next=/me&lang={lang}")
    verify_phone(page, stack, phone)
    page.wait_for_url(re.compile("/me$"))
    # Far from the start: the cancel asks first, says nothing of no-shows, and going back changes nothing.
    page.locator(f"form[action='/me/{far}/cancel'] button").click()
    page.wait_for_url(re.compile(f"/me/{far}/cancel$"))
    text = page.locator("main").inner_text()
    assert ("all 2 people" in text) if lang == "en" else ("全部 2 人" in text), text
    assert page.locator("#noshow-late").count() == 0
    fits(page, viewport)
    shot(page, screenshots, "cancel-confirm", lang, viewport)
    page.locator("a.button.secondary").click()
    page.wait_for_url(re.compile("/me$"))
    assert page.locator(f"form[action='/me/{far}/cancel']").count() == 1  # still booked
    # Thirty minutes before the start: the cancel says it counts, with the mark on record and after.
    page.locator(f"form[action='/me/{late}/cancel'] button").click()
    page.wait_for_url(re.compile(f"/me/{late}/cancel$"))
    warning = page.locator("#noshow-late").inner_text()
    if lang == "en":
        assert "counts as a no-show" in warning and "now: 1 of 3" in warning and "cancellation: 2" in warning
        assert "did not come" in warning and english_only(
            page.locator("main").inner_text().replace("巨幕影院", "")
        )
    else:
        assert "计为一次爽约" in warning and "现有爽约记录 1 次" in warning and "取消后将为 2 次" in warning
        assert "未到场" in warning
    fits(page, viewport)
    shot(page, screenshots, "late-cancel-warning", lang, viewport)
    page.locator("form button.danger").click()
    page.wait_for_url(re.compile("/me$"))

    # The no-show worker marks the late cancellation; 我的报名 then warns, and one SMS says so.
    def warned():
        page.reload()
        return page.locator("#noshow-warning").count() == 1

    wait_for(warned, timeout=30, what="我的报名's warning at the mark before a lock")
    said = page.locator("#noshow-warning").inner_text()
    assert (
        ("One more pauses registering for 60 days" in said)
        if lang == "en"
        else ("再有 1 次将暂停报名 60 天" in said)
    )
    fits(page, viewport)
    shot(page, screenshots, "me-warning", lang, viewport)
    marker = "no-shows on record" if lang == "en" else "爽约记录已有2次"
    texts = wait_for(
        lambda: [m for m in sms_to(stack, phone) if marker in m["text"]], timeout=30, what="the SMS"
    )
    assert len(texts) == 1
    # A third mark locks: the activity page says so, with the end, before the form.
    third = noshow.Mark(
        f"fam-{phone}-9:0", holder, f"fam-{phone}-9", activities["far"], "not_admitted", now - 86400
    )
    assert noshow.record_marks(record, [third], policy)
    page.goto(f"{urls['registration']}/a/{activities['next']}?lang={lang}")
    lock = page.locator("#noshow-lock")
    told = lock.inner_text()
    assert ("you cannot register until" in told) if lang == "en" else ("报名已暂停至" in told), told
    form = page.locator("form.form")
    if form.count():
        assert lock.bounding_box()["y"] < form.bounding_box()["y"]
    fits(page, viewport)
    shot(page, screenshots, "lock-before-form", lang, viewport)
    ctx.close()
