"""Issue 29's "Done when" journey in real Chromium at 360 px, in Chinese and in English.

1. A grandparent opens a real-name activity's page, switches 长辈模式 on with one tap, logs in with
   the code read out in a phone call (the local gateway stands in for the call, as in
   test_voice_code_chromium.py) pasted as "382 916", and books for two grandchildren. The booking
   is one party of three: the grandparent (ID checked) and the two children, under 14, as members
   without an ID under their guardian, as the real-name rules allow. 代预约 (booking for someone
   else, test_proxy_form_chromium.py) is not the fit: it makes the person booked for the party's
   registrant at the door, for a helper who stays home; this grandparent goes with the children and
   answers for them. The ticket page stays in 长辈模式, shows the QR code and "加入日历", whose
   download is a valid calendar file with the venue's address.
2. A steward signs in at the window page and books a walk-in from the window's kept seats of an
   activity whose online booking is sold out (an online attempt is refused ``sold_out`` first),
   then opens the printable ticket at 58 mm.

The registration, notify and gateway processes are test_fair_chromium.py's ``site`` (verification
on); the window part reuses test_window_chromium.py's steps. Screenshots: var/screenshots,
``journey-*``.
"""

from __future__ import annotations

import re
from datetime import date
from urllib.parse import urlsplit

import pytest
import requests

from shared.auth import create_token
from tests.conftest import activity_doc
from tests.e2e.test_elder_mode_chromium import _phone as phone_context
from tests.e2e.test_fair_chromium import site
from tests.e2e.test_window_chromium import fill_walk_in
from tests.fair_support import bearer, resident_id, seed_session

PHONE = {"zh-CN": "13712340011", "en": "13712340022"}
TEXT = {
    "zh-CN": {
        "elder": "长辈模式",
        "get_code": "获取验证码",
        "voice": "接听语音验证码",
        "verify": "验证",
        "register": "提交报名",
        "done": "报名成功",
        "party": "3 人",
        "calendar": "加入日历",
        "summary": "SUMMARY:巨幕影院·实名专场",
        "names": ("王秀兰", "王小明", "王小红"),
        "booked": "已预约",
        "full": "名额已满",
        "waitlist": "候补",
    },
    "en": {
        "elder": "Large text",
        "get_code": "Get a code",
        "voice": "Receive the code by phone call",
        "verify": "Verify",
        "register": "Register",
        "done": "You are registered",
        "party": "3 people",
        "calendar": "Add to calendar",
        "summary": "SUMMARY:IMAX real-name screening",
        "names": ("Wang Xiulan", "Wang Xiaoming", "Wang Xiaohong"),
        "booked": "Booked",
        "full": "Full",
        "waitlist": "waitlist",
    },
}
CHILDREN_BORN = (date(2018, 3, 1), date(2020, 9, 1))  # under 14 until 2032
ID_NUMBER = {"zh-cn": resident_id(400), "en": resident_id(401)}
SLIP_58_PX = 220  # 58 mm paper at 96 px an inch


def _px(page, selector: str) -> float:
    return page.eval_on_selector(selector, "e => parseFloat(getComputedStyle(e).fontSize)")


def _fits(page, width: int = 360) -> None:
    assert page.evaluate("() => document.scrollingElement.scrollWidth") <= width


def _shot(page, screenshots, name: str) -> None:
    page.screenshot(path=str(screenshots / f"journey-{name}.png"), full_page=True)


def _voice_login(ctx, page, site, text, phone, screenshots, tag) -> None:
    """From the activity page: the code by phone call, read at the gateway, pasted with a space."""
    page.get_by_role("link", name=text["get_code"]).tap()
    page.wait_for_url("**/login?next=/a/imax-rn*")
    assert page.locator("html").get_attribute("class") == "elder"
    page.fill("#f-phone", phone)
    voice = page.get_by_role("button", name=text["voice"])
    box = voice.bounding_box()
    assert box and box["height"] >= 60  # 长辈模式's target
    voice.tap()
    page.wait_for_selector("#f-code")
    _shot(page, screenshots, f"2-voice-code-{tag}")
    gw = ctx.new_page()
    gw.goto(site["gateway"])
    row = gw.locator("tr.voice", has_text=phone[-4:]).last.inner_text()
    assert "语音来电 · voice call" in row
    _shot(gw, screenshots, f"3-gateway-{tag}")
    code = re.search(r"([0-9](?: [0-9]){5})", row).group(1).replace(" ", "")
    gw.close()
    pasted = f"{code[:3]} {code[3:]}"
    page.evaluate("(t) => navigator.clipboard.writeText(t)", pasted)
    page.locator("#f-code").click()
    page.keyboard.press("ControlOrMeta+V")
    assert page.locator("#f-code").input_value() == pasted
    page.get_by_role("button", name=text["verify"], exact=True).tap()
    page.wait_for_url("**/a/imax-rn*")
    assert "****" in page.locator(".verified").inner_text()


