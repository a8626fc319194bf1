"""Issue 26 item 5, the organizers' pages in real Chromium (desktop 1280×800 and phone 390×844,
zh-CN and en): the create form makes a real-name lottery screening and a family enters its
lottery; the activity list is searched, filtered and sorted; an activity is duplicated; the
no-show lookup by ID number shows the marks with titles; the forgiveness log page lists a
forgiveness. Screenshots under var/screenshots/organizer-*.png."""

from __future__ import annotations

import re
from datetime import datetime, timedelta

import pytest
import requests

from services.registration.access import identity
from services.registration.noshow import record as noshow
from tests.conftest import activity_doc
from tests.e2e.test_door import TZ
from tests.fair_support import resident_id

DESK = {"width": 1280, "height": 800}
PHONE = {"width": 390, "height": 844}


@pytest.fixture
def desk_site(settings, redis):
    """Registration (with verified phones and real-name checks) and notify, served in-process, an
    SMS gateway stand-in, and an organizer token."""
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
    token = create_token(redis, s.redis_prefix, "organizer", "省科协")
    yield {
        "base": f"http://127.0.0.1:{reg.server_port}",
        "gateway": f"http://127.0.0.1:{gw.port}/",
        "app": app,
        "token": token,
        "org": {"Authorization": f"Bearer {token}"},
    }
    reg.shutdown()
    notify.shutdown()
    gw.stop()


def _page(browser, locale, viewport):
    phone = viewport == PHONE
    ctx = browser.new_context(
        viewport=viewport,
        locale=locale,
        device_scale_factor=2 if phone else 1,
        is_mobile=phone,
        has_touch=phone,
    )
    page = ctx.new_page()
    page.js_errors = []
    page.on("pageerror", lambda exc: page.js_errors.append(str(exc)))
    return ctx, page


def _log_in(page, site, locale):
    page.goto(f"{site['base']}/organizer?lang={locale}")
    page.fill("#token", site["token"])
    page.locator("#login-form button[type=submit]").click()
    page.wait_for_selector("#board:not([hidden])")


def _local(dt: datetime) -> str:
    return dt.strftime("%Y-%m-%dT%H:%M")


def _fits(page, width):
    assert page.evaluate("() => document.scrollingElement.scrollWidth") <= width


def _one_language(page, locale):
    text = page.locator("body").inner_text()
    if locale == "en":
        for data in (
            "中文",
            "辽宁省科学技术馆",
            "球幕影院",
            "巨幕影院",
            "学术报告厅",
            "沈阳市科技馆",
            "东区展厅",
        ):
            text = text.replace(data, "")  # the language link, and venue and hall names (data)
        text = re.sub(r"[^\n]*(球幕|巨幕|科普|讲座|展览|专场)[^\n]*", "", text)  # titles (data)
        assert not re.search(r"[\u4e00-\u9fff]", text), text
    else:
        assert "Activity management" not in text and "Look up" not in text


