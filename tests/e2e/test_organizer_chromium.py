"""The organizers' management page in real Chromium: create an activity with the form, change its
capacity, cancel it with a reason. The import step has its own file, test_import_chromium.py."""

from __future__ import annotations

import time
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import requests

TZ = ZoneInfo("Asia/Shanghai")


@pytest.fixture
def desk(browser):
    ctx = browser.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN")
    page = ctx.new_page()
    errors = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.js_errors = errors
    yield page
    ctx.close()


def _log_in(page, base, token):
    page.goto(f"{base}/organizer")
    page.fill("#token", token)
    page.get_by_role("button", name="登录").click()
    page.wait_for_selector("#board:not([hidden])")


def _local(dt: datetime) -> str:
    return dt.strftime("%Y-%m-%dT%H:%M")


def test_create_change_capacity_and_cancel_from_the_page(urls, organizer_token, desk, screenshots):
    base = urls["registration"]
    _log_in(desk, base, organizer_token)
    desk.get_by_role("button", name="新建活动").click()
    start = (datetime.now(TZ) + timedelta(days=5)).replace(hour=19, minute=0, second=0, microsecond=0)
    values = {
        "#f-id": "org-dome-family",
        "#f-title_zh": "球幕专场·管理页测试",
        "#f-title_en": "Dome family screening",
        "#f-venue_name": "辽宁省科学技术馆",
        "#f-venue_address": "沈阳市浑南区智慧三街159号",
        "#f-hall": "球幕影院",
        "#f-organizer": "辽宁省科学技术馆",
        "#f-starts_at": _local(start),
        "#f-ends_at": _local(start + timedelta(minutes=50)),
        "#f-capacity": "120",
        "#f-max_party_size": "3",
        "#f-registration_opens_at": _local(datetime.now(TZ) - timedelta(hours=1)),
        "#f-registration_closes_at": _local(start - timedelta(hours=2)),
    }
    desk.select_option("#f-kind", "dome")
    desk.fill("#f-capacity", "0")  # refused inline first
    for sel, value in values.items():
        if sel != "#f-capacity":
            desk.fill(sel, value)
    desk.get_by_role("button", name="保存", exact=True).click()
    desk.wait_for_function("() => document.querySelector('[data-error-for=capacity]').textContent.length > 0")
    assert desk.locator("#f-capacity").get_attribute("aria-invalid") == "true"
    desk.fill("#f-capacity", values["#f-capacity"])
    desk.get_by_role("button", name="保存", exact=True).click()
    desk.wait_for_selector("#manage:not([hidden])")
    assert "已创建活动" in desk.locator("#flash").inner_text()
    row = desk.locator("#activity-list tbody tr[data-id='org-dome-family']")
    assert "球幕专场·管理页测试" in row.inner_text() and "120" in row.inner_text()
    act = requests.get(f"{base}/api/v1/activities/org-dome-family", timeout=5).json()
    assert (act["kind"], act["capacity"], act["max_party_size"], act["starts_at"]) == (
        "dome",
        120,
        3,
        start.isoformat(),
    )
    desk.screenshot(path=str(screenshots / "organizer-created.png"), full_page=True)

    # Someone registers 3 people; the capacity cannot go below them, then it goes to 80.
    r = requests.post(
        f"{base}/api/v1/activities/org-dome-family/registrations",
        json={"name": "周", "phone": "13912349000", "organization": "东北大学", "party_size": 3},
        timeout=5,
    )
    assert r.status_code == 201, r.text
    desk.fill("#capacity-value", "2")
    desk.get_by_role("button", name="保存容量").click()
    desk.wait_for_function("() => document.getElementById('flash').className.includes('error')")
    assert "容量不能低于已报名人数" in desk.locator("#flash").inner_text()
    desk.fill("#capacity-value", "80")
    desk.get_by_role("button", name="保存容量").click()
    desk.wait_for_function("() => document.getElementById('flash').textContent.includes('容量已改为 80')")
    row.filter(has_text="80").wait_for()
    assert requests.get(f"{base}/api/v1/activities/org-dome-family", timeout=5).json()["capacity"] == 80

    # A notice to everyone registered goes through the notify service (which learns of the
    # activity from Kafka: until it has, the page says so and the organizer tries again).
    desk.fill("#notice-zh", "因设备调试，入场时间推迟15分钟。")
    deadline = time.monotonic() + 30
    while True:
        desk.evaluate("() => { document.getElementById('flash').hidden = true; }")
        desk.get_by_role("button", name="发送通知").click()
        desk.wait_for_function("() => !document.getElementById('flash').hidden")  # the answer, either way
        text = desk.locator("#flash").inner_text()
        if "通知已提交" in text or time.monotonic() > deadline:
            break
        time.sleep(0.5)
    assert "通知已提交" in text, text
    assert desk.locator("#notice-zh").input_value() == ""

    # Cancel with a reason.
    desk.fill("#cancel-reason", "设备检修，改期另行通知")
    desk.get_by_role("button", name="取消活动", exact=True).click()  # the first tap asks (issue 17)
    assert "无法恢复" in desk.locator("#cancel-confirm").inner_text()
    assert (
        requests.get(f"{base}/api/v1/activities/org-dome-family", timeout=5).json()["status"] == "scheduled"
    )
    desk.get_by_role("button", name="确认取消活动").click()
    desk.wait_for_function("() => document.getElementById('flash').textContent.includes('活动已取消')")
    row.filter(has_text="已取消：设备检修，改期另行通知").wait_for()  # the list is reloaded after the flash
    act = requests.get(f"{base}/api/v1/activities/org-dome-family", timeout=5).json()
    assert (act["status"], act["cancel_reason"]) == ("cancelled", "设备检修，改期另行通知")
    assert desk.locator("#capacity-value").is_disabled()
    desk.screenshot(path=str(screenshots / "organizer-cancelled.png"), full_page=True)
    assert desk.js_errors == []


# The import step is tested in test_import_chromium.py.
