"""Issue 26, item 5, in real Chromium (desktop 1280×800 and phone 390×844, zh-CN and English): the
dry run of a list as a city sends it. A screening given only its start, an outdoor exhibition over
four days at a square (no hall) and a talk show no row errors; the screening's end is marked as
assumed (the kind's usual length), the square as a place without halls, and the exhibition offers
"4 天，每天一场": ticked, the preview asks again and shows one activity a day."""

from __future__ import annotations

import csv
import io
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from services.registration.catalogue.sheet_columns import TEMPLATE_004
from shared.auth import create_token
from shared.redis_scripts import connect

TZ = ZoneInfo("Asia/Shanghai")
WORDS = {
    "zh-CN": {
        "login": "登录",
        "preview": "预览",
        "length": "通常时长",
        "no_hall": "厅室 无（在场地本身举办",
        "each": "4 天，每天一场",
        "day": "第 1 天，共 4 天",
    },
    "en": {
        "login": "Log in",
        "preview": "Preview",
        "length": "usual length",
        "no_hall": "Hall none (held at the place itself",
        "each": "4 days, one activity each day",
        "day": "day 1 of 4",
    },
}
VIEWPORTS = {"desktop": {"width": 1280, "height": 800}, "phone": {"width": 390, "height": 844}}


def city_list(day) -> bytes:
    """A city's list (seed 004's 附件2 headers, GB18030 as Excel saves it) of three activities."""
    last = day + timedelta(days=3)
    out = io.StringIO()
    csv.writer(out).writerows(
        [
            ["科技活动周重点活动清单"],
            TEMPLATE_004,
            [
                1,
                "科普电影《流浪地球》",
                "市科协",
                f"{day:%Y年%m月%d日} 19:00",
                "市科技馆 4D影院",
                "观影",
                "约120人",
                "王",
                "1",
            ],
            [
                2,
                "科技成果展",
                "市科技局",
                f"{day:%Y.%m.%d}-{last:%m.%d}",
                "铁东区广场",
                "展览展示",
                "1000人次",
                "李",
                "2",
            ],
            [
                3,
                "院士讲座：量子科技",
                "市科协",
                f"{day:%Y-%m-%d} 14:30-16:00",
                "市科技馆 报告厅",
                "讲座",
                "200",
                "张",
                "3",
            ],
        ]
    )
    return out.getvalue().encode("gb18030")


@pytest.mark.parametrize("screen", ["desktop", "phone"])
@pytest.mark.parametrize("locale", ["zh-CN", "en"])
def test_the_dry_run_of_a_city_list_shows_what_it_assumed_and_offers_one_activity_a_day(
    locale, screen, urls, stack_settings, browser, screenshots, tmp_path
):
    base, words, slug = urls["registration"], WORDS[locale], "zh" if locale == "zh-CN" else "en"
    token = create_token(connect(stack_settings.redis_url), stack_settings.redis_prefix, "organizer", "city")
    listing = tmp_path / "清单.csv"
    listing.write_bytes(city_list((datetime.now(TZ) + timedelta(days=40)).date()))

    ctx = browser.new_context(viewport=VIEWPORTS[screen], locale=locale)
    page = ctx.new_page()
    js_errors = []
    page.on("pageerror", lambda exc: js_errors.append(str(exc)))
    page.goto(f"{base}/organizer?lang={locale}")
    page.fill("#token", token)
    page.get_by_role("button", name=words["login"]).click()
    page.wait_for_selector("#board:not([hidden])")

    page.set_input_files("#import-file", str(listing))
    page.get_by_role("button", name=words["preview"], exact=True).click()
    page.wait_for_function("() => document.querySelectorAll('#import-rows tbody tr.action-new').length === 3")
    assert page.locator("#import-errors").is_hidden()  # no row errors
    screening = page.locator("#import-rows tbody tr", has_text="流浪地球")
    assert screening.locator("td.assumed").count() >= 1 and words["length"] in screening.inner_text()
    fair = page.locator("#import-rows tbody tr", has_text="科技成果展")
    assert words["no_hall"] in fair.inner_text() and words["each"] in fair.inner_text()
    page.locator("#import-rows").scroll_into_view_if_needed()
    page.screenshot(path=str(screenshots / f"import-city-1-dry-run-{screen}-{slug}.png"), full_page=True)

    # One activity a day, chosen: the preview is asked again and lists the four days.
    fair.get_by_label(words["each"]).check()
    page.wait_for_function("() => document.querySelectorAll('#import-rows tbody tr.action-new').length === 6")
    days = page.locator("#import-rows tbody tr", has_text="科技成果展")
    assert days.count() == 4 and words["day"] in days.first.inner_text()
    assert days.first.get_by_label(words["each"]).is_checked() and page.locator("#import-errors").is_hidden()
    page.locator("#import-rows").scroll_into_view_if_needed()
    page.screenshot(path=str(screenshots / f"import-city-2-each-day-{screen}-{slug}.png"), full_page=True)
    assert js_errors == []
    ctx.close()