# -- 1. the create form makes a real-name lottery screening; a family enters its lottery ------------
@pytest.mark.parametrize("locale", ["zh-CN", "en"])
@pytest.mark.parametrize("viewport", [DESK, PHONE], ids=["1280", "390"])
def test_the_create_form_makes_a_real_name_lottery_screening_a_family_enters(
    desk_site, browser, screenshots, locale, viewport
):
    tag, width, aid = locale.lower(), viewport["width"], f"form-lot-{locale.lower()}"
    ctx, page = _page(browser, locale, viewport)
    _log_in(page, desk_site, locale)
    page.click("#new-activity")
    now = datetime.now(TZ).replace(second=0, microsecond=0)
    start = (now + timedelta(days=3)).replace(hour=19, minute=0)
    page.fill("#f-id", aid)
    page.select_option("#f-kind", "dome")
    page.fill("#f-title_zh", "球幕影院·实名摇号专场")
    page.fill("#f-title_en", "Dome screening, real-name lottery")
    page.fill("#f-venue_name", "辽宁省科学技术馆")
    page.fill("#f-hall", "球幕影院")
    page.fill("#f-starts_at", _local(start))
    page.fill("#f-ends_at", _local(start + timedelta(minutes=50)))
    page.fill("#f-capacity", "60")
    page.fill("#f-max_party_size", "4")
    page.select_option("#f-audience", "public")
    page.fill("#f-registration_opens_at", _local(now - timedelta(hours=1)))
    page.fill("#f-registration_closes_at", _local(start - timedelta(hours=2)))
    assert page.locator("#lottery-times").is_hidden()
    page.select_option("#f-allocation", "lottery")
    page.wait_for_selector("#lottery-times:not([hidden])")
    page.check("#f-real_name")
    page.fill("#f-lottery_opens_at", _local(now - timedelta(minutes=1)))
    page.fill("#f-lottery_closes_at", _local(now - timedelta(minutes=1)))  # refused first, in words
    page.fill("#f-lottery_draw_at", _local(now + timedelta(days=1, minutes=5)))
    page.click("#save-activity")
    page.wait_for_function(
        "() => document.querySelector('[data-error-for=lottery_closes_at]').textContent.length > 0"
    )
    said = page.locator("[data-error-for=lottery_closes_at]").inner_text()
    assert said == ("Must be after entries open." if locale == "en" else "须晚于摇号报名开始时间")
    assert requests.get(f"{desk_site['base']}/api/v1/activities/{aid}", timeout=5).status_code == 404
    page.fill("#f-lottery_closes_at", _local(now + timedelta(days=1)))
    if width == PHONE["width"]:
        _fits(page, width)
    page.screenshot(path=str(screenshots / f"organizer-create-lottery-{tag}-{width}.png"), full_page=True)
    page.click("#save-activity")
    page.wait_for_selector("#manage:not([hidden])")
    row = page.locator(f"#activity-list tbody tr[data-id='{aid}']")
    assert ("real-name" if locale == "en" else "实名") in row.inner_text()
    act = requests.get(f"{desk_site['base']}/api/v1/activities/{aid}", timeout=5).json()
    assert (act["real_name"], act["allocation"], act["kind"]) == (True, "lottery", "dome")
    lottery = requests.get(f"{desk_site['base']}/api/v1/activities/{aid}/lottery", timeout=5).json()
    assert lottery["state"] == "open" and lottery["times"]["draw_at"].startswith(
        _local(now + timedelta(days=1, minutes=5))
    )
    # The edit form shows the lottery's times as opened.
    page.click("#edit-activity")
    page.wait_for_function("() => document.getElementById('f-lottery_draw_at').value !== ''")
    assert page.locator("#f-real_name").is_checked()
    page.screenshot(path=str(screenshots / f"organizer-edit-lottery-{tag}-{width}.png"), full_page=True)
    assert page.js_errors == []
    ctx.close()

    # A family enters its lottery on a phone, as a person does: verified phone, real-name members.
    _enter_as_a_family(desk_site, browser, screenshots, locale, aid)


def _enter_as_a_family(site, browser, screenshots, locale, aid):
    from tests.e2e.test_lottery_chromium import ENTRY_TEXT, verify_and_fill_family

    text, tag = ENTRY_TEXT[locale], locale.lower()
    ctx, page = _page(browser, locale, PHONE)
    page.goto(f"{site['base']}/a/{aid}?lang={locale}")
    assert text["info"] in page.locator("#lottery-info").inner_text()
    phone = "13912345601" if locale == "en" else "13812345601"
    verify_and_fill_family(page, ctx, site["gateway"], aid, locale, phone, first_id=600)
    page.check("input[name=consent]")
    page.get_by_role("button", name=text["enter"]).click()
    page.wait_for_selector("#entry-id")
    assert page.locator("h1").inner_text() == text["entered"]
    _fits(page, PHONE["width"])
    page.screenshot(path=str(screenshots / f"organizer-lottery-family-entered-{tag}-390.png"), full_page=True)
    assert page.js_errors == []
    ctx.close()


# -- 2. the list: search, filter, sort; duplicating an activity -------------------------------------
LIST = [
    # id, kind, title zh, venue id, venue name, hall, days ahead, hour
    ("l-dome-1", "dome", "球幕电影·宇宙", "v-lnkjg", "辽宁省科学技术馆", "球幕影院", 2, 10),
    ("l-imax-1", "imax", "巨幕电影·深海", "v-lnkjg", "辽宁省科学技术馆", "巨幕影院", 2, 14),
    ("l-talk-1", "lecture", "科普讲座·量子", "v-sykjg", "沈阳市科技馆", "学术报告厅", 4, 9),
    ("l-expo-1", "exhibition", "科普展览·机器人", "v-sykjg", "沈阳市科技馆", "东区展厅", 6, 9),
    ("l-dome-2", "dome", "球幕电影·恐龙", "v-lnkjg", "辽宁省科学技术馆", "球幕影院", 6, 16),
]


