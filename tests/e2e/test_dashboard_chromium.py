"""The live dashboards and the printable summary in real Chromium, on the real stack.

The requirement under test: a check-in made through the API shows on an open dashboard within
2 seconds, without a reload. That 2-second timeout is the requirement itself; every other wait
polls with a generous deadline.
"""

from __future__ import annotations

import time
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import requests

from shared.auth import create_token
from shared.redis_scripts import connect
from tests.conftest import activity_doc, wait_for

TZ = ZoneInfo("Asia/Shanghai")


def _soon(aid, capacity, **over):
    now = datetime.now(TZ).replace(microsecond=0)
    return activity_doc(
        aid,
        capacity=capacity,
        max_party_size=4,
        audience="public",
        starts_at=(now + timedelta(minutes=30)).isoformat(),
        ends_at=(now + timedelta(minutes=150)).isoformat(),
        registration_closes_at=(now + timedelta(minutes=20)).isoformat(),
        **over,
    )


@pytest.fixture
def desk(browser):
    """A desktop-sized page, Chinese locale, for organizers."""
    ctx = browser.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN")
    page = ctx.new_page()
    errors = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.js_errors = errors
    yield page
    ctx.close()


def _log_in(page, token):
    page.fill("#token", token)
    page.get_by_role("button", name="登录").click()
    page.wait_for_selector("#board:not([hidden])")


def _registered(urls, organizer_token, aid, parties, phone_base, **over):
    r = requests.post(
        f"{urls['registration']}/api/v1/activities",
        json=_soon(aid, 40, **over),
        headers={"Authorization": f"Bearer {organizer_token}"},
        timeout=10,
    )
    assert r.status_code == 201, r.text
    codes = []
    for i, party in enumerate(parties):
        r = requests.post(
            f"{urls['registration']}/api/v1/activities/{aid}/registrations",
            json={"name": "陈家长", "phone": f"1{phone_base + i:010d}", "party_size": party},
            timeout=10,
        )
        assert r.status_code == 201, r.text
        codes.append(r.json()["ticket"]["code"])
    return codes


def test_the_dashboard_shows_a_checkin_within_two_seconds(
    stack_settings, urls, organizer_token, desk, screenshots
):
    aid = "dash-imax"
    codes = _registered(
        urls,
        organizer_token,
        aid,
        [3, 2, 4],
        6_100_000_000,
        title={"zh": "巨幕专场·实时看板测试", "en": "Sci-Tech Workers' IMAX special"},
    )
    steward = {
        "Authorization": "Bearer "
        + create_token(
            connect(stack_settings.redis_url), stack_settings.redis_prefix, "steward", "东门值守", "ln-stm"
        )
    }
    att_url = f"{urls['checkin']}/api/v1/activities/{aid}/attendance"
    wait_for(
        lambda: (lambda r: r.status_code == 200 and r.json()["confirmed"] == 9)(
            requests.get(att_url, headers=steward, timeout=5)
        ),
        what="the projection of dash-imax",
    )
    # one party is already in before the page opens
    assert (
        requests.post(
            f"{urls['checkin']}/api/v1/checkins",
            json={"code": codes[0], "gate": "西门"},
            headers=steward,
            timeout=10,
        ).status_code
        == 201
    )

    desk.goto(f"{urls['checkin']}/dashboard/{aid}")
    assert desk.locator("#login h1").inner_text() == "组织方登录"
    _log_in(desk, organizer_token)
    desk.wait_for_function(
        "() => document.getElementById('n-checked_in').textContent === '3'", timeout=10_000
    )
    assert desk.locator("#title").inner_text() == "巨幕专场·实时看板测试"
    assert [
        desk.locator(f"#n-{k}").inner_text() for k in ("capacity", "confirmed", "waitlisted", "remaining")
    ] == ["40", "9", "0", "6"]
    assert "活动结束后统计" in desk.locator("#no-show-note").inner_text()
    desk.screenshot(path=str(screenshots / "dashboard-before.png"), full_page=True)

    r = requests.post(
        f"{urls['checkin']}/api/v1/checkins",
        json={"code": codes[1], "gate": "东门"},
        headers=steward,
        timeout=10,
    )
    assert r.status_code == 201, r.text
    scanned = time.monotonic()
    # The requirement: within 2 s of the check-in, without a reload.
    desk.wait_for_function("() => document.getElementById('n-checked_in').textContent === '5'", timeout=2000)
    seen_after = time.monotonic() - scanned
    assert desk.locator("#n-remaining").inner_text() == "4"
    gates = desk.locator("#gates tbody tr").all_inner_texts()
    assert [g.split("\t") for g in gates] == [["东门", "2"], ["西门", "3"]]
    assert desk.evaluate("Chart.getChart('arrivals').data.datasets[0].data.reduce((a, b) => a + b, 0)") == 5
    desk.screenshot(path=str(screenshots / "dashboard-after.png"), full_page=True)
    assert desk.js_errors == []
    print(f"dashboard showed the check-in {seen_after:.2f} s after the API answered")

    # The festival dashboard shows the activity among the others, and the same counts.
    desk.goto(f"{urls['checkin']}/dashboard")
    row = desk.locator("#activities tbody tr", has_text="巨幕专场·实时看板测试")
    row.wait_for()
    desk.wait_for_function(
        """() => [...document.querySelectorAll('#activities tbody tr')]
        .some(tr => tr.textContent.includes('巨幕专场·实时看板测试') && tr.cells[6].textContent === '5')""",
        timeout=10_000,
    )
    desk.screenshot(path=str(screenshots / "dashboard-festival.png"), full_page=True)
    assert desk.js_errors == []


