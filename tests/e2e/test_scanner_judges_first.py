"""Issue 26 item 1 in real Chromium (phone 390 wide and desktop 1280, zh-CN and en): the scanner
judges before it prompts, online and offline.

- A ticket whose seats went to standby is refused (red, 座位已释放给现场候补) with no count asked
  first: online even when the page's list is older than the release (the server is asked first),
  offline from the list.
- A party partly admitted at another gate is offered only the rest.
- A party admitted at another gate is refused with that gate and the time.

Screenshots: var/screenshots/scanner-judge-<case>-<online|offline>-<lang>-<phone|desktop>.png.
"""

from __future__ import annotations

import json
import uuid
from datetime import datetime

import pytest
import requests

from services.checkin.standby.store import StandbyStore
from shared.redis_scripts import connect
from tests.e2e.test_scanner_chromium import TZ, bearer, make_activity, register, seq, steward, verdict
from tests.e2e.test_scanner_door_verdicts import _scanner

__all__ = ["steward"]

SCREENS = {
    "phone": {"viewport": {"width": 390, "height": 844}, "device_scale_factor": 2, "is_mobile": True,
              "has_touch": True},
    "desktop": {"viewport": {"width": 1280, "height": 800}},
}  # fmt: skip
WORDS = {
    "zh-CN": {
        "check": "核验",
        "released": "座位已释放给现场候补",
        "inside": "已入场 {at} 2号门",
        "rest": "已入场 1 人，还剩 2 人",
        "admit": "确认入场 2 人",
    },
    "en": {
        "check": "Check",
        "released": "Seat released to standby",
        "inside": "Already checked in {at} 2号门",
        "rest": "1 in, 2 to come",
        "admit": "Admit 2 people",
    },
}
STATE_KEY = "sciday.scan.state"


def _admit_elsewhere(urls, token, code, admit=None) -> str:
    """Another scanner admits at 2号门; the time of that admission, as the door shows it."""
    body = {"code": code, "gate": "2号门", "nonce": uuid.uuid4().hex, "admit": admit}
    r = requests.post(f"{urls['checkin']}/api/v1/checkins", json=body, headers=bearer(token), timeout=10)
    assert r.status_code == 201, r.text
    return f"{datetime.fromisoformat(r.json()['checked_in_at']).astimezone(TZ):%H:%M}"


def _state(urls, token) -> dict:
    r = requests.get(f"{urls['checkin']}/api/v1/scanner/state?gate=1号门", headers=bearer(token), timeout=5)
    assert r.status_code == 200, r.text
    return r.json()


def _wait_listed(urls, token, aids):
    from tests.conftest import wait_for

    def known():
        return {a["id"] for a in _state(urls, token)["activities"]} >= set(aids)

    wait_for(known, timeout=30, what=f"{aids} in the scanner state")


@pytest.fixture
def door(urls, organizer_token, steward, stack_settings, request):
    """Two activities: one whose seats go to standby, one with parties in at 2号门."""
    tag = uuid.uuid4().hex[:6]
    rel, part = f"judge-rel-{tag}", f"judge-in-{tag}"
    make_activity(urls, organizer_token, rel, title={"zh": "球幕电影·候补场", "en": "Dome film, standby"})
    make_activity(urls, organizer_token, part, title={"zh": "科学实验秀", "en": "Science show"})
    base = 13790000000 + int(tag, 16) % 9000 * 10
    phones = iter(str(base + i) for i in range(10))
    codes = {
        "released_on": register(urls, rel, next(phones), 2),
        "released_off": register(urls, rel, next(phones), 2),
        "partly_on": register(urls, part, next(phones), 3),
        "partly_off": register(urls, part, next(phones), 3),
        "inside_on": register(urls, part, next(phones), 2),
        "inside_off": register(urls, part, next(phones), 2),
    }
    _wait_listed(urls, steward, [rel, part])
    at = {}
    for name in ("partly_on", "partly_off"):
        _admit_elsewhere(urls, steward, codes[name], admit=1)
    for name in ("inside_on", "inside_off"):
        at[name] = _admit_elsewhere(urls, steward, codes[name])
    release = StandbyStore(connect(stack_settings.redis_url), stack_settings)
    return {
        "codes": codes,
        "at": at,
        "released": rel,
        "release": lambda: release.release(rel, datetime.now(TZ).isoformat()),
    }


def _scan(page, lang, code, state):
    """One typed scan; its first verdict must be ``state`` (no other panel before it)."""
    n = seq(page)
    page.fill("#f-code", code)
    page.get_by_role("button", name=WORDS[lang]["check"], exact=True).click()
    got = verdict(page, state, n)
    assert seq(page) == n + 1, "another panel came first"
    page.evaluate("() => window.scrollTo(0, 0)")
    return got


def _judged(page, lang, door, where, shot):
    """The three tickets scanned ``on`` or ``off`` line: the verdict is the first panel shown."""
    words, codes, mode = WORDS[lang], door["codes"], {"on": "online", "off": "offline"}[where]
    got = _scan(page, lang, codes[f"released_{where}"], "refused")
    assert (got["reason"], got["head"]) == ("seat_released", words["released"])
    shot(f"released-{mode}")
    page.unroute("**/api/v1/scanner/state*")  # online: the list was held back for the first scan

    _scan(page, lang, codes[f"partly_{where}"], "pending")
    assert page.locator("#step-value").inner_text() == "2"  # only the rest
    assert page.locator("#step-plus").is_disabled()
    assert page.locator("#v-sub").inner_text() == words["rest"]
    assert page.locator("#party-confirm").inner_text() == words["admit"]
    shot(f"partly-{mode}")
    page.click("#party-cancel")

    got = _scan(page, lang, codes[f"inside_{where}"], "refused")
    at = door["at"][f"inside_{where}"]
    assert (got["reason"], got["head"]) == ("already_checked_in", words["inside"].format(at=at))
    shot(f"inside-{mode}")


@pytest.mark.parametrize("screen", ["phone", "desktop"])
@pytest.mark.parametrize("lang", ["zh-CN", "en"])
def test_the_scanner_judges_before_it_prompts(browser, urls, steward, door, screenshots, lang, screen):
    ctx, page = _scanner(browser, urls, steward, lang, screen=SCREENS[screen], gate="1号门")

    def shot(name):
        page.screenshot(path=str(screenshots / f"scanner-judge-{name}-{lang}-{screen}.png"))

    try:
        # Online, the page's list from before the release (as in the 4 s between two refreshes).
        stale = _state(urls, steward)
        page.route("**/api/v1/scanner/state*", lambda route: route.fulfill(json=stale))
        door["release"]()
        _judged(page, lang, door, "on", shot)

        # Offline, from the list: the release and the admissions at 2号门 are in it.
        page.wait_for_function(
            "([key, aid]) => (JSON.parse(localStorage.getItem(key)).activities || [])"
            ".some((a) => a.id === aid && (a.released || []).length > 0)",
            arg=[STATE_KEY, door["released"]],
        )
        page.context.set_offline(True)
        page.wait_for_selector('#net[data-online="0"]')
        _judged(page, lang, door, "off", shot)
        width = page.evaluate("() => document.documentElement.scrollWidth")
        assert width <= SCREENS[screen]["viewport"]["width"]
        assert json.loads(page.evaluate("() => localStorage.getItem('sciday.scan.queue') || '[]'")) == []
        assert not [p for p in page.problems if not p.startswith("Failed to load resource")], page.problems
    finally:
        ctx.close()