def _seed_list(site):
    base = datetime.now(TZ).replace(minute=0, second=0, microsecond=0)
    for aid, kind, title, vid, vname, hall, days, hour in LIST:
        start = (base + timedelta(days=days)).replace(hour=hour)
        doc = activity_doc(
            aid,
            kind=kind,
            title={"zh": title, "en": ""},
            venue={"id": vid, "name": vname, "address": ""},
            hall=hall,
            starts_at=start.isoformat(),
            ends_at=(start + timedelta(hours=1)).isoformat(),
            registration_closes_at=(start - timedelta(hours=2)).isoformat(),
        )
        r = requests.post(f"{site['base']}/api/v1/activities", json=doc, headers=site["org"], timeout=5)
        assert r.status_code == 201, r.text
    cancel = f"{site['base']}/api/v1/activities/l-dome-2/cancel"
    assert requests.post(cancel, json={"reason": "设备检修"}, headers=site["org"], timeout=5).ok
    return base


def _rows(page):
    return page.locator("#activity-list tbody tr").evaluate_all("rows => rows.map(r => r.dataset.id)")


@pytest.mark.parametrize("locale", ["zh-CN", "en"])
@pytest.mark.parametrize("viewport", [DESK, PHONE], ids=["1280", "390"])
def test_the_list_is_searched_filtered_sorted_and_an_activity_duplicated(
    desk_site, browser, screenshots, locale, viewport
):
    tag, width = locale.lower(), viewport["width"]
    base = _seed_list(desk_site)
    ctx, page = _page(browser, locale, viewport)
    _log_in(page, desk_site, locale)
    page.wait_for_function("() => document.querySelectorAll('#activity-list tbody tr').length === 5")
    assert _rows(page) == ["l-dome-1", "l-imax-1", "l-talk-1", "l-expo-1", "l-dome-2"]  # by start
    page.fill("#q", "球幕")
    assert _rows(page) == ["l-dome-1", "l-dome-2"]
    assert page.locator("#list-count").inner_text() == (
        "2 of 5 activities shown" if locale == "en" else "显示 2 个活动（共 5 个）"
    )
    page.select_option("#filter-status", "cancelled")
    assert _rows(page) == ["l-dome-2"]
    page.click("#filters-clear")
    page.wait_for_function("() => document.querySelectorAll('#activity-list tbody tr').length === 5")
    page.select_option("#filter-venue", "v-sykjg")
    assert _rows(page) == ["l-talk-1", "l-expo-1"]
    page.select_option("#filter-kind", "lecture")
    assert _rows(page) == ["l-talk-1"]
    page.click("#filters-clear")
    page.fill("#filter-date", (base + timedelta(days=2)).strftime("%Y-%m-%d"))
    assert _rows(page) == ["l-dome-1", "l-imax-1"]
    page.select_option("#sort", "time-desc")
    assert _rows(page) == ["l-imax-1", "l-dome-1"]
    if width == PHONE["width"]:
        _fits(page, width)
    page.screenshot(path=str(screenshots / f"organizer-list-filtered-{tag}-{width}.png"), full_page=True)

    # Duplicate: the create form filled with its details and a new id; nothing until saved.
    page.locator("#activity-list tbody tr[data-id='l-imax-1'] button").click()
    page.click("#duplicate-activity")
    assert (
        page.locator("#f-id").input_value() == ""
        and page.locator("#f-title_zh").input_value() == "巨幕电影·深海"
    )
    assert not page.locator("#f-id").is_disabled()
    assert len(requests.get(f"{desk_site['base']}/api/v1/activities", timeout=5).json()["activities"]) == 5
    later = (base + timedelta(days=9)).replace(hour=14)
    page.fill("#f-starts_at", _local(later))
    page.fill("#f-ends_at", _local(later + timedelta(hours=1)))
    page.fill("#f-registration_closes_at", _local(later - timedelta(hours=2)))
    page.fill("#f-title_zh", "巨幕电影·深海（加场）")
    page.screenshot(path=str(screenshots / f"organizer-duplicate-{tag}-{width}.png"), full_page=True)
    page.click("#save-activity")
    page.wait_for_selector("#editor[hidden]", state="attached")
    acts = {
        a["id"]: a
        for a in requests.get(f"{desk_site['base']}/api/v1/activities", timeout=5).json()["activities"]
    }
    [copy] = [a for a in acts.values() if a["title"]["zh"] == "巨幕电影·深海（加场）"]
    assert copy["id"] not in {x[0] for x in LIST} and copy["starts_at"] == later.isoformat()
    assert (copy["hall"], copy["kind"], copy["capacity"], copy["seats_taken"]) == (
        "巨幕影院",
        "imax",
        acts["l-imax-1"]["capacity"],
        0,
    )
    assert acts["l-imax-1"]["title"]["zh"] == "巨幕电影·深海"  # the original is as it was
    if width == PHONE["width"]:
        _fits(page, width)
    _one_language(page, locale)
    assert page.js_errors == []
    ctx.close()


