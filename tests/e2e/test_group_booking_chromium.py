"""Issue 29 item 5 in real Chromium, phone (360 and 390 wide) and desktop (1280x800), zh-CN and en:
a lead teacher uploads a class's roster (.csv); a row with a wrong check digit is shown with its row
number, column and the reason in the page's language; the corrected roster is previewed with masked
IDs (a child marked, with the lead teacher); the group is booked as one registration and its ticket
opens. Screenshots in var/screenshots/group-*.png."""

from __future__ import annotations

import pytest
import requests

from services.registration.access.api import COOKIE
from tests.e2e.test_fair_chromium import _serve
from tests.e2e.test_family_form_chromium import view  # the fixture: a width and a language
from tests.fair_support import resident_id, seed_session

AID = "imax-class"
VIEWS = [(360, "zh-CN"), (390, "en"), (1280, "zh-CN"), (1280, "en")]
TEXT = {
    "zh-CN": {"check": "检查名单", "confirm": "确认团体预约", "digit": "校验位不正确", "column": "证件号码", "count": "全团共 4 人"},
    "en": {"check": "Check the roster", "confirm": "Confirm the group booking", "digit": "The check digit does not match",
           "column": "ID number", "count": "4 people in the group"},
}  # fmt: skip


@pytest.fixture
def site(settings, redis):
    from services.registration.app import create_app
    from shared.auth import create_token
    from tests.conftest import activity_doc

    s = settings.with_overrides(require_verified_phone=1, rate_limit_ip_per_min=0, rate_limit_phone_per_min=0)
    reg = _serve(create_app(s, redis_client=redis))
    base = f"http://127.0.0.1:{reg.server_port}"
    org = {"Authorization": "Bearer " + create_token(redis, s.redis_prefix, "organizer", "t")}
    doc = activity_doc(AID, real_name=True, audience="public", max_party_size=2, capacity=40)
    doc["quotas"] = {"group": {"seats": 30}}
    assert requests.post(f"{base}/api/v1/activities", json=doc, headers=org, timeout=5).status_code == 201
    yield {"base": base, "prefix": s.redis_prefix}
    reg.shutdown()


def roster(path, rows: list[str]):
    path.write_bytes(("姓名,身份证号,出生日期\n" + "\n".join(rows) + "\n").encode())
    return str(path)


@pytest.mark.parametrize("view", VIEWS, indirect=True, ids=[f"{w}-{lo}" for w, lo in VIEWS])
def test_a_class_is_checked_row_by_row_previewed_masked_and_booked_as_one(
    site, view, redis, screenshots, tmp_path
):
    width, locale, ctx = view
    text, tag, k = TEXT[locale], f"{width}-{locale.lower()}", 100 * VIEWS.index((width, locale))
    cookie = seed_session(redis, site["prefix"], f"138000020{k // 100:02d}")
    ctx.add_cookies([{"name": COOKIE, "value": cookie, "url": site["base"]}])
    page = ctx.new_page()
    page.goto(f"{site['base']}/a/{AID}/group?lang={'en' if locale == 'en' else 'zh-CN'}")
    assert page.locator("#group-submit").inner_text() == text["check"]
    page.fill("#g-organization", "沈阳市第一中学")
    page.fill("#g-name", "赵老师" if locale != "en" else "Zhao Lan")
    page.fill("#g-id_number", resident_id(k + 90))
    wrong = resident_id(k + 2)[:-1] + ("0" if resident_id(k + 2)[-1] != "0" else "1")
    pupils = [f"王小明,{resident_id(k + 1)},", f"张三,{wrong},", "李小红,,2017-05-01"]
    page.set_input_files("#g-file", roster(tmp_path / "bad.csv", pupils))
    page.check("input[name=consent]")
    page.click("#group-submit")
    page.wait_for_selector("#roster-errors:not([hidden])")
    row = page.locator("#roster-errors tbody tr").first
    assert row.locator("td").nth(0).inner_text() == "3"  # the spreadsheet's row: the header is row 1
    assert row.locator("td").nth(1).inner_text() == text["column"]
    assert text["digit"] in row.locator("td").nth(2).inner_text()
    assert page.evaluate("() => document.scrollingElement.scrollWidth") <= width
    page.screenshot(path=str(screenshots / f"group-rows-to-correct-{tag}.png"), full_page=True)

    pupils[1] = f"张三,{resident_id(k + 2)},"
    page.set_input_files("#g-file", roster(tmp_path / "good.csv", pupils))
    page.click("#group-submit")
    page.wait_for_selector("#roster-preview:not([hidden])")
    assert text["count"] in page.locator("#roster-preview [data-count]").inner_text()
    shown = page.locator("#roster-preview tbody").inner_text()
    assert "*" in shown and resident_id(k + 1) not in page.content()  # masked on the screen
    assert page.locator("#group-submit").inner_text() == text["confirm"]
    assert page.evaluate("() => document.scrollingElement.scrollWidth") <= width
    page.screenshot(path=str(screenshots / f"group-preview-{tag}.png"), full_page=True)

    page.click("#group-submit")
    page.wait_for_function(
        "() => location.pathname.startsWith('/t/') || !document.getElementById('group-error').hidden"
    )
    assert "/t/" in page.url, page.locator("#group-error").inner_text()
    assert page.locator("img, svg").count() >= 1  # the QR
    assert page.evaluate("() => document.scrollingElement.scrollWidth") <= width
    page.screenshot(path=str(screenshots / f"group-ticket-{tag}.png"), full_page=True)
