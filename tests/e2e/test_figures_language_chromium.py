"""Issue 26 in real Chromium: one meaning per figure, and English names on English pages.

The dashboards show 未到, 未到率 and 到场率 only for activities that have ended, 待入场 for the
others, with their definitions on the page; the festival's gates are grouped by venue id (two
venues of one name stay apart). English pages show the venues' and halls' English names and mark
a title or name that has none ("(Chinese only)"); Chinese pages show no English. Phone (390 px)
and desktop (1280 px), zh-CN and en; screenshots go to var/screenshots.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import requests

from shared.auth import create_token
from shared.redis_scripts import connect
from tests.conftest import activity_doc, wait_for
from tests.e2e.test_checkin_pages_language import ENGLISH, HAN

TZ = ZoneInfo("Asia/Shanghai")
NAMED = {
    "id": "fig-a",
    "name": "科学会堂",
    "name_en": "Science Hall",
    "address": "沈阳市和平区一号",
    "address_en": "1 Heping Road, Shenyang",
}
SAME_NAME = {"id": "fig-b", "name": "科学会堂", "address": "四平市铁东区"}  # another place, one name
SIZES = {"phone": {"width": 390, "height": 844}, "desktop": {"width": 1280, "height": 800}}


def _post(urls, token, doc):
    r = requests.post(
        f"{urls['registration']}/api/v1/activities",
        json=doc,
        headers={"Authorization": f"Bearer {token}"},
        timeout=10,
    )
    assert r.status_code == 201, r.text


def _register(urls, aid, phone, party):
    r = requests.post(
        f"{urls['registration']}/api/v1/activities/{aid}/registrations",
        json={"name": "陈家长", "phone": phone, "party_size": party},
        timeout=10,
    )
    assert r.status_code == 201, r.text
    return r.json()["ticket"]["code"]


@pytest.fixture(scope="module")
def world(stack_settings, urls, organizer_token):
    """fig-ended: 3 registered, 2 came, then over; fig-soon: 2 registered, not started, at another
    venue of the same name, with no English at all; fig-named: later, with English names."""
    now = datetime.now(TZ).replace(microsecond=0)
    soon = {
        "starts_at": (now + timedelta(minutes=30)).isoformat(),
        "ends_at": (now + timedelta(minutes=150)).isoformat(),
        "registration_closes_at": (now + timedelta(minutes=10)).isoformat(),
        "audience": "public",
    }
    _post(
        urls,
        organizer_token,
        activity_doc(
            "fig-ended",
            venue=NAMED,
            hall="报告厅",
            hall_en="Lecture Room",
            title={"zh": "已结束的讲座", "en": "A talk that has ended"},
            **soon,
        ),
    )
    _post(
        urls,
        organizer_token,
        activity_doc(
            "fig-soon", venue=SAME_NAME, hall="一号厅", title={"zh": "只有中文的讲座", "en": ""}, **soon
        ),
    )
    _post(
        urls,
        organizer_token,
        activity_doc(
            "fig-named",
            venue=NAMED,
            hall="报告厅",
            hall_en="Lecture Room",
            audience="public",
            title={"zh": "以后的讲座", "en": "A later talk"},
        ),
    )
    came = [_register(urls, "fig-ended", "13900000101", 1), _register(urls, "fig-ended", "13900000102", 1)]
    _register(urls, "fig-ended", "13900000103", 1)  # will not come
    _register(urls, "fig-soon", "13900000104", 2)
    redis, prefix = connect(stack_settings.redis_url), stack_settings.redis_prefix
    steward = create_token(redis, prefix, "steward", "会堂门岗", "fig-a")
    head = {"Authorization": f"Bearer {organizer_token}"}
    att = f"{urls['checkin']}/api/v1/activities/%s/attendance"
    wait_for(
        lambda: requests.get(att % "fig-ended", headers=head, timeout=5).json().get("confirmed") == 3,
        what="fig-ended projected",
    )
    wait_for(
        lambda: requests.get(att % "fig-soon", headers=head, timeout=5).json().get("confirmed") == 2,
        what="fig-soon projected",
    )
    for code, gate in zip(came, ("东门", "西门"), strict=True):
        r = requests.post(
            f"{urls['checkin']}/api/v1/checkins",
            json={"code": code, "gate": gate},
            headers={"Authorization": f"Bearer {steward}"},
            timeout=10,
        )
        assert r.status_code == 201, r.text
    over = {
        "starts_at": (now - timedelta(hours=3)).isoformat(),
        "ends_at": (now - timedelta(hours=1)).isoformat(),
        "registration_opens_at": (now - timedelta(days=2)).isoformat(),
        "registration_closes_at": (now - timedelta(hours=4)).isoformat(),
    }
    r = requests.patch(
        f"{urls['registration']}/api/v1/activities/fig-ended", json=over, headers=head, timeout=10
    )
    assert r.status_code == 200, r.text
    wait_for(
        lambda: requests.get(att % "fig-ended", headers=head, timeout=5).json().get("ended") is True,
        what="fig-ended over at check-in",
    )
    return {"organizer": organizer_token}


def _page(browser, size, lang):
    ctx = browser.new_context(
        viewport=SIZES[size],
        locale="zh-CN" if lang == "zh-CN" else "en-US",
        is_mobile=size == "phone",
        has_touch=size == "phone",
    )
    page = ctx.new_page()
    page.js_errors = []
    page.on("pageerror", lambda exc: page.js_errors.append(str(exc)))
    return ctx, page


def _sign_in(page, url, token):
    page.goto(url)
    page.wait_for_selector("#login:not([hidden])")
    page.fill("#token", token)
    page.locator("#login-form button[type=submit]").click()
    page.wait_for_selector("#board:not([hidden])")


def _shot(page, screenshots, name):
    page.screenshot(path=str(screenshots / f"issue26-{name}.png"), full_page=True)


@pytest.mark.parametrize("size", list(SIZES))
@pytest.mark.parametrize("lang", ["zh-CN", "en"])
def test_an_activity_not_ended_has_no_no_shows_and_an_ended_one_has(
    browser, urls, world, screenshots, lang, size
):
    ctx, page = _page(browser, size, lang)
    try:
        _sign_in(page, f"{urls['checkin']}/dashboard/fig-ended?lang={lang}", world["organizer"])
        page.wait_for_function(
            "() => document.getElementById('n-no_shows').textContent === '1'", timeout=15_000
        )
        assert page.locator("#n-attendance_rate").inner_text() == "66.7%"
        assert page.locator("#n-no_show_rate").inner_text() == "33.3%"
        assert page.locator("#n-remaining").inner_text() == "–"  # 待入场: nobody, it is over
        definitions = page.locator("#definitions").inner_text()
        assert ("已结束" in definitions) if lang == "zh-CN" else ("have ended" in definitions)
        title = page.locator("#title").inner_text()
        assert title == ("已结束的讲座" if lang == "zh-CN" else "A talk that has ended")
        _shot(page, screenshots, f"dashboard-ended-{lang}-{size}")

        page.goto(f"{urls['checkin']}/dashboard/fig-soon?lang={lang}")
        page.wait_for_function(
            "() => document.getElementById('n-remaining').textContent === '2'", timeout=15_000
        )
        for figure in ("no_shows", "no_show_rate", "attendance_rate"):
            assert page.locator(f"#n-{figure}").inner_text() == "–", figure  # not counted before the end
        note = page.locator("#no-show-note").inner_text()
        assert note and (HAN.search(note) if lang == "zh-CN" else not HAN.search(note))
        if lang == "en":  # no English title: the Chinese, marked
            assert page.locator("#title [lang=zh-CN]").inner_text() == "只有中文的讲座"
            assert page.locator("#title .zh-only").inner_text() == "(Chinese only)"
        _shot(page, screenshots, f"dashboard-not-ended-{lang}-{size}")
        assert page.js_errors == []
    finally:
        ctx.close()


@pytest.mark.parametrize("size", list(SIZES))
@pytest.mark.parametrize("lang", ["zh-CN", "en"])
def test_the_festival_dashboard_keeps_venues_of_one_name_apart(browser, urls, world, screenshots, lang, size):
    ctx, page = _page(browser, size, lang)
    try:
        _sign_in(page, f"{urls['checkin']}/dashboard?lang={lang}", world["organizer"])
        page.locator("#gates tr.venue[data-venue='fig-a']").wait_for(timeout=15_000)
        heads = [h.split("\t") for h in page.locator("#gates tr.venue[data-venue^='fig-']").all_inner_texts()]
        names = {  # one name, two places: each told apart by its address
            "zh-CN": ["科学会堂\n沈阳市和平区一号", "科学会堂\n四平市铁东区"],
            "en": [
                "Science Hall\n1 Heping Road, Shenyang",
                "科学会堂 (Chinese only)\n四平市铁东区 (Chinese only)",
            ],
        }
        assert [h[0].strip() for h in heads] == names[lang]
        assert [h[-1] for h in heads] == ["2", "0"]
        assert page.locator("#gates tr[data-venue='fig-a']:not(.venue)").all_inner_texts() == [
            "\t东门\t1",
            "\t西门\t1",
        ]
        rows = {
            r.split("\t")[1]: r.split("\t") for r in page.locator("#activities tbody tr").all_inner_texts()
        }
        ended = rows["已结束的讲座" if lang == "zh-CN" else "A talk that has ended"]
        assert ended[2] == ("科学会堂 · 报告厅" if lang == "zh-CN" else "Science Hall · Lecture Room")
        assert ended[7:10] == ["–", "1", "33.3%"]  # 待入场, 未到, 未到率
        soon = rows["只有中文的讲座" if lang == "zh-CN" else "只有中文的讲座 (Chinese only)"]
        assert soon[7:10] == ["2", "–", "–"]
        # the cards say what the API says, over the same ended activities
        api = requests.get(
            f"{urls['checkin']}/api/v1/attendance",
            headers={"Authorization": f"Bearer {world['organizer']}"},
            timeout=10,
        ).json()["totals"]
        page.wait_for_function("() => document.getElementById('n-to_come').textContent !== '–'")
        assert page.locator("#n-no_shows").inner_text() == str(api["no_shows"])
        assert page.locator("#n-attendance_rate").inner_text() == f"{api['attendance_rate'] * 100:.1f}%"
        assert page.locator("#definitions li").count() == 4
        _shot(page, screenshots, f"dashboard-festival-{lang}-{size}")
        assert page.js_errors == []
    finally:
        ctx.close()


@pytest.mark.parametrize("size", list(SIZES))
@pytest.mark.parametrize("lang", ["zh-CN", "en"])
def test_registration_pages_name_places_in_the_pages_language(browser, urls, world, screenshots, lang, size):
    ctx, page = _page(browser, size, lang)
    try:
        page.goto(f"{urls['registration']}/a/fig-named?lang={lang}")
        meta = page.locator("main .activity .meta").nth(1).inner_text()
        if lang == "en":
            assert "Science Hall · Lecture Room" in meta and not HAN.search(meta)
        else:
            assert "科学会堂 · 报告厅" in meta and not ENGLISH.search(meta)
        _shot(page, screenshots, f"register-named-{lang}-{size}")
        page.goto(f"{urls['registration']}/a/fig-soon?lang={lang}")
        heading = page.locator("main h1")
        if lang == "en":
            assert heading.locator("[lang=zh-CN]").inner_text() == "只有中文的讲座"
            assert heading.locator(".zh-only").inner_text() == "(Chinese only)"
            assert page.locator("main .meta .zh-only").count() == 2  # neither venue nor hall has English
        else:
            assert heading.inner_text() == "只有中文的讲座" and page.locator(".zh-only").count() == 0
        _shot(page, screenshots, f"register-chinese-only-{lang}-{size}")
        assert page.js_errors == []
    finally:
        ctx.close()


def test_the_demo_hall_is_one_language_per_page():
    """The shipped catalogue once wrote "巨幕影院 IMAX Theatre" into the Chinese hall."""
    from sciday import catalogue

    for doc in catalogue.load_file():
        assert not ENGLISH.search(doc["hall"]) and not HAN.search(doc.get("hall_en", "")), doc["id"]


@pytest.mark.parametrize("size", list(SIZES))
@pytest.mark.parametrize("lang", ["zh-CN", "en"])
def test_the_summary_counts_rates_only_for_ended_activities(browser, urls, world, screenshots, lang, size):
    ctx, page = _page(browser, size, lang)
    try:
        _sign_in(page, f"{urls['checkin']}/summary?lang={lang}", world["organizer"])
        ended = "已结束的讲座" if lang == "zh-CN" else "A talk that has ended"
        page.locator("#per-activity tbody tr", has_text=ended).wait_for(timeout=15_000)
        # date, title, kind, place, status, capacity, registered, attended, 到场率, demand, 未到, 未到率
        cells = page.locator("#per-activity tbody tr", has_text=ended).inner_text().split("\t")
        assert (cells[8], cells[10], cells[11]) == ("66.7%", "1", "33.3%")
        soon = page.locator("#per-activity tbody tr", has_text="只有中文的讲座").inner_text().split("\t")
        assert (soon[8], soon[10], soon[11]) == ("–", "–", "–")  # nothing counted before the end
        definitions = page.locator("#definitions").inner_text()
        assert ("到场率" in definitions) if lang == "zh-CN" else ("Attendance rate" in definitions)
        _shot(page, screenshots, f"summary-{lang}-{size}")
        assert page.js_errors == []
    finally:
        ctx.close()


@pytest.mark.parametrize("lang", ["zh-CN", "en"])
def test_the_organizer_form_edits_the_english_names(browser, urls, world, screenshots, lang):
    """The form shows a venue's and a hall's English names and saves a changed one."""
    ctx, page = _page(browser, "desktop", lang)
    try:
        _sign_in(page, f"{urls['registration']}/organizer?lang={lang}", world["organizer"])
        soon = page.locator("#activity-list tbody tr[data-id='fig-soon']").inner_text()
        if lang == "en":  # the list names places in English, the Chinese only where none was given
            assert "只有中文的讲座 (Chinese only)" in soon and "科学会堂 (Chinese only)" in soon
            assert (
                "Science Hall · Lecture Room"
                in page.locator("#activity-list tr[data-id='fig-ended']").inner_text()
            )
        else:
            assert "只有中文的讲座" in soon and "Chinese" not in soon
        page.locator("#activity-list tbody tr[data-id='fig-named'] button").click()
        page.locator("#edit-activity").click()
        assert page.locator("#f-venue_name_en").input_value() == "Science Hall"
        assert page.locator("#f-venue_address_en").input_value() == "1 Heping Road, Shenyang"
        assert page.locator("#f-hall_en").input_value().startswith("Lecture Room")
        renamed = f"Lecture Room ({lang})"
        page.fill("#f-hall_en", renamed)
        _shot(page, screenshots, f"organizer-english-names-{lang}")
        page.locator("#activity-form button[type=submit]").click()
        wait_for(
            lambda: (
                requests.get(f"{urls['registration']}/api/v1/activities/fig-named", timeout=5).json()[
                    "hall_en"
                ]
                == renamed
            ),
            what="the English hall saved",
        )
        assert page.js_errors == []
    finally:
        ctx.close()


def test_the_scanner_state_carries_the_english_hall(stack_settings, urls, world):
    """The scanner names an activity offline by its title and hall, in its page's language."""
    token = create_token(
        connect(stack_settings.redis_url), stack_settings.redis_prefix, "steward", "会堂二号", "fig-a"
    )
    r = requests.get(
        f"{urls['checkin']}/api/v1/scanner/state", headers={"Authorization": f"Bearer {token}"}, timeout=10
    )
    assert r.status_code == 200, r.text
    halls = {a["id"]: (a["hall"], a["hall_en"]) for a in r.json()["activities"]}
    assert halls["fig-ended"] == ("报告厅", "Lecture Room")