# -- 3. the no-show lookup by ID number, with titles; the forgiveness log page ---------------------
def _marked_family(site):
    """Two activities, and a real-name family's IDs with marks: 2 on the first ID, 1 on the second."""
    app = site["app"]
    titles = [("ns-dome", {"zh": "球幕电影·星空", "en": "Dome: the night sky"}),
              ("ns-talk", {"zh": "科普讲座·恐龙", "en": "Talk: dinosaurs"})]  # fmt: skip
    for aid, title in titles:
        r = requests.post(
            f"{site['base']}/api/v1/activities",
            json=activity_doc(aid, title=title, real_name=True),
            headers=site["org"],
            timeout=5,
        )
        assert r.status_code == 201, r.text
    secret = app.extensions["sciday.hmac"]
    first, second = (
        noshow.id_holder(identity.id_hash(secret, "resident_id", resident_id(n))) for n in (701, 702)
    )
    at = datetime.now(TZ).timestamp() - 86400
    marks = [
        noshow.Mark("r-ns1:0", first, "r-ns1", "ns-dome", "not_admitted", at),
        noshow.Mark("r-ns1:1", second, "r-ns1", "ns-dome", "not_admitted", at),
        noshow.Mark("r-ns2:0", first, "r-ns2", "ns-talk", "late_cancellation", at + 3600),
    ]
    noshow.record_marks(app.extensions["sciday.noshow"], marks, noshow.Policy())


NOSHOW_TEXT = {
    "zh-CN": {"title": "球幕电影·星空", "other": "科普讲座·恐龙", "counting": "计入的爽约次数：2", "forgiven": "已撤销"},
    "en": {"title": "Dome: the night sky", "other": "Talk: dinosaurs", "counting": "Marks counting: 2",
           "forgiven": "forgiven"},
}  # fmt: skip


@pytest.mark.parametrize("locale", ["zh-CN", "en"])
@pytest.mark.parametrize("viewport", [DESK, PHONE], ids=["1280", "390"])
def test_the_lookup_by_id_shows_marks_with_titles_and_the_forgiveness_page_lists_one(
    desk_site, browser, screenshots, locale, viewport
):
    tag, width, text = locale.lower(), viewport["width"], NOSHOW_TEXT[locale]
    _marked_family(desk_site)
    ctx, page = _page(browser, locale, viewport)
    _log_in(page, desk_site, locale)
    page.select_option("#noshow-by", "id")
    assert page.locator("#noshow-phone").is_hidden()
    page.select_option("#noshow-id-type", "resident_id")
    page.fill("#noshow-id-number", resident_id(701))
    page.locator("#noshow-lookup button[type=submit]").click()
    page.wait_for_selector("#noshow-marks:not([hidden])")
    rows = page.locator("#noshow-marks tbody tr")
    assert rows.count() == 2
    assert text["title"] in rows.nth(0).inner_text() and text["other"] in rows.nth(1).inner_text()
    assert "ns-dome" not in page.locator("#noshow-marks").inner_text()  # titles, not ids
    assert text["counting"] in page.locator("#noshow-summary").inner_text()
    page.locator("#noshow-marks").scroll_into_view_if_needed()
    page.screenshot(path=str(screenshots / f"organizer-noshow-by-id-{tag}-{width}.png"), full_page=True)
    note = "Fever, phoned ahead" if locale == "en" else "孩子发烧，已提前来电说明"
    rows.nth(0).locator("input[name=note]").fill(note)
    rows.nth(0).locator("button").click()
    page.wait_for_function(
        "(word) => document.querySelector('#noshow-marks tbody tr').textContent.includes(word)",
        arg=text["forgiven"],
    )
    if width == PHONE["width"]:
        _fits(page, width)
    _one_language(page, locale)
    assert page.js_errors == []

    page.goto(f"{desk_site['base']}/organizer/forgiveness?lang={locale}")
    page.wait_for_selector("#forgiveness-log:not([hidden])")
    entry = page.locator("#forgiveness-log tbody tr")
    assert entry.count() == 1
    assert (
        note in entry.inner_text() and text["title"] in entry.inner_text() and "省科协" in entry.inner_text()
    )
    if width == PHONE["width"]:
        _fits(page, width)
    page.screenshot(path=str(screenshots / f"organizer-forgiveness-log-{tag}-{width}.png"), full_page=True)
    body = page.locator("body").inner_text().replace(note, "").replace("省科协", "").replace("中文", "")
    if locale == "en":
        body = body.replace(text["title"], "")
        assert not re.search(r"[\u4e00-\u9fff]", body), body
    assert page.js_errors == []
    ctx.close()
