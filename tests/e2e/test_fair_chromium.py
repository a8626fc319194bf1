"""Fair access in real Chromium at 360 px, in Chinese and in English: verify the phone with the
code the local SMS gateway page shows (as a `make run` user does), register a real-name party
with the ID check digit checked as it is typed, find the ticket again in 我的报名.

The registration and notify apps run on real HTTP servers in this process (verification on,
which the shared e2e stack leaves off for the older suites), against the session's real Redis.
"""

from __future__ import annotations

import re
import threading

import pytest
import requests
from werkzeug.serving import make_server

from services.notify.app import create_app as notify_app
from services.registration.app import create_app as registration_app
from shared.auth import create_token
from standins.sms_gateway import LocalGateway
from tests.conftest import activity_doc
from tests.fair_support import resident_id

TEXT = {
    "zh-CN": {
        "get_code": "获取验证码",
        "send": "获取短信验证码",
        "verify": "验证",
        "register": "提交报名",
        "bad_check": "校验位不正确，请核对号码",
        "ok_check": "校验位正确",
        "done": "报名成功",
        "mine": "我的报名",
    },
    "en": {
        "get_code": "Get a code",
        "send": "Send me a code",
        "verify": "Verify",
        "register": "Register",
        "bad_check": "The check digit does not match; check the number",
        "ok_check": "Check digit OK",
        "done": "You are registered",
        "mine": "My registrations",
    },
}


def _serve(app):
    server = make_server("127.0.0.1", 0, app, threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


@pytest.fixture
def site(settings, redis):
    gw = LocalGateway().start()
    s = settings.with_overrides(
        require_verified_phone=1, sms_gateway_url=gw.url, notify_sms_per_s=0, rate_limit_ip_per_min=0
    )
    notify = _serve(notify_app(s, redis_client=redis))
    s = s.with_overrides(notify_url=f"http://127.0.0.1:{notify.server_port}")
    reg = _serve(registration_app(s, redis_client=redis))
    base = f"http://127.0.0.1:{reg.server_port}"
    org = {"Authorization": "Bearer " + create_token(redis, s.redis_prefix, "organizer", "t")}
    doc = activity_doc(
        "imax-rn",
        real_name=True,
        audience="public",
        title={"zh": "巨幕影院·实名专场", "en": "IMAX real-name screening"},
    )
    assert requests.post(f"{base}/api/v1/activities", json=doc, headers=org, timeout=5).status_code == 201
    yield {"base": base, "gateway": f"http://127.0.0.1:{gw.port}/"}
    reg.shutdown()
    notify.shutdown()
    gw.stop()


@pytest.fixture
def narrow(browser, request):
    """360 CSS px wide, the narrowest common Android phone."""
    locale = request.param
    ctx = browser.new_context(
        viewport={"width": 360, "height": 780},
        device_scale_factor=2,
        is_mobile=True,
        has_touch=True,
        locale=locale,
    )
    yield locale, ctx
    ctx.close()


def _no_sideways_scroll(page):
    assert page.evaluate("document.scrollingElement.scrollWidth") <= 360


@pytest.mark.parametrize("narrow", ["zh-CN", "en"], indirect=True)
def test_verify_register_and_find_the_ticket_at_360px(site, narrow, screenshots):
    locale, ctx = narrow
    text, lang, tag = TEXT[locale], ("en" if locale == "en" else "zh-CN"), locale.lower()
    page = ctx.new_page()
    page.goto(f"{site['base']}/a/imax-rn?lang={lang}")
    page.get_by_role("link", name=text["get_code"]).click()
    page.wait_for_url("**/login?next=/a/imax-rn")
    assert page.get_attribute("#f-phone", "inputmode") == "numeric"
    phone = "13912345678" if locale == "en" else "13812345678"
    page.fill("#f-phone", f"+86 {phone[:3]} {phone[3:7]} {phone[7:]}")  # typed as people do
    page.get_by_role("button", name=text["send"]).click()
    page.wait_for_selector("#f-code")
    _no_sideways_scroll(page)
    page.screenshot(path=str(screenshots / f"fair-code-{tag}.png"), full_page=True)

    # The person reads the code where a `make run` user does: the local SMS gateway page.
    sms = ctx.new_page()
    sms.goto(site["gateway"])
    row = sms.locator("tr", has_text=phone[-4:]).last.inner_text()
    code = re.search(r"(?<![0-9])([0-9]{6})(?![0-9])", row).group(1)
    sms.close()
    page.fill("#f-code", code)
    page.get_by_role("button", name=text["verify"], exact=True).click()
    page.wait_for_url("**/a/imax-rn*")
    assert "****" in page.locator(".verified").inner_text()

    # Member 1: a check digit typed wrong is flagged while typing, in the person's language.
    good = resident_id(100 + (locale == "en"))
    bad = good[:-1] + ("1" if good[-1] != "1" else "2")
    page.fill("#f-m0_name", "Li Lei" if locale == "en" else "李雷")
    page.locator("#f-m0_id_number").press_sequentially(bad)
    page.locator("#f-m0_id_number").blur()
    hint = page.locator("fieldset.member").first.locator("[data-idhint]")
    assert hint.inner_text() == text["bad_check"]
    _no_sideways_scroll(page)
    page.screenshot(path=str(screenshots / f"fair-form-bad-id-{tag}.png"), full_page=True)
    page.fill("#f-m0_id_number", "")
    page.locator("#f-m0_id_number").press_sequentially(good)
    page.locator("#f-m0_id_number").blur()
    assert hint.inner_text() == text["ok_check"]
    # Member 2: a child without an ID, under the guardian.
    page.select_option("#f-party_size", "2")  # issue 26: the party's size shows its fieldsets
    page.fill("#f-m1_name", "Li Xiaomei" if locale == "en" else "李小梅")
    page.select_option("#f-m1_id_type", "none")
    page.fill("#f-m1_birth_date", "2019-05-01")
    page.check("input[name=consent]")  # the notice and consent (issue 16)
    page.get_by_role("button", name=text["register"]).click()
    page.wait_for_url("**/t/**")
    assert text["done"] in page.content()
    page.screenshot(path=str(screenshots / f"fair-ticket-{tag}.png"), full_page=True)

    page.goto(f"{site['base']}/me?lang={lang}")
    assert page.locator("h1").inner_text() == text["mine"]
    assert "1101**********" + good[-4:] in page.content() and good not in page.content()
    _no_sideways_scroll(page)
    page.screenshot(path=str(screenshots / f"fair-mine-{tag}.png"), full_page=True)