def _book_party_of_three(page, text, screenshots, tag) -> None:
    grandparent, *children = text["names"]
    page.fill("#f-m0_name", grandparent)
    page.fill("#f-m0_id_number", ID_NUMBER[tag])
    page.select_option("#f-party_size", "3")
    for i, (name, born) in enumerate(zip(children, CHILDREN_BORN, strict=True), start=1):
        page.fill(f"#f-m{i}_name", name)
        page.select_option(f"#f-m{i}_id_type", "none")
        page.fill(f"#f-m{i}_birth_date", born.isoformat())
    page.check("input[name=consent]")
    _fits(page)
    _shot(page, screenshots, f"4-form-{tag}")
    page.get_by_role("button", name=text["register"]).tap()
    page.wait_for_url("**/t/**")


def _check_ticket(page, text, screenshots, tag) -> None:
    assert page.locator("html").get_attribute("class") == "elder"
    assert text["done"] in page.locator(".ticket .ok").inner_text()
    page.wait_for_function(
        "() => { const i = document.querySelector('img.qr'); return i && i.naturalWidth > 0; }"
    )
    assert page.locator(".party").first.inner_text() == text["party"]
    # three people on the ticket: the grandparent as guardian, two children; names masked
    assert page.locator(".member-line").count() == 3
    assert (page.locator(".child-mark").count(), page.locator(".guardian-mark").count()) == (2, 1)
    said = page.locator(".ticket").inner_text()
    assert text["names"][0] in said  # the registrant's own name, as the door asks for it
    assert not any(n in said for n in text["names"][1:]) and ID_NUMBER[tag] not in said
    assert _px(page, "h1") >= 30 and _px(page, ".party") >= 30 and _px(page, ".hint") >= 20
    _fits(page)
    _shot(page, screenshots, f"5-ticket-{tag}")
    link = page.get_by_role("link", name=text["calendar"])
    box = link.bounding_box()
    assert box and box["height"] >= 60
    with page.expect_download() as got:
        link.tap()
    data = open(got.value.path(), "rb").read().decode("utf-8")
    assert got.value.suggested_filename == "sciday.ics"
    _valid_ics(data, text["summary"])


def _valid_ics(data: str, summary: str) -> None:
    """RFC 5545's shape: CRLF lines of at most 75 octets, nested BEGIN/END, the required fields."""
    lines = data.split("\r\n")
    assert lines[-1] == "" and all(len(x.encode()) <= 75 for x in lines)
    unfolded = data.replace("\r\n ", "").split("\r\n")[:-1]
    blocks = [x for x in unfolded if x.startswith(("BEGIN:", "END:"))]
    assert blocks[:2] == ["BEGIN:VCALENDAR", "BEGIN:VEVENT"] and blocks[-1] == "END:VCALENDAR"
    assert "END:VEVENT" in blocks and len(blocks) % 2 == 0
    names = {x.split(":", 1)[0].split(";", 1)[0] for x in unfolded}
    assert {"VERSION", "PRODID", "UID", "DTSTAMP", "DTSTART", "LOCATION"} <= names
    assert summary in unfolded
    location = next(x for x in unfolded if x.startswith("LOCATION"))
    assert "智慧三街159号" in location


def _sold_out_window_activity(site, redis, prefix: str, aid: str, k: int) -> None:
    """Capacity 3, two kept for the window: one online booking fills what online can take."""
    org = bearer(create_token(redis, prefix, "organizer", "t"))
    doc = activity_doc(aid, capacity=3, waitlist={"enabled": False}, quotas={"window": {"seats": 2}})
    doc["title"] = {"zh": "窗口预约·长辈专场", "en": "Window booking for elders"}
    r = requests.post(f"{site['base']}/api/v1/activities", json=doc, headers=org, timeout=10)
    assert r.status_code == 201, r.text
    url = f"{site['base']}/api/v1/activities/{aid}/registrations"
    body = {"name": "张三", "party_size": 1, "organization": "沈阳分院"}
    for n, want in ((1, 201), (2, 409)):
        who = bearer(seed_session(redis, prefix, f"139000{k}00{n:02d}"))
        r = requests.post(url, json=body, headers=who, timeout=10)
        assert r.status_code == want, r.text
    assert r.json()["reason"] == "sold_out"  # online booking cannot take the window's seats


