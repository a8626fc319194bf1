"""Issue 26 in real Chromium, phone (360 and 390 wide) and desktop (1280x800), zh-CN and en: a
family's real-name form shows as many member fieldsets as the party size chosen; a child (儿童)
gives a birth date and names its guardian, and no ID box is shown for it; the server refuses a
guardian who is not a member with an ID; the ticket marks the child and its guardian; a name
misspelled at booking is corrected from the manage page (the ID number typed again; another number
asks first); the code page counts down to "send again" from the setting.

Before this change the form for a family of 3 was ``BEFORE`` px tall (main at 3b1d34d, the same
activity, measured in this Chromium with the third member switched to 儿童): 4 fieldsets, each
with an ID box and a birth date."""

from __future__ import annotations

import re

import pytest
import requests

from services.registration.access.api import COOKIE
from tests.e2e.test_fair_chromium import _serve
from tests.fair_support import resident_id, seed_session

AID = "imax-fam"
BEFORE = {(360, "zh-CN"): 2164, (390, "en"): 2188, (1280, "zh-CN"): 2072, (1280, "en"): 2072}
TEXT = {
    "zh-CN": {
        "names": ("王芳", "张雷", "李雷", "李小宝"),
        "child": "儿童",
        "guardian_of": "监护人 ",
        "guardian": "（监护人）",
        "without_id": "监护人须为填写了证件的成员。",
        "done": "报名成功",
        "changed": "这是另一个证件号码",
        "corrected": "已更正",
        "wait": "秒后可重新发送",
        "again": "没收到？重新发送",
    },
    "en": {
        "names": ("Wang Fang", "Jon Smith", "John Smith", "Lily Smith"),
        "child": "Child",
        "guardian_of": "with guardian ",
        "guardian": "(guardian)",
        "without_id": "The guardian must be a member who gives an ID.",
        "done": "You are registered",
        "changed": "That is another ID number",
        "corrected": "Corrected.",
        "wait": "Send again in",
        "again": "Nothing came? Send again",
    },
}
VIEWS = [(360, "zh-CN"), (390, "en"), (1280, "zh-CN"), (1280, "en")]


@pytest.fixture
def site(settings, redis):
    from services.notify.app import create_app as notify_app
    from services.registration.app import create_app
    from shared.auth import create_token
    from standins.sms_gateway import LocalGateway
    from tests.conftest import activity_doc

    gw = LocalGateway().start()
    s = settings.with_overrides(
        require_verified_phone=1,
        rate_limit_ip_per_min=0,
        sms_gateway_url=gw.url,
        notify_sms_per_s=0,
        verify_resend_cooldown_s=45,  # not the default 60: the page's number comes from here
    )
    notify = _serve(notify_app(s, redis_client=redis))
    s = s.with_overrides(notify_url=f"http://127.0.0.1:{notify.server_port}")
    reg = _serve(create_app(s, redis_client=redis))
    base = f"http://127.0.0.1:{reg.server_port}"
    org = {"Authorization": "Bearer " + create_token(redis, s.redis_prefix, "organizer", "t")}
    doc = activity_doc(AID, real_name=True, audience="public", max_party_size=4, capacity=40)
    assert requests.post(f"{base}/api/v1/activities", json=doc, headers=org, timeout=5).status_code == 201
    yield {"base": base, "prefix": s.redis_prefix, "gateway": f"http://127.0.0.1:{gw.port}/"}
    reg.shutdown()
    notify.shutdown()
    gw.stop()


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


def _lang(locale: str) -> str:
    return "en" if locale == "en" else "zh-CN"


def _fits(page, width: int) -> None:
    assert page.evaluate("() => document.scrollingElement.scrollWidth") <= width


def _shown(page) -> list[bool]:
    return [page.locator(f"fieldset.member[data-member='{i}']").is_visible() for i in range(4)]


