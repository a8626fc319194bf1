"""Issue 23 in real Chromium at 360 px, zh-CN and en: a passport asks for its issuing country
(shown only for a passport), a made-up Chinese passport number is refused on its field, and a
made-up resident ID number that the local real-name authority does not know is refused on its
member; the real ones register.  The registration app runs on a real HTTP server in this process
against the session's Redis and the local real-name stand-in (tests/conftest.py)."""

from __future__ import annotations

import pytest
import requests

from services.registration.access.api import COOKIE
from tests.e2e.test_fair_chromium import _no_sideways_scroll, _serve, narrow
from tests.fair_support import seed_session
from tests.integration.test_identity_findings import MADE_UP, REAL

TEXT = {
    "zh-CN": {
        "register": "提交报名",
        "format": "证件号码格式不正确",
        "unconfirmed": "姓名与证件号码未通过实名核验，请核对",
        "done": "报名成功",
    },
    "en": {
        "register": "Register",
        "format": "The number does not have this document's format.",
        "unconfirmed": "The real-name check did not confirm this name and number; check them.",
        "done": "You are registered",
    },
}


@pytest.fixture
def site(settings, redis):
    from services.registration.app import create_app
    from shared.auth import create_token
    from tests.conftest import activity_doc

    s = settings.with_overrides(require_verified_phone=1, rate_limit_ip_per_min=0)
    reg = _serve(create_app(s, redis_client=redis))
    base = f"http://127.0.0.1:{reg.server_port}"
    org = {"Authorization": "Bearer " + create_token(redis, s.redis_prefix, "organizer", "t")}
    doc = activity_doc("imax-id", real_name=True, audience="public", max_party_size=2)
    assert requests.post(f"{base}/api/v1/activities", json=doc, headers=org, timeout=5).status_code == 201
    yield {"base": base, "prefix": s.redis_prefix}
    reg.shutdown()


def submit(page, text):
    page.check("input[name=consent]")
    page.get_by_role("button", name=text["register"]).click()
    page.wait_for_load_state()


@pytest.mark.parametrize("narrow", ["zh-CN", "en"], indirect=True)
def test_passport_country_and_made_up_numbers_at_360px(site, narrow, redis, screenshots):
    locale, ctx = narrow
    text, lang, tag = TEXT[locale], ("en" if locale == "en" else "zh-CN"), locale.lower()
    phone = "13912340001" if locale == "en" else "13812340001"
    token = seed_session(redis, site["prefix"], phone)
    ctx.add_cookies([{"name": COOKIE, "value": token, "url": site["base"]}])
    page = ctx.new_page()
    page.goto(f"{site['base']}/a/imax-id?lang={lang}")
    country = page.locator("#f-m0_nationality")
    assert not country.is_visible()  # a resident ID: no country asked
    page.fill("#f-m0_name", "李华")
    page.select_option("#f-m0_id_type", "passport")
    assert country.is_visible() and page.locator("datalist#countries option[value=CHN]").count() == 1
    page.fill("#f-m0_id_number", "ZZ00001")
    page.fill("#f-m0_nationality", "chn")
    _no_sideways_scroll(page)
    page.screenshot(path=str(screenshots / f"identity-passport-{tag}.png"), full_page=True)
    submit(page, text)
    member = page.locator("fieldset.member").first
    assert text["format"] in member.inner_text()
    assert page.locator("#f-m0_nationality").is_visible()  # the choice survives the answer

    # a made-up resident ID with the same ends as a real one: unknown to the authority
    page.select_option("#f-m0_id_type", "resident_id")
    page.fill("#f-m0_name", "王芳")
    page.fill("#f-m0_id_number", MADE_UP)
    submit(page, text)
    assert text["unconfirmed"] in page.locator("fieldset.member").first.inner_text()
    _no_sideways_scroll(page)
    page.screenshot(path=str(screenshots / f"identity-unconfirmed-{tag}.png"), full_page=True)

    number = REAL if locale == "zh-CN" else "E12345678"
    if locale == "en":  # the passport the authority knows, under its country
        page.select_option("#f-m0_id_type", "passport")
        page.fill("#f-m0_name", "李华")
        page.fill("#f-m0_nationality", "CHN")
    page.fill("#f-m0_id_number", number)
    submit(page, text)
    page.wait_for_url("**/t/**")
    assert text["done"] in page.content()
