"""Issue 29 item 7 in real Chromium, at 360 px and at 1280x800, in Chinese and in English: the ticket
page's "加入日历 / Add to calendar" link downloads the registration's calendar file (RFC 5545),
in the page's language. The registration app runs on a real HTTP server in this process, against
the session's real Redis."""

from __future__ import annotations

import threading
from urllib.parse import urlsplit

import pytest
import requests
from werkzeug.serving import make_server

from services.registration.app import create_app as registration_app
from shared.auth import create_token
from tests.conftest import activity_doc

TEXT = {
    "zh-CN": ("加入日历", "SUMMARY:巨幕科技工作者专场"),
    "en": ("Add to calendar", "SUMMARY:IMAX special screening"),
}
VIEWS = {"phone": {"width": 360, "height": 780}, "desktop": {"width": 1280, "height": 800}}


@pytest.fixture
def ticket(settings, redis):
    s = settings.with_overrides(rate_limit_ip_per_min=0, rate_limit_phone_per_min=0)
    server = make_server("127.0.0.1", 0, registration_app(s, redis_client=redis), threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{server.server_port}"
    org = {"Authorization": "Bearer " + create_token(redis, s.redis_prefix, "organizer", "t")}
    assert requests.post(
        f"{base}/api/v1/activities", json=activity_doc("imax-cal"), headers=org, timeout=5
    ).ok
    body = {"name": "张三", "phone": "13800000002", "organization": "沈阳分院", "party_size": 2}
    r = requests.post(f"{base}/api/v1/activities/imax-cal/registrations", json=body, timeout=5)
    assert r.status_code == 201, r.text
    url = urlsplit(r.json()["ticket"]["url"])
    yield f"{base}{url.path}?{url.query}"
    server.shutdown()


@pytest.mark.parametrize("view", ["phone", "desktop"])
@pytest.mark.parametrize("locale", ["zh-CN", "en"])
def test_the_ticket_page_downloads_its_calendar_file(browser, ticket, screenshots, locale, view):
    ctx = browser.new_context(
        viewport=VIEWS[view], locale=locale, is_mobile=view == "phone", accept_downloads=True
    )
    lang, (label, summary) = ("en" if locale == "en" else "zh-CN"), TEXT[locale]
    page = ctx.new_page()
    page.goto(f"{ticket}&lang={lang}")
    link = page.get_by_role("link", name=label)
    box = link.bounding_box()
    assert box and box["height"] >= 44  # a big target
    assert page.evaluate("() => document.scrollingElement.scrollWidth") <= VIEWS[view]["width"]
    page.screenshot(path=str(screenshots / f"calendar-ticket-{locale.lower()}-{view}.png"), full_page=True)
    with page.expect_download() as got:
        link.click()
    download = got.value
    assert download.suggested_filename == "sciday.ics"
    data = open(download.path(), "rb").read()
    text = data.decode("utf-8").replace("\r\n ", "")
    assert text.startswith("BEGIN:VCALENDAR\r\n") and f"\r\n{summary}\r\n" in text
    assert "13800000002" not in text and "张三" not in text
    ctx.close()