def test_the_summary_page_prints_the_figures(urls, organizer_token, desk, screenshots):
    _registered(
        urls,
        organizer_token,
        "dash-summary",
        [2],
        6_200_000_000,
        kind="lecture",
        title={"zh": "航天科普报告会·总结页", "en": "Spaceflight talk (summary page)"},
    )
    desk.goto(f"{urls['checkin']}/summary")
    _log_in(desk, organizer_token)
    row = desk.locator("#per-activity tbody tr", has_text="航天科普报告会·总结页")
    row.wait_for(timeout=15_000)
    cells = row.locator("td").all_inner_texts()
    assert cells[2] == "科普讲座" and cells[4] == "未结束" and cells[5:8] == ["40", "2", "0"]
    assert desk.locator("#unknown-note").is_hidden()  # the registration service answered
    desk.screenshot(path=str(screenshots / "summary.png"), full_page=True)
    desk.emulate_media(media="print")
    assert desk.locator("header.bar").is_hidden()
    desk.screenshot(path=str(screenshots / "summary-print.png"), full_page=True)
    pdf = desk.pdf(format="A4", landscape=True)
    assert pdf.startswith(b"%PDF") and desk.js_errors == []

    desk.emulate_media(media="screen")
    desk.goto(f"{urls['checkin']}/summary?lang=en")  # the token is kept for the tab
    desk.locator("#per-activity tbody tr", has_text="Spaceflight talk (summary page)").wait_for(
        timeout=15_000
    )
    assert desk.locator("main h1").inner_text() == "Festival summary"
    desk.screenshot(path=str(screenshots / "summary-en.png"), full_page=True)


def test_a_wrong_token_is_refused_at_log_in(urls, desk):
    desk.goto(f"{urls['checkin']}/dashboard")
    desk.fill("#token", "sd_not-a-token")
    desk.get_by_role("button", name="登录").click()
    desk.wait_for_function("() => document.getElementById('login-error').textContent.length > 0")
    assert desk.locator("#login-error").inner_text() == "令牌无效或无权查看"
    assert desk.evaluate("sessionStorage.length + localStorage.length") == 0