@pytest.mark.parametrize("view", VIEWS, indirect=True, ids=[f"{w}-{lo}" for w, lo in VIEWS])
def test_a_family_of_three_books_marks_its_child_and_corrects_a_name(site, view, redis, screenshots):
    width, locale, ctx = view
    text, tag, k = TEXT[locale], f"{width}-{locale.lower()}", 10 * VIEWS.index((width, locale))
    ctx.add_cookies(
        [
            {
                "name": COOKIE,
                "value": seed_session(redis, site["prefix"], f"138000010{k:02d}"),
                "url": site["base"],
            }
        ]
    )
    page = ctx.new_page()
    page.goto(f"{site['base']}/a/{AID}?lang={_lang(locale)}")
    assert _shown(page) == [True, False, False, False]  # a party of one until the size is chosen
    page.select_option("#f-party_size", "3")
    assert _shown(page) == [True, True, True, False]
    assert not page.locator("#f-m1_birth_date").is_visible()  # an adult gives no birth date
    page.select_option("#f-m2_id_type", "none")
    assert not page.locator("#f-m2_id_number").is_visible()  # a child gives no ID number
    assert page.locator("#f-m2_birth_date").is_visible() and page.locator("#f-m2_guardian").is_visible()
    height = page.evaluate("() => document.querySelector('form.form').offsetHeight")
    print(f"form for a family of 3 at {tag}: {height} px, before {BEFORE[(width, locale)]} px")
    page.screenshot(path=str(screenshots / f"family-form-3-{tag}.png"), full_page=True)
    # a fieldset and three birth dates fewer on a phone (-20 %); two fields a row on a desktop (-38 %)
    assert height < (0.85 if width < 600 else 0.7) * BEFORE[(width, locale)]

    names = text["names"]
    page.fill("#f-m0_name", names[0])
    page.fill("#f-m0_id_number", resident_id(600 + k))
    page.fill("#f-m1_name", names[1])
    page.select_option("#f-m1_id_type", "none")  # a second child: no guardian for the first
    page.fill("#f-m1_birth_date", "2019-03-01")
    page.fill("#f-m2_name", names[3])
    page.fill("#f-m2_birth_date", "2020-05-01")
    assert page.locator("#f-m2_guardian option[value='1']").inner_text().endswith(names[1])  # named as typed
    page.select_option("#f-m2_guardian", "1")
    _fits(page, width)
    page.screenshot(path=str(screenshots / f"family-form-{tag}.png"), full_page=True)
    page.check("input[name=consent]")
    page.locator("form.form button[type=submit]").click()
    page.wait_for_load_state()
    assert text["without_id"] in page.locator("fieldset.member[data-member='2']").inner_text()
    assert _shown(page) == [True, True, True, False]  # the answer keeps the party's size
    page.screenshot(path=str(screenshots / f"family-guardian-refused-{tag}.png"), full_page=True)

    page.select_option("#f-m1_id_type", "resident_id")
    page.fill("#f-m1_id_number", resident_id(601 + k))
    page.check("input[name=consent]")
    page.locator("form.form button[type=submit]").click()
    page.wait_for_url("**/t/**")
    assert text["done"] in page.content()
    people = page.locator(".member-line")
    assert people.count() == 3
    child = people.nth(2).inner_text()
    assert text["child"] in child and text["guardian_of"] + _masked(names[1]) in child
    assert (
        text["guardian"] in people.nth(1).inner_text() and text["guardian"] not in people.nth(0).inner_text()
    )
    _fits(page, width)
    page.screenshot(path=str(screenshots / f"family-ticket-{tag}.png"), full_page=True)

    # the misspelled second name: another number asks first; the same number corrects it
    page.locator("a[href^='/r/']").click()
    page.locator("a[href*='/members/1/correct']").click()
    page.fill("#f-name", names[2])
    page.fill("#f-id_number", resident_id(602 + k))
    page.locator("form[action$='/correct'] button").click()
    page.wait_for_load_state()
    assert text["changed"] in page.locator(".banner").inner_text()
    page.screenshot(path=str(screenshots / f"family-correct-asks-{tag}.png"), full_page=True)
    page.goto(f"{page.url.split('?')[0]}?t={_token(page)}")  # the form afresh
    page.fill("#f-name", names[2])
    page.fill("#f-id_number", resident_id(601 + k))
    _fits(page, width)
    page.screenshot(path=str(screenshots / f"family-correct-{tag}.png"), full_page=True)
    page.locator("form[action$='/correct'] button").click()
    page.wait_for_url("**corrected=1**")
    assert text["corrected"] in page.content()
    page.screenshot(path=str(screenshots / f"family-corrected-{tag}.png"), full_page=True)
    page.goto(page.url.replace("/r/", "/t/").replace("&corrected=1", ""))
    people = page.locator(".member-line")
    assert people.nth(1).inner_text().startswith(_masked(names[2]))
    assert text["guardian_of"] + _masked(names[2]) in people.nth(2).inner_text()


def _masked(name: str) -> str:
    from shared.masking import mask_name

    return mask_name(name)


def _seconds(label: str) -> int:
    return int(re.search(r"[0-9]+", label).group(0))  # type: ignore[union-attr]


def _token(page) -> str:
    return page.locator("input[name=t]").first.get_attribute("value") or ""


@pytest.mark.parametrize(
    "view", [(390, "zh-CN"), (1280, "en"), (360, "en")], indirect=True, ids=["390-zh-cn", "1280-en", "360-en"]
)
def test_asking_again_within_the_cooldown_counts_down_from_the_setting(site, view, screenshots):
    width, locale, ctx = view
    text, tag = TEXT[locale], f"{width}-{locale.lower()}"
    phone = {390: "13912340390", 1280: "13912341280", 360: "13912340360"}[width]
    page = ctx.new_page()
    page.clock.install()  # the countdown runs on the page's clock, moved on by the test
    page.goto(f"{site['base']}/login?lang={_lang(locale)}")
    page.fill("#f-phone", phone)
    page.locator("form[action='/login'] button").click()
    page.wait_for_selector("#f-code")
    again = page.locator("[data-resend-after]")
    assert again.get_attribute("data-resend-after") == "45" and again.is_disabled()
    assert text["wait"] in again.inner_text() and 0 < _seconds(again.inner_text()) <= 45

    # the person goes back and asks again at once: the code step, counting down what is left
    page.goto(f"{site['base']}/login?lang={_lang(locale)}")
    page.fill("#f-phone", phone)
    page.locator("form[action='/login'] button").click()
    page.wait_for_selector("#f-code")
    again = page.locator("[data-resend-after]")
    left = int(again.get_attribute("data-resend-after") or 0)
    assert 0 < left <= 45 and again.is_disabled() and 0 < _seconds(again.inner_text()) <= left
    _fits(page, width)
    page.screenshot(path=str(screenshots / f"resend-countdown-{tag}.png"), full_page=True)
    page.clock.run_for((left + 1) * 1000)
    page.wait_for_function("() => !document.querySelector('[data-resend-after]').disabled")
    assert again.inner_text().strip() == text["again"]
    page.screenshot(path=str(screenshots / f"resend-ready-{tag}.png"), full_page=True)
