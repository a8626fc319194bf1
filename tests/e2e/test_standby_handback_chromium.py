"""Issue 27 item 3 at the standby desk, in real Chromium against the running stack, phone and
desktop, zh-CN and en: a seat a registrant handed back on a ``handback: waitlist`` activity that
nobody waits for shows as "退回的名额 / Seats handed back", and joins the free seats at the release.

Screenshots: var/screenshots/standby-desk-handback-*.png.
"""

from __future__ import annotations

import pytest
import requests

from services.checkin.standby.store import StandbyStore
from shared import sealed
from shared.auth import create_token
from shared.redis_scripts import connect
from tests.conftest import wait_for
from tests.e2e.test_scanner_chromium import VENUE, booking, make_activity
from tests.e2e.test_supervise_chromium import VIEWS, _fits, _one_language, _page, _sign_in


def _handed_back(urls, organizer_token, stack_settings, aid) -> StandbyStore:
    """Capacity 3: a party of 2 keeps its seats, a party of 1 cancels (nobody waits), one walk-in."""
    make_activity(
        urls, organizer_token, aid, capacity=3, handback="waitlist", waitlist={"enabled": False},
        title={"zh": "巨幕·退回名额", "en": "IMAX seats handed back"},
    )  # fmt: skip
    booking(urls, aid, "13700027100", 2)
    leaving = booking(urls, aid, "13700027101", 1)
    token = leaving["manage_url"].split("t=")[1]
    r = requests.delete(
        f"{urls['registration']}/api/v1/registrations/{leaving['registration_id']}?token={token}", timeout=10
    )
    assert r.status_code == 200, r.text
    store = StandbyStore(connect(stack_settings.redis_url), stack_settings)
    wait_for(lambda: store.board(aid)["handed_back"] == 1, what="the handed-back seat at check-in")
    ring = sealed.sealer(stack_settings, sealed.NOTIFY)  # as the join page seals it (notify opens it)
    entry = {
        "party_size": 1,
        "phone_masked": "139****0071",
        "phone_sealed": ring.seal({"phone": "13900000071"}),
    }
    store.join(aid, f"{aid}-h1", {**entry, "locale": "zh-CN"})
    return store


@pytest.mark.parametrize("lang", ["zh-CN", "en"])
def test_the_standby_desk_shows_seats_handed_back_and_frees_them_at_the_release(
    stack, urls, organizer_token, stack_settings, browser, screenshots, lang
):
    aid = f"sv-hb-{lang.lower()}"
    store = _handed_back(urls, organizer_token, stack_settings, aid)
    steward = create_token(
        connect(stack_settings.redis_url), stack_settings.redis_prefix, "steward", "候补台", VENUE
    )
    (_, width, height, phone), (_, wide, tall, _p) = [v for v in VIEWS if v[0] == lang]
    ctx, page = _page(browser, lang, width, height, phone)
    url = f"{urls['checkin']}/standby-desk?lang={lang}&activity={aid}"
    _sign_in(page, url, steward, "西门")
    page.wait_for_function("() => document.querySelector('#handed-back').textContent === '1'")
    assert page.locator("#seats-free").inner_text() == "0"  # the waitlist might still take it
    label = page.locator(".handed .label").inner_text()
    assert label == ("退回的名额" if lang == "zh-CN" else "Seats handed back")
    page.screenshot(
        path=str(screenshots / f"standby-desk-handback-{lang}-{width}-before.png"), full_page=True
    )
    assert store.release(aid, "2026-01-01T00:00:00+08:00") == {  # the step itself
        "released": 2,
        "handed_back": 1,
        "registrations": 1,
        "replayed": False,
    }
    page.reload()
    page.wait_for_function("() => document.querySelector('#seats-free').textContent === '3'")
    assert page.locator("#handed-back").inner_text() == "1"
    _one_language(page, lang)
    _fits(page, width)
    page.screenshot(path=str(screenshots / f"standby-desk-handback-{lang}-{width}.png"), full_page=True)
    ctx.close()
    ctx, page = _page(browser, lang, wide, tall, False)
    _sign_in(page, url, steward, "西门")
    page.wait_for_function("() => document.querySelector('#seats-free').textContent === '3'")
    _fits(page, wide)
    page.screenshot(path=str(screenshots / f"standby-desk-handback-{lang}-{wide}.png"), full_page=True)
    ctx.close()
