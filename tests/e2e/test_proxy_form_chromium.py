"""代预约 (issue 29 item 3) in real Chromium, phone (360 wide) and desktop (1280x800), zh-CN and en:
a verified helper ticks "为他人预约 / Book for someone else" on a real-name activity's form, which
then asks for the person's mobile and names the first member as the person booked for; the
ticket is in that person's name, and the helper's 我的报名 lists it as booked for someone else.
A phone at its cap (SCIDAY_PROXY_MAX_PERSONS_PER_FESTIVAL, 1 here) is told so above the form."""

from __future__ import annotations

import pytest
import requests

from services.registration.access.api import COOKIE
from tests.e2e.test_fair_chromium import _serve
from tests.fair_support import resident_id, seed_session

AID = "talk-proxy"
TEXT = {
    "zh-CN": {
        "tick": "为他人预约",
        "first": "（您代约的人）",
        "you": "（本人）",
        "done": "报名成功",
        "mine": "为他人预约",
        "name": "王建国",
    },
    "en": {
        "tick": "Book for someone else",
        "first": " (the person you book for)",
        "you": " (you)",
        "done": "You are registered",
        "mine": "Booked for someone else",
        "name": "Wang Jianguo",
    },
}
VIEWS = [(360, "zh-CN"), (360, "en"), (1280, "zh-CN")]


@pytest.fixture
def site(settings, redis):
    from services.registration.app import create_app
    from shared.auth import create_token
    from tests.conftest import activity_doc

    s = settings.with_overrides(
        require_verified_phone=1, rate_limit_ip_per_min=0, proxy_max_persons_per_festival=1
    )
    reg = _serve(create_app(s, redis_client=redis))
    base = f"http://127.0.0.1:{reg.server_port}"
    org = {"Authorization": "Bearer " + create_token(redis, s.redis_prefix, "organizer", "t")}
    doc = activity_doc(AID, real_name=True, audience="public", max_party_size=4, capacity=40)
    assert requests.post(f"{base}/api/v1/activities", json=doc, headers=org, timeout=5).status_code == 201
    yield {"base": base, "prefix": s.redis_prefix}
    reg.shutdown()


@pytest.fixture
def view(browser, request):
    width, locale = request.param
    phone = width < 1000
    ctx = browser.new_context(
        viewport={"width": width, "height": 844 if phone else 800},
        device_scale_factor=2 if phone else 1,
        is_mobile=phone,
        has_touch=phone,
        locale=locale,
    )
    yield width, locale, ctx
    ctx.close()


def _fits(page, width: int) -> None:
    assert page.evaluate("() => document.scrollingElement.scrollWidth") <= width


@pytest.mark.parametrize("view", VIEWS, indirect=True, ids=[f"{w}-{lo}" for w, lo in VIEWS])
def test_a_helper_books_for_grandpa_and_keeps_it_in_my_registrations(site, view, redis, screenshots):
    width, locale, ctx = view
    text, tag, k = TEXT[locale], f"{width}-{locale.lower()}", VIEWS.index((width, locale))
    helper = seed_session(redis, site["prefix"], f"1380001{k:04d}")
    ctx.add_cookies([{"name": COOKIE, "value": helper, "url": site["base"]}])
    page = ctx.new_page()
    page.goto(f"{site['base']}/a/{AID}?lang={'en' if locale == 'en' else 'zh-CN'}")
    tick = page.locator("#f-for_someone_else")
    assert text["tick"] in page.locator("label.big-check").inner_text()
    assert not page.locator("#f-attendee_phone").is_visible()  # only once it is ticked
    assert page.locator("fieldset.member[data-member='0'] legend").inner_text().endswith(text["you"])
    box = page.locator("label.big-check").bounding_box()
    assert box and box["height"] >= 44  # a target older fingers hit
    _fits(page, width)
    page.screenshot(path=str(screenshots / f"proxy-form-{tag}.png"), full_page=True)

    tick.check()
    assert page.locator("#f-attendee_phone").is_visible()
    assert page.locator("fieldset.member[data-member='0'] legend").inner_text().endswith(text["first"])
    page.fill("#f-attendee_phone", f"1390002{k:04d}")
    page.fill("#f-m0_name", text["name"])
    page.fill("#f-m0_id_number", resident_id(700 + k))
    page.check("input[name=consent]")
    _fits(page, width)
    page.screenshot(path=str(screenshots / f"proxy-form-ticked-{tag}.png"), full_page=True)
    page.locator("form.form button[type=submit]").click()
    page.wait_for_url("**/t/**")
    assert text["done"] in page.content()
    page.screenshot(path=str(screenshots / f"proxy-ticket-{tag}.png"), full_page=True)

    page.goto(f"{site['base']}/me?lang={'en' if locale == 'en' else 'zh-CN'}")
    line = page.locator(".proxy-line").inner_text()
    assert text["mine"] in line and text["name"] in line and f"139****{k:04d}" in line
    _fits(page, width)
    page.screenshot(path=str(screenshots / f"proxy-mine-{tag}.png"), full_page=True)


@pytest.mark.parametrize("view", [(360, "zh-CN")], indirect=True, ids=["360-zh-CN"])
def test_a_phone_at_its_cap_is_told_above_the_form(site, view, redis, screenshots):
    width, _locale, ctx = view
    helper = seed_session(redis, site["prefix"], "13800019999")
    first = {
        "name": "王建国",
        "party_size": 1,
        "members": [{"name": "王建国", "id_type": "resident_id", "id_number": resident_id(790)}],
        "for_someone_else": True,
    }
    r = requests.post(
        f"{site['base']}/api/v1/activities/{AID}/registrations",
        json=first,
        headers={"Authorization": f"Bearer {helper}"},
        timeout=5,
    )
    assert r.status_code == 201, r.text
    ctx.add_cookies([{"name": COOKIE, "value": helper, "url": site["base"]}])
    page = ctx.new_page()
    page.goto(f"{site['base']}/a/{AID}")
    page.check("#f-for_someone_else")
    page.fill("#f-m0_name", "李秀英")
    page.fill("#f-m0_id_number", resident_id(791))
    page.check("input[name=consent]")
    page.locator("form.form button[type=submit]").click()
    page.wait_for_load_state()
    assert "本手机号在本届科学节为他人预约的人数已达上限" in page.locator(".banner.error").inner_text()
    assert page.locator("#f-for_someone_else").is_checked()  # the form keeps what was typed
    _fits(page, width)
    page.screenshot(path=str(screenshots / "proxy-cap-360-zh-cn.png"), full_page=True)
