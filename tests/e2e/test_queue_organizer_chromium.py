"""Issue 28: the organizer sees and sets an activity's release queue (auto / on / off) and its
expected demand in the create form, in real Chromium (desktop 1280×800 and phone 390×844, zh-CN
and en). Screenshots under var/screenshots/organizer-queue-*.png."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
import requests

from tests.e2e.test_door import TZ
from tests.e2e.test_organizer_form_chromium import DESK, PHONE, _fits, _local, _log_in, _page, desk_site

__all__ = ["desk_site"]  # the fixture, used by name


@pytest.mark.parametrize("locale", ["zh-CN", "en"])
@pytest.mark.parametrize("viewport", [DESK, PHONE], ids=["1280", "390"])
def test_the_form_sets_the_queue_and_the_expected_demand(desk_site, browser, screenshots, locale, viewport):
    tag, width, aid = locale.lower(), viewport["width"], f"queue-{locale.lower()}-{viewport['width']}"
    ctx, page = _page(browser, locale, viewport)
    _log_in(page, desk_site, locale)
    page.click("#new-activity")
    assert page.locator("#f-queue").input_value() == "auto"
    now = datetime.now(TZ).replace(second=0, microsecond=0)
    start = (now + timedelta(days=3)).replace(hour=19, minute=0)
    page.fill("#f-id", aid)
    page.fill("#f-title_zh", "巨幕电影·放票排队")
    page.fill("#f-venue_name", "辽宁省科学技术馆")
    page.fill("#f-starts_at", _local(start))
    page.fill("#f-ends_at", _local(start + timedelta(minutes=50)))
    page.fill("#f-capacity", "300")
    page.fill("#f-max_party_size", "4")
    page.fill("#f-registration_opens_at", _local(now + timedelta(days=1)))
    page.fill("#f-registration_closes_at", _local(start - timedelta(hours=2)))
    page.select_option("#f-queue", "on")
    page.fill("#f-expected_demand", "50000")
    if width == PHONE["width"]:
        _fits(page, width)
    page.locator("#f-queue").scroll_into_view_if_needed()
    page.screenshot(path=str(screenshots / f"organizer-queue-{tag}-{width}.png"))
    page.click("#save-activity")
    page.wait_for_selector("#manage:not([hidden])")
    act = requests.get(f"{desk_site['base']}/api/v1/activities/{aid}", timeout=5).json()
    assert (act["queue"], act["expected_demand"]) == ("on", 50000)
    page.click("#edit-activity")
    page.wait_for_function("() => document.getElementById('f-expected_demand').value === '50000'")
    assert page.locator("#f-queue").input_value() == "on"
    assert page.js_errors == []
    ctx.close()
