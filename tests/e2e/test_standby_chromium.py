"""The standby door screen in Chromium, zh-CN and en, at 360 px and on a TV, against the running
stack: numbers called through the API appear, newest first, with no phone on the page."""

from __future__ import annotations

from datetime import datetime, timedelta

import requests

from services.checkin.standby.store import StandbyStore
from shared.auth import create_token
from shared.redis_scripts import connect
from tests.conftest import activity_doc, wait_for
from tests.e2e.test_door import TZ

AID = "sb-screen"


def _setup(urls, stack_settings, organizer_token):
    now = datetime.now(TZ).replace(microsecond=0)
    doc = activity_doc(
        AID,
        capacity=20,
        audience="public",
        starts_at=(now + timedelta(minutes=30)).isoformat(),
        ends_at=(now + timedelta(minutes=150)).isoformat(),
        registration_closes_at=(now + timedelta(minutes=20)).isoformat(),
    )
    org = {"Authorization": f"Bearer {organizer_token}"}
    assert requests.post(f"{urls['registration']}/api/v1/activities", json=doc, headers=org, timeout=10).ok
    for i, party in enumerate([4, 3]):
        r = requests.post(
            f"{urls['registration']}/api/v1/activities/{AID}/registrations",
            json={"name": "家长", "phone": f"1370000000{i}", "party_size": party},
            timeout=10,
        )
        assert r.status_code == 201, r.text
    board = f"{urls['checkin']}/api/v1/activities/{AID}/standby"
    redis = connect(stack_settings.redis_url)
    store = StandbyStore(redis, stack_settings)
    wait_for(
        lambda: len(store.projection.redis.hkeys(store.projection.regs_key(AID))) == 2, what="projection"
    )
    for i, party in enumerate([2, 1, 4, 1, 2, 1]):
        store.join(
            AID, f"h{i}", {"party_size": party, "phone_sealed": f"SX1.notify.1.p{i}", "locale": "zh-CN"}
        )
    # Nobody of the two parties came: the release step itself (its timing rule has unit tests).
    assert store.release(AID, now.isoformat())["released"] == 7
    steward = {
        "Authorization": "Bearer "
        + create_token(redis, stack_settings.redis_prefix, "steward", "门岗", "ln-stm")
    }
    r = requests.post(f"{board}/calls", json={"most": 0}, headers=steward, timeout=10)
    assert r.status_code == 201, r.text
    return [c["number"] for c in r.json()], requests.get(board, timeout=10).json()


def test_the_door_screen_lists_numbers_called_in_both_languages(
    stack, stack_settings, urls, organizer_token, browser, screenshots
):
    called, board = _setup(urls, stack_settings, organizer_token)
    assert called == [1, 2, 3]  # 2 + 1 + 4 = 7 seats; 4, 5 and 6 wait
    assert board["called"] == [3, 2, 1] and board["waiting"] == 3 and board["seats_free"] == 0
    for lang, width, height in (("zh-CN", 360, 740), ("en", 360, 740), ("zh-CN", 1280, 720)):
        ctx = browser.new_context(
            viewport={"width": width, "height": height}, locale=lang, device_scale_factor=2
        )
        page = ctx.new_page()
        page.goto(f"{urls['checkin']}/standby/{AID}/screen?lang={lang}")
        assert page.locator("#latest").inner_text() == "3"
        assert page.locator("#earlier li").all_inner_texts() == ["2", "1"]
        assert page.locator("#waiting").inner_text() == "3"
        text = page.locator("body").inner_text()
        assert "1390000" not in text  # no phone on a public screen
        if lang == "en":
            assert "Latest number called" in text
            assert not any(
                "\u4e00" <= ch <= "\u9fff" for ch in text.replace("中文", "")
            )  # no Chinese but the switch
        else:
            assert "最新叫号" in text and "Latest" not in text
        assert page.evaluate("document.documentElement.scrollWidth") <= width
        page.screenshot(path=str(screenshots / f"standby-screen-{lang}-{width}.png"), full_page=True)
        ctx.close()
