"""The import step of the organizer page in real Chromium at 1366 px, in zh-CN and in English
(issue 17, part 1): a city list in the shape of seed 004's 附件2 whose activity column has a name
the synonyms do not know. The organizer assigns it, sees the preview with the assumed values
marked, cannot import until they confirm them, imports, and finds the activities in the list;
the next file with the same headers is read with the remembered assignment."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import requests

from shared.auth import create_token
from shared.redis_scripts import connect
from tests import crafted_xlsx

TZ = ZoneInfo("Asia/Shanghai")
WORDS = {
    "zh-CN": {
        "login": "登录",
        "preview": "预览",
        "remap": "按此对应重新预览",
        "all": "全部导入",
        "title": "活动名称",
    },
    "en": {
        "login": "Log in",
        "preview": "Preview",
        "remap": "Preview again with these columns",
        "all": "Import all",
        "title": "Title",
    },
}


def city_list(day, suffix: str) -> bytes:
    """附件2 whose activity column is headed 科普项目, a name the synonyms do not know."""
    return crafted_xlsx.template_004(day, day + timedelta(days=4), suffix, title_header="科普项目")


@pytest.mark.parametrize("locale", ["zh-CN", "en"])
def test_the_import_step_maps_previews_confirms_and_imports(
    locale, urls, stack_settings, browser, screenshots, tmp_path
):
    base, words, slug = urls["registration"], WORDS[locale], "zh" if locale == "zh-CN" else "en"
    token = create_token(
        connect(stack_settings.redis_url), stack_settings.redis_prefix, "organizer", f"importer-{slug}"
    )
    day = (datetime.now(TZ) + timedelta(days=30 if slug == "zh" else 31)).date()
    first, second = tmp_path / "清单.xlsx", tmp_path / "清单-第二批.xlsx"
    first.write_bytes(city_list(day, f"（{slug}）"))
    second.write_bytes(city_list(day + timedelta(days=1), f"（{slug}二）"))

    ctx = browser.new_context(viewport={"width": 1366, "height": 900}, locale=locale)
    page = ctx.new_page()
    js_errors = []
    page.on("pageerror", lambda exc: js_errors.append(str(exc)))
    page.goto(f"{base}/organizer?lang={locale}")
    page.fill("#token", token)
    page.get_by_role("button", name=words["login"]).click()
    page.wait_for_selector("#board:not([hidden])")

    # 1. The activity column is not recognised: the page asks for it.
    page.set_input_files("#import-file", str(first))
    page.get_by_role("button", name=words["preview"], exact=True).click()
    page.wait_for_selector("#import-mapping:not([hidden])")
    unknown = page.locator("#import-columns tr.source-unknown")
    assert unknown.count() == 1 and unknown.first.get_attribute("data-header") == "科普项目"
    assert words["title"] in page.locator("#import-missing").inner_text()
    page.screenshot(path=str(screenshots / f"import-1-mapping-{slug}.png"), full_page=True)

    # 2. Assign it; the preview shows both rows, the assumed values marked, import held back.
    page.get_by_label("科普项目").select_option("title")
    page.get_by_role("button", name=words["remap"]).click()
    page.wait_for_function("() => document.querySelectorAll('#import-rows tbody tr.action-new').length === 2")
    assert page.locator("#import-columns tr.source-chosen").count() == 1
    assert page.locator("#import-rows td.assumed").count() >= 3  # capacity, kind, the fair's hours
    fair = page.locator("#import-rows tbody tr", has_text="机器人科普展").inner_text()
    assert "500" in fair and ("展览" in fair if slug == "zh" else "Exhibition" in fair)
    assert page.locator("#import-all").is_disabled()
    listed = requests.get(f"{base}/api/v1/activities", timeout=5).json()["activities"]
    assert not any(a["title"]["zh"] == f"机器人科普展（{slug}）" for a in listed)  # a preview creates nothing
    page.screenshot(path=str(screenshots / f"import-2-preview-{slug}.png"), full_page=True)

    # 3. Confirm, import; the list shows the activities.
    page.check("#import-confirm")
    assert page.locator("#import-all").is_enabled()
    page.get_by_role("button", name=words["all"]).click()
    page.wait_for_function(
        "() => document.querySelectorAll('#import-rows tbody tr.action-created').length === 2"
    )
    page.locator("#activity-list tbody tr", has_text=f"机器人科普展（{slug}）").wait_for()
    acts = {
        a["title"]["zh"]: a for a in requests.get(f"{base}/api/v1/activities", timeout=5).json()["activities"]
    }
    fair_doc = acts[f"机器人科普展（{slug}）"]
    assert (fair_doc["starts_at"][:10], fair_doc["ends_at"][:10]) == (str(day), str(day + timedelta(days=4)))
    page.screenshot(path=str(screenshots / f"import-3-done-{slug}.png"), full_page=True)

    # 4. The next file with the same headers: the assignment is remembered.
    page.set_input_files("#import-file", str(second))
    page.get_by_role("button", name=words["preview"], exact=True).click()
    page.wait_for_function("() => document.querySelectorAll('#import-rows tbody tr.action-new').length === 2")
    assert page.locator("#import-columns tr.source-remembered").count() == 1
    assert page.locator("#import-missing").is_hidden()
    page.screenshot(path=str(screenshots / f"import-4-remembered-{slug}.png"), full_page=True)
    assert js_errors == []
    ctx.close()
