"""The public draw page in Chromium (zh-CN and en, 360 px) before and after a draw on the running
stack, and verify_draw.py run against the JSON URL the page names."""

from __future__ import annotations

import subprocess
import sys
from contextlib import contextmanager
from datetime import datetime, timedelta

import pytest
import requests

from services.registration.lottery import draw as lot
from services.registration.lottery.store import LotteryStore
from shared.redis_scripts import connect
from tests.conftest import ROOT, activity_doc, wait_for
from tests.e2e.test_door import TZ


def _open(urls, org, aid, draw_in, store):
    """A v1 lottery as opened before issue 27's upgrade (new ones are v2 groups of one): in its
    store, as the endpoint did; its draw, page and script keep working."""
    doc = activity_doc(aid, capacity=30, audience="public", allocation="lottery")
    assert requests.post(f"{urls['registration']}/api/v1/activities", json=doc, headers=org, timeout=10).ok
    draw = (datetime.now(TZ).replace(microsecond=0) + draw_in).timestamp()
    lot.open_lottery(
        store, lot.Lottery(aid, 30, draw - 3 * 3600, draw - 3600, draw, 0, doc["max_party_size"])
    )
    return draw - 3 * 3600 + 60


def test_the_draw_page_before_and_after_and_the_script_on_its_url(
    stack, stack_settings, urls, organizer_token, browser, screenshots
):
    org = {"Authorization": f"Bearer {organizer_token}"}
    store = LotteryStore(connect(stack_settings.redis_url), stack_settings)
    _open(urls, org, "lot-later", timedelta(days=2), store)
    # Due in a few seconds: the stack's scheduler or this POST draws it, whichever comes first.
    inside = _open(urls, org, "lot-drawn", timedelta(seconds=4), store)
    for i in range(120):
        entry = {"party_size": 1 + i % 4, "name": "赵六", "phone": f"1371100{i:04d}"}
        lot.enter(store, "lot-drawn", holders=[f"phone:{i}"], entry=entry, now=inside)

    def drawn_page():
        url = f"{urls['registration']}/api/v1/activities/lot-drawn/lottery/draw"
        r = requests.post(url, headers=org, timeout=60)
        return r.json() if r.status_code == 200 else None

    drawn = wait_for(drawn_page, timeout=30, interval=0.5, what="the draw")
    assert drawn["counts"]["entries"] == 120

    json_url = f"{urls['registration']}/api/v1/activities/lot-drawn/lottery"
    run = subprocess.run(
        [sys.executable, str(ROOT / "scripts/verify_draw.py"), json_url],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert run.returncode == 0, run.stdout + run.stderr
    assert f"{drawn['counts']['entries']} entries" in run.stdout

    for lang in ("zh-CN", "en"):
        ctx = browser.new_context(viewport={"width": 360, "height": 780}, locale=lang, device_scale_factor=2)
        page = ctx.new_page()
        page.goto(f"{urls['registration']}/lottery/lot-later?lang={lang}")
        assert page.locator("#commitment").inner_text() == store.commitment("lot-later")
        assert page.locator("#seed").count() == 0  # the seed stays secret until the draw
        assert page.locator("#phase").inner_text() == (
            "Entries have not opened yet" if lang == "en" else "报名尚未开始"
        )
        assert page.evaluate("document.documentElement.scrollWidth") <= 360
        page.screenshot(path=str(screenshots / f"lottery-before-{lang}.png"), full_page=True)

        page.goto(f"{urls['registration']}/lottery/lot-drawn?lang={lang}")
        assert page.locator("#seed").inner_text() == drawn["seed"]
        assert page.locator("#n-entries").inner_text() == "120"
        assert page.locator("#n-winners").inner_text() == str(drawn["counts"]["winners"])
        assert json_url in page.locator("#command").inner_text()
        text = page.locator("body").inner_text()
        assert "1371100" not in text
        if lang == "en":
            assert not any("\u4e00" <= ch <= "\u9fff" for ch in text.replace("中文", ""))
        else:
            assert "摇号公示" in text and "Lottery draw" not in text
        assert page.evaluate("document.documentElement.scrollWidth") <= 360
        page.screenshot(path=str(screenshots / f"lottery-drawn-{lang}.png"), full_page=True)
        ctx.close()


# -- entering as a person does (issue 15 §1): the entry form, the entry, then the outcome -------------
ENTRY_TEXT = {
    "zh-CN": {
        "get_code": "获取验证码",
        "send": "获取短信验证码",
        "verify": "验证",
        "enter": "参加摇号",
        "entered": "已参加摇号",
        "info": "本活动名额摇号分配",
        "waiting": "等待摇号",
        "won": "已中签",
        "waitlisted": "未中签，候补第",
        "ticket": "查看入场二维码",
        "title": "巨幕影院·摇号专场",
        "listed": "摇号报名中",
    },
    "en": {
        "get_code": "Get a code",
        "send": "Send me a code",
        "verify": "Verify",
        "enter": "Enter the lottery",
        "entered": "You have entered the lottery",
        "info": "Seats for this activity are drawn by lot",
        "waiting": "Waiting for the draw",
        "won": "You won seats",
        "waitlisted": "Not drawn; waitlist position",
        "ticket": "Show my ticket",
        "title": "IMAX screening by lottery",
        "listed": "Lottery: entries open",
    },
}
ENTRY_AID = "lot-entry"


def verify_and_fill_family(page, ctx, gateway, aid, locale, phone, first_id):
    """On the activity page: verify ``phone`` with the code the SMS gateway stand-in shows, then
    fill the real-name form with two members (IDs from ``first_id``)."""
    import re

    from tests.fair_support import resident_id

    text = ENTRY_TEXT[locale]
    page.get_by_role("link", name=text["get_code"]).click()
    page.fill("#f-phone", phone)
    page.get_by_role("button", name=text["send"]).click()
    page.wait_for_selector("#f-code")
    sms = ctx.new_page()
    sms.goto(gateway)
    row = sms.locator("tr", has_text=phone[-4:]).last.inner_text()
    sms.close()
    page.fill("#f-code", re.search(r"(?<![0-9])([0-9]{6})(?![0-9])", row).group(1))
    page.get_by_role("button", name=text["verify"], exact=True).click()
    page.wait_for_url(f"**/a/{aid}*")
    # The entry form is the registration form: real-name members, the party is the unit.
    page.fill("#f-m0_name", "Li Lei" if locale == "en" else "李雷")
    page.fill("#f-m0_id_number", resident_id(first_id + (locale == "en")))
    page.select_option("#f-party_size", "2")  # issue 26: the party's size shows its fieldsets
    page.fill("#f-m1_name", "Han Meimei" if locale == "en" else "韩梅梅")
    page.fill("#f-m1_id_number", resident_id(first_id + 10 + (locale == "en")))


@contextmanager
def local_site(settings, redis):
    """Registration and notify served in this process with the SMS gateway stand-in, a verified
    phone required: ``(base, gateway, app, organizer headers, settings)``."""
    from services.notify.app import create_app as notify_app
    from services.registration.app import create_app as registration_app
    from shared.auth import create_token
    from standins.sms_gateway import LocalGateway
    from tests.e2e.test_fair_chromium import _serve

    gw = LocalGateway().start()
    s = settings.with_overrides(
        require_verified_phone=1, sms_gateway_url=gw.url, notify_sms_per_s=0, rate_limit_ip_per_min=0
    )
    notify = _serve(notify_app(s, redis_client=redis))
    s = s.with_overrides(notify_url=f"http://127.0.0.1:{notify.server_port}")
    app = registration_app(s, redis_client=redis)
    reg = _serve(app)
    org = {"Authorization": "Bearer " + create_token(redis, s.redis_prefix, "organizer", "t")}
    try:
        yield f"http://127.0.0.1:{reg.server_port}", f"http://127.0.0.1:{gw.port}/", app, org, s
    finally:
        reg.shutdown()
        notify.shutdown()
        gw.stop()


@pytest.fixture
def lottery_site(settings, redis):
    with local_site(settings, redis) as (base, gateway, app, org, _s):
        yield from _lottery_site(base, gateway, app, org)


def _lottery_site(base, gateway, app, org):
    doc = activity_doc(
        ENTRY_AID,
        capacity=3,
        real_name=True,
        audience="public",
        allocation="lottery",
        title={"zh": "巨幕影院·摇号专场", "en": "IMAX screening by lottery"},
    )
    assert requests.post(f"{base}/api/v1/activities", json=doc, headers=org, timeout=5).status_code == 201
    now = datetime.now(TZ).replace(microsecond=0)
    w = {
        "opens_at": (now - timedelta(minutes=1)).isoformat(),
        "closes_at": (now + timedelta(hours=1)).isoformat(),
        "draw_at": (now + timedelta(hours=1, minutes=5)).isoformat(),
    }
    url = f"{base}/api/v1/activities/{ENTRY_AID}/lottery"
    assert requests.post(url, json=w, headers=org, timeout=5).status_code == 201
    yield {"base": base, "gateway": gateway, "app": app, "draw_at": w["draw_at"]}


@pytest.mark.usefixtures(
    "v1_lottery"
)  # v1's own entries and draw (the v2 path: test_lottery_single_stack.py)
@pytest.mark.parametrize("locale", ["zh-CN", "en"])
def test_the_entry_form_the_entry_and_the_outcome_in_my_registrations(
    lottery_site, browser, screenshots, locale
):
    import re

    from services.registration.bootstrap import EXTENSION
    from services.registration.lottery import entry as lottery_entry

    text, tag = ENTRY_TEXT[locale], locale.lower()
    base, app = lottery_site["base"], lottery_site["app"]
    ctx = browser.new_context(
        viewport={"width": 360, "height": 780},
        device_scale_factor=2,
        is_mobile=True,
        has_touch=True,
        locale=locale,
    )
    page = ctx.new_page()
    page.goto(f"{base}/?lang={locale}")
    assert page.locator("li.card", has_text=text["title"]).locator(".state").inner_text() == text["listed"]
    page.goto(f"{base}/a/{ENTRY_AID}?lang={locale}")
    assert text["info"] in page.locator("#lottery-info").inner_text()
    phone = "13912340001" if locale == "en" else "13812340001"
    verify_and_fill_family(page, ctx, lottery_site["gateway"], ENTRY_AID, locale, phone, first_id=300)
    assert page.evaluate("document.scrollingElement.scrollWidth") <= 360
    page.screenshot(path=str(screenshots / f"lottery-entry-form-{tag}.png"), full_page=True)
    page.check("input[name=consent]")  # the notice and consent (issue 16), as for registering
    page.get_by_role("button", name=text["enter"]).click()
    page.wait_for_selector("#entry-id")
    assert page.locator("h1").inner_text() == text["entered"]
    entry_id = page.locator("#entry-id").inner_text()
    assert re.fullmatch(r"e[0-9a-f]{16}", entry_id)
    assert page.locator("#draw-at").inner_text()
    assert page.evaluate("document.scrollingElement.scrollWidth") <= 360
    page.screenshot(path=str(screenshots / f"lottery-entered-{tag}.png"), full_page=True)

    page.goto(f"{base}/me?lang={locale}")
    item = page.locator("#lottery-entries li").first
    assert entry_id in item.inner_text() and text["waiting"] in item.inner_text()

    # Others enter too; the draw time comes; the scheduler's step makes the registrations.
    store, ports = app.extensions["sciday.lotteries"], app.extensions[EXTENSION]
    now = datetime.now(TZ).timestamp()
    for i in range(4):
        lot.enter(
            store, ENTRY_AID, holders=[f"phone:other{i}"],
            entry={"party_size": 2, "name": "赵六", "phone": f"1371100{i:04d}", "locale": "zh-CN"}, now=now,
        )  # fmt: skip
    d = lot.draw(store, ENTRY_AID, now=datetime.fromisoformat(lottery_site["draw_at"]).timestamp())
    assert lottery_entry.settle(ports, store, ENTRY_AID)
    page.goto(f"{base}/me?lang={locale}")
    item = page.locator("#lottery-entries li").first
    if entry_id in d.seated:
        assert text["won"] in item.inner_text()
        assert page.get_by_role("link", name=text["ticket"]).count() == 1  # the registration it became
    else:
        position = d.waiting.index(entry_id) + 1
        assert f"{text['waitlisted']} {position}" in item.inner_text()
    body = page.locator("body").inner_text()
    if locale == "en":
        for data in ("中文", "辽宁省科学技术馆", "巨幕影院"):  # the language link; venue and hall are data
            body = body.replace(data, "")
        assert not re.search(r"[\u4e00-\u9fff]", body), body
    assert page.evaluate("document.scrollingElement.scrollWidth") <= 360
    page.screenshot(path=str(screenshots / f"lottery-mine-outcome-{tag}.png"), full_page=True)
    ctx.close()
