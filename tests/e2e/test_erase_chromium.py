"""Erasing my data from 我的报名 in real Chromium at 360 px, in Chinese and in English (issue 16):
the link on the list, the confirmation page that says what goes and what stays, then the list
without it and a banner saying so."""

from __future__ import annotations

import pytest
import requests

from services.registration.access.api import COOKIE
from tests.e2e.test_fair_chromium import _no_sideways_scroll, narrow, site
from tests.fair_support import bearer, member, seed_session

TEXT = {
    "zh-CN": {
        "erase": "删除我的报名信息",
        "confirm": "确认删除",
        "warn": "删除会同时取消报名",
        "done": "已删除",
    },
    "en": {
        "erase": "Erase my data",
        "confirm": "Erase my data",
        "warn": "erasing also cancels it",
        "done": "was erased",
    },
}


@pytest.mark.parametrize("narrow", ["zh-CN", "en"], indirect=True)
def test_a_registrant_erases_their_data_from_my_registrations_at_360px(
    site, narrow, settings, redis, screenshots
):
    locale, ctx = narrow
    text, lang, tag = TEXT[locale], ("en" if locale == "en" else "zh-CN"), locale.lower()
    phone = "13912345670" if locale == "en" else "13812345670"
    token = seed_session(redis, settings.redis_prefix, phone)
    body = {"name": "王小明", "party_size": 1, "members": [member(300 + (locale == "en"), "王小明")]}
    r = requests.post(
        f"{site['base']}/api/v1/activities/imax-rn/registrations", json=body, headers=bearer(token), timeout=5
    )
    assert r.status_code == 201, r.text
    rid = r.json()["registration_id"]
    ctx.add_cookies([{"name": COOKIE, "value": token, "url": site["base"]}])
    page = ctx.new_page()
    page.goto(f"{site['base']}/me?lang={lang}")
    page.get_by_role("link", name=text["erase"]).click()
    page.wait_for_url(f"**/me/{rid}/erase*")
    assert text["warn"] in page.content()  # still confirmed: erasing cancels it too
    _no_sideways_scroll(page)
    page.screenshot(path=str(screenshots / f"erase-confirm-{tag}.png"), full_page=True)

    page.get_by_role("button", name=text["confirm"]).click()
    page.wait_for_url("**/me?erased=1*")
    assert text["done"] in page.locator("[role=status]").inner_text()
    assert rid not in page.content()
    _no_sideways_scroll(page)
    page.screenshot(path=str(screenshots / f"erase-done-{tag}.png"), full_page=True)
    mine = requests.get(f"{site['base']}/api/v1/me/registrations", headers=bearer(token), timeout=5).json()
    assert mine["registrations"] == []