def _steward_books_a_walk_in(browser, site, redis, prefix, locale, screenshots, tag) -> None:
    aid = f"win-journey-{tag[:2]}"
    _sold_out_window_activity(site, redis, prefix, aid, k=int(locale == "en"))
    steward = create_token(redis, prefix, "steward", "窗口王", "ln-stm")
    ctx = browser.new_context(viewport={"width": 360, "height": 780}, locale=locale, is_mobile=True)
    page = ctx.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    lang = "en" if locale == "en" else "zh-CN"
    page.goto(f"{site['base']}/a/{aid}?lang={lang}")  # what an online booker sees: no form
    full = page.locator(".banner.warn").inner_text()
    assert TEXT[locale]["full"] in full and TEXT[locale]["waitlist"] not in full  # it has none
    assert page.locator("form.form").count() == 0
    _shot(page, screenshots, f"6-online-sold-out-{tag}")
    page.goto(f"{site['base']}/staff/window?lang={lang}")
    fill_walk_in(page, steward, aid)
    assert re.findall(r"[0-9]+", page.locator("#window-seats").inner_text()) == ["0", "2"]
    _fits(page)
    _shot(page, screenshots, f"7-window-form-{tag}")
    page.click("#window-book")
    page.wait_for_selector("#window-done:not([hidden]), #window-error:not([hidden])")
    assert page.locator("#window-error").is_hidden(), page.locator("#window-error").inner_text()
    said = page.locator("#window-done-text").inner_text()
    assert "李大爷" in said and TEXT[locale]["booked"] in said
    _shot(page, screenshots, f"8-window-booked-{tag}")
    seats = requests.get(
        f"{site['base']}/api/v1/activities/{aid}/window", headers=bearer(steward), timeout=10
    ).json()
    assert (seats["window_left"], seats["seats_open"]) == (1, 0)
    slip = ctx.new_page()
    slip.set_viewport_size({"width": SLIP_58_PX, "height": 700})
    # print_url is absolute on the public address (a setting this in-process site leaves alone)
    href = urlsplit(page.locator("#window-print-58").get_attribute("href"))
    assert href.path.endswith("/print") and "paper=58" in href.query
    slip.goto(f"{site['base']}{href.path}?{href.query}")
    slip.wait_for_function(
        "() => { const i = document.querySelector('.slip-qr'); return i && i.naturalWidth > 0; }"
    )
    text = slip.locator(".slip").inner_text()
    assert "李**" in text and "李大爷" not in text
    _fits(slip, SLIP_58_PX)
    _shot(slip, screenshots, f"9-ticket-58mm-{tag}")
    assert errors == []
    ctx.close()


@pytest.mark.parametrize("locale", ["zh-CN", "en"])
def test_a_grandparent_books_by_voice_code_in_elder_mode_and_a_steward_books_a_walk_in(
    browser, site, settings, redis, screenshots, locale
):
    text, lang, tag = TEXT[locale], ("en" if locale == "en" else "zh-CN"), locale.lower()
    ctx, page = phone_context(browser, None, locale)  # 360 px, touch; downloads accepted
    ctx.grant_permissions(["clipboard-read", "clipboard-write"], origin=site["base"])
    page.goto(f"{site['base']}/a/imax-rn?lang={lang}")
    assert page.locator("html").get_attribute("class") is None
    standard_h1 = _px(page, "h1")
    _shot(page, screenshots, f"0-activity-{tag}")
    page.get_by_role("link", name=text["elder"]).tap()  # one tap
    page.wait_for_url("**mode=elder**")
    assert page.locator("html").get_attribute("class") == "elder"
    assert _px(page, "h1") >= max(30, standard_h1 + 1) and _px(page, "main p") >= 20
    _fits(page)
    _shot(page, screenshots, f"1-activity-elder-{tag}")

    _voice_login(ctx, page, site, text, PHONE[locale], screenshots, tag)
    _book_party_of_three(page, text, screenshots, tag)
    _check_ticket(page, text, screenshots, tag)
    ctx.close()

    _steward_books_a_walk_in(browser, site, redis, settings.redis_prefix, locale, screenshots, tag)
