"""Issue 29 items 2 (a voice code) and WCAG 3.3.8 (a code pasted) in real Chromium, at 360 px and
at 1280x800, in Chinese and in English: the login page's "receive the code by phone call" button,
the call arriving at the local gateway (its page shows the channel and the digits read one by
one), and the code pasted as "382 916" into the code field, which logs the person in.

The registration and notify apps run on real HTTP servers in this process (verification on),
against the session's real Redis: test_fair_chromium.py's ``site``.
"""

from __future__ import annotations

import re

import pytest

from tests.e2e.test_fair_chromium import site

TEXT = {
    "zh-CN": {
        "voice": "接听语音验证码",
        "calling": "正在拨打",
        "label": "电话中播报的验证码",
        "verify": "验证",
    },
    "en": {
        "voice": "Receive the code by phone call",
        "calling": "We are calling",
        "label": "The code read out in the call",
        "verify": "Verify",
    },
}
VIEWS = {"phone": {"width": 360, "height": 780}, "desktop": {"width": 1280, "height": 800}}


@pytest.mark.parametrize("view", ["phone", "desktop"])
@pytest.mark.parametrize("locale", ["zh-CN", "en"])
def test_a_code_by_phone_call_pasted_with_a_space_logs_in(browser, site, screenshots, locale, view):
    ctx = browser.new_context(viewport=VIEWS[view], locale=locale, is_mobile=view == "phone")
    ctx.grant_permissions(["clipboard-read", "clipboard-write"], origin=site["base"])
    text, lang, tag = TEXT[locale], ("en" if locale == "en" else "zh-CN"), f"{locale.lower()}-{view}"
    phone = {"zh-CN": "13812345678", "en": "13912345678"}[locale][:-1] + str(len(view))
    page = ctx.new_page()
    page.goto(f"{site['base']}/login?next=/me&lang={lang}")
    page.fill("#f-phone", phone)
    page.screenshot(path=str(screenshots / f"voice-login-{tag}.png"), full_page=True)
    page.get_by_role("button", name=text["voice"]).click()
    page.wait_for_selector("#f-code")
    assert text["calling"] in page.locator(".banner.ok").inner_text()
    assert page.locator("label[for=f-code]").inner_text() == text["label"]
    field = page.locator("#f-code")
    assert field.get_attribute("autocomplete") == "one-time-code"
    assert field.get_attribute("inputmode") == "numeric" and field.get_attribute("maxlength") is None
    # The call shares the SMS code's cooldown: both ways to ask again wait, with a countdown.
    page.wait_for_selector("[data-call-after]:disabled")
    page.screenshot(path=str(screenshots / f"voice-code-{tag}.png"), full_page=True)
    assert page.evaluate("() => document.scrollingElement.scrollWidth") <= VIEWS[view]["width"]

    # The person listens where a `make run` user does: the local gateway's page shows the call.
    gw = ctx.new_page()
    gw.goto(site["gateway"])
    row = gw.locator("tr.voice", has_text=phone[-4:]).last.inner_text()
    assert "语音来电 · voice call" in row
    digits = re.search(r"([0-9](?: [0-9]){5})", row).group(1)
    gw.screenshot(path=str(screenshots / f"voice-gateway-{tag}.png"), full_page=True)
    gw.close()
    code = digits.replace(" ", "")

    # Pasted as a person copies it from a message: "382 916" (the clipboard, then Ctrl+V).
    pasted = f"{code[:3]} {code[3:]}"
    page.evaluate("(t) => navigator.clipboard.writeText(t)", pasted)
    field.click()
    page.keyboard.press("ControlOrMeta+V")
    assert field.input_value() == pasted  # nothing cut: no maxlength, no pattern
    page.get_by_role("button", name=text["verify"], exact=True).click()
    page.wait_for_url("**/me*")
    page.screenshot(path=str(screenshots / f"voice-in-{tag}.png"), full_page=True)
    ctx.close()
