"""Issue 29 item 6 in real Chromium, phone (360 wide) and desktop (1280x800), zh-CN and en: the
form of an activity with wheelchair places offers "需要轮椅位 / I need a wheelchair place" with
how many places are left; a party of two books one wheelchair place and a companion seat; the
ticket shows the wheelchair place, and the form then shows one place fewer."""

from __future__ import annotations

import pytest
import requests

from services.registration.access.api import COOKIE
from tests.e2e.test_fair_chromium import _serve
from tests.fair_support import seed_session

AID = "imax-wheel"
TEXT = {
    "zh-CN": {
        "option": "需要轮椅位",
        "left": ("轮椅位余 2 个", "轮椅位余 1 个"),
        "ticket": "♿ 1 个轮椅位 · 1 个陪同座",
        "name": "王芳",
    },
    "en": {
        "option": "I need a wheelchair place",
        "left": ("Wheelchair places left: 2", "Wheelchair places left: 1"),
        "ticket": "♿ 1 wheelchair place · 1 companion seat",
        "name": "Wang Fang",
    },
}
VIEWS = [(360, "zh-CN"), (360, "en"), (1280, "zh-CN")]


@pytest.fixture
def site(settings, redis):
    from services.registration.app import create_app
    from shared.auth import create_token
    from tests.conftest import activity_doc

    s = settings.with_overrides(require_verified_phone=1, rate_limit_ip_per_min=0)
    reg = _serve(create_app(s, redis_client=redis))
    base = f"http://127.0.0.1:{reg.server_port}"
    org = {"Authorization": "Bearer " + create_token(redis, s.redis_prefix, "organizer", "t")}
    doc = activity_doc(AID, audience="public", capacity=10,
                       quotas={"wheelchair": {"seats": 2}, "companion": {"seats": 2}})  # fmt: skip
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
def test_a_wheelchair_user_books_a_place_and_a_companion_seat(site, view, redis, screenshots):
    width, locale, ctx = view
    text, tag, k = TEXT[locale], f"{width}-{locale.lower()}", VIEWS.index((width, locale))
    phone = f"1380002{k:04d}"
    ctx.add_cookies(
        [{"name": COOKIE, "value": seed_session(redis, site["prefix"], phone), "url": site["base"]}]
    )
    page = ctx.new_page()
    page.goto(f"{site['base']}/a/{AID}?lang={'en' if locale == 'en' else 'zh-CN'}")
    box = page.locator("#accessible")
    assert text["option"] in box.inner_text() and text["left"][0] in box.inner_text()
    target = page.locator("label:has(#f-need_wheelchair)").bounding_box()
    assert target and target["height"] >= 24  # the whole line is the tap target, not the small box
    page.fill("#f-name", text["name"])
    page.select_option("#f-party_size", "2")
    page.check("#f-need_wheelchair")
    page.check("#f-companion")
    _fits(page, width)
    page.screenshot(path=str(screenshots / f"accessible-form-{tag}.png"), full_page=True)
    page.check("input[name=consent]")
    page.locator("form.form button[type=submit]").click()
    page.wait_for_url("**/t/**")
    assert page.locator("#wheelchair-place").inner_text().strip() == text["ticket"]
    _fits(page, width)
    page.screenshot(path=str(screenshots / f"accessible-ticket-{tag}.png"), full_page=True)
    page.goto(f"{site['base']}/a/{AID}?lang={'en' if locale == 'en' else 'zh-CN'}")
    assert text["left"][1] in page.locator("#accessible-left").inner_text()
