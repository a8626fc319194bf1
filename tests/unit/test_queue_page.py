"""The release queue's page (issue 28 item 4): the honest estimate in both languages, and a page
that works without script and on a slow phone (its own refresh, a small page). The states in
Chromium: tests/e2e/test_queue_chromium.py."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from services.registration import vocabulary as v
from services.registration.queue import pages

STATIC = Path(pages.__file__).resolve().parents[1] / "static"
PAGE_BUDGET = 24_000  # bytes of HTML, CSS and script a queued phone loads (a slow 2G second or two)


@pytest.fixture
def app(store_settings, store_redis):
    from services.registration.app import create_app

    return create_app(store_settings.with_overrides(queue_poll_s=4), redis_client=store_redis)


def _status(state: str, **over) -> dict:
    release = datetime(2026, 5, 20, 2, 0, tzinfo=UTC).isoformat()
    base = {"state": state, "queue_state": v.Q_RELEASED, "release_at": release, "poll_s": 4, "joined": 9}
    return base | over


@pytest.mark.parametrize(
    ("lang", "seconds", "said"),
    [
        ("zh-CN", 0, "不到 1 分钟"),
        ("zh-CN", 61, "大约 2 分钟"),
        ("en", 0, "Less than a minute"),
        ("en", 60, "About 1 minute"),
        ("en", 61, "About 2 minutes"),
    ],
)
def test_the_estimate_is_rounded_up_to_whole_minutes(app, lang, seconds, said):
    with app.test_request_context(f"/?lang={lang}"):
        assert pages.estimate_text(seconds) == said


def test_a_queued_page_says_place_ahead_and_estimate_and_refreshes_without_script(app):
    status = _status(v.Q_QUEUED, position=40, ahead=12, estimate_s=125)
    with app.test_request_context("/?lang=en"):
        page = pages.page_of(status, phone="13800001234")
        doc = {"id": "imax-q", "title": {"zh": "巨幕", "en": "IMAX"}}
        html = pages.render("queue.html", a=_shown(doc), page=page).get_data(as_text=True)
    assert (page["position"], page["ahead"], page["estimate"]) == (40, 12, "About 3 minutes")
    assert '<noscript><meta http-equiv="refresh" content="4"></noscript>' in html
    assert 'data-poll-url="/api/v1/activities/imax-q/queue/me"' in html
    assert "13800001234" not in html  # never the phone unmasked
    size = len(html.encode()) + sum((STATIC / f).stat().st_size for f in ("site.css", "js/queue.js"))
    assert size < PAGE_BUDGET


def test_sold_out_stops_asking_and_offers_standby(app):
    with app.test_request_context("/"):
        page = pages.page_of(_status(v.SOLD_OUT), phone="13800001234")
        html = pages.render("queue.html", a=_shown({"id": "imax-q"}), page=page).get_data(as_text=True)
    assert not page["poll"]
    assert "refresh" not in html and "queue.js" not in html
    assert 'href="/standby/imax-q"' in html


def _shown(doc: dict) -> dict:
    """Enough of an activity for queue.html's heading."""
    now = datetime(2026, 5, 23, 2, 0, tzinfo=UTC)
    return {
        "title": {"zh": "巨幕", "en": "IMAX"},
        "starts_at": now.isoformat(),
        "ends_at": (now + timedelta(hours=2)).isoformat(),
        "venue": {"name": "科技馆"},
        "hall": "",
    } | doc
