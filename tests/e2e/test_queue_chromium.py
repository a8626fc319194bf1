"""The release queue's page in real Chromium (issue 28 item 4), at 360/390 px and 1280 px, in
Chinese and in English: joining before the release (waiting), the page turning by itself at the
release (the poll), the place and the people ahead, the turn with its button to the form carrying
the token, a registration made with it, and sold out told at once to those still queued.

The registration app runs on a real HTTP server in this process, against the session's real
Redis; verified sessions are seeded (tests/fair_support.py), as the other fair-access suites do.
"""

from __future__ import annotations

import threading
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import requests
from werkzeug.serving import make_server

from services.registration.access.api import COOKIE
from tests.conftest import activity_doc, wait_for
from tests.fair_support import bearer, seed_session

VIEWS = [(360, "zh-CN"), (390, "en"), (1280, "zh-CN"), (1280, "en")]
TEXT = {
    "zh-CN": {
        "join": "加入排队",
        "in": "您已在排队",
        "one": "每个手机号只有一个位置",
        "go": "进入报名表",
        "register": "提交报名",
        "done": "报名成功",
        "sold": "名额和候补都已满",
        "mine": "我的排队",
    },
    "en": {
        "join": "Join the queue",
        "in": "You are in the queue",
        "one": "One place per phone",
        "go": "Go to the registration form",
        "register": "Register",
        "done": "You are registered",
        "sold": "All seats and the waitlist are taken",
        "mine": "My queue places",
    },
}
RELEASE_IN_S = 10  # the release of the queues below: after their phones have joined and their pages opened


def _serve(app):
    server = make_server("127.0.0.1", 0, app, threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


@pytest.fixture
def site(settings, redis):
    from services.registration.app import create_app
    from shared.auth import create_token

    s = settings.with_overrides(
        require_verified_phone=1,
        rate_limit_ip_per_min=0,
        queue_poll_s=1,  # the page asks every second: the test waits less
        queue_heartbeat_s=2,  # and hears sold out within 2 s (not the 60 s heartbeat)
        queue_rate_per_min=1,  # place 1 is let in at the release, place 2 a minute later
    )
    reg = _serve(create_app(s, redis_client=redis))
    base = f"http://127.0.0.1:{reg.server_port}"
    org = {"Authorization": "Bearer " + create_token(redis, s.redis_prefix, "organizer", "t")}
    yield {"base": base, "prefix": s.redis_prefix, "org": org}
    reg.shutdown()


@pytest.fixture
def view(browser, request):
    width, locale = request.param
    phone = width < 1000
    ctx = browser.new_context(
        viewport={"width": width, "height": 844 if phone else 800},
        device_scale_factor=2 if phone else 1,
        is_mobile=phone,
        has_touch=phone,
        locale=locale,
    )
    yield width, locale, ctx
    ctx.close()


def _activity(site, aid: str, release: datetime, **over) -> None:
    doc = activity_doc(
        aid,
        audience="public",
        queue="on",
        registration_opens_at=release.isoformat(),
        title={"zh": "巨幕影院·首映排队场", "en": "IMAX premiere (queued)"},
        **over,
    )
    r = requests.post(f"{site['base']}/api/v1/activities", json=doc, headers=site["org"], timeout=5)
    assert r.status_code == 201, r.text


def _me(site, aid: str, token: str) -> dict:
    r = requests.get(f"{site['base']}/api/v1/activities/{aid}/queue/me", headers=bearer(token), timeout=5)
    assert r.status_code == 200, r.text
    return r.json()


def _as(ctx, site, token: str):
    ctx.clear_cookies()
    ctx.add_cookies([{"name": COOKIE, "value": token, "url": site["base"]}])


def _fits(page, width: int) -> None:
    assert page.evaluate("() => document.scrollingElement.scrollWidth") <= width


def _state_is(page, *states: str) -> None:
    page.wait_for_function(
        "(states) => states.includes(document.querySelector('#queue')?.dataset.state)", arg=list(states)
    )


@pytest.mark.parametrize("view", VIEWS, indirect=True, ids=[f"{w}-{lo}" for w, lo in VIEWS])
def test_the_queue_page_from_joining_to_sold_out(site, view, redis, screenshots):
    width, locale, ctx = view
    text, lang, tag = TEXT[locale], ("en" if locale == "en" else "zh-CN"), f"{width}-{locale.lower()}"
    k = VIEWS.index((width, locale))
    now = datetime.now(ZoneInfo("Asia/Shanghai")).replace(microsecond=0)
    tokens = [seed_session(redis, site["prefix"], f"1390000{k}{i:03d}") for i in range(3)]

    # 1. Twenty minutes before a release: the page offers the queue; joining says what happens next.
    later = f"q-later-{k}"
    _activity(site, later, now + timedelta(minutes=20))
    _as(ctx, site, tokens[0])
    page = ctx.new_page()
    errors: list[str] = []  # a script error or a CSP refusal would show here
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
    page.goto(f"{site['base']}/a/{later}?lang={lang}")
    assert text["one"] in page.locator("#queue-one-place").inner_text()
    _fits(page, width)
    page.screenshot(path=str(screenshots / f"queue-join-{tag}.png"), full_page=True)
    page.get_by_role("button", name=text["join"]).click()
    page.wait_for_url(f"**/a/{later}*")
    assert text["in"] in page.locator("#queue-in").inner_text()
    _fits(page, width)
    page.screenshot(path=str(screenshots / f"queue-waiting-{tag}.png"), full_page=True)

    # 2. A release in a few seconds, three phones in its queue (one seat, no waitlist).
    soon = f"q-soon-{k}"
    _activity(
        site,
        soon,
        now + timedelta(seconds=RELEASE_IN_S),
        capacity=1,
        max_party_size=1,
        waitlist={"enabled": False, "max_length": 0},
    )
    for t in tokens:
        r = requests.post(f"{site['base']}/api/v1/activities/{soon}/queue", headers=bearer(t), timeout=5)
        assert r.status_code in (200, 201), r.text
    page.goto(f"{site['base']}/a/{soon}?lang={lang}")
    _state_is(page, "waiting")
    _state_is(page, "queued", "admitted")  # the page turned by itself at the release (queue.js)
    # Admissions begin once the three present have heard their place (1 s at the polls' budget:
    # queue/rules.admission_from_ms), then place 1 is admitted.
    states = wait_for(
        lambda: (
            (got := [_me(site, soon, t) for t in tokens])
            and any(q["state"] == "admitted" for q in got)
            and got
        ),
        timeout=10,
        what="place 1 admitted",
    )
    first = next(i for i, q in enumerate(states) if q["state"] == "admitted")
    second = next(i for i, q in enumerate(states) if q["state"] == "queued")

    # 3. A queued phone sees its place, the people ahead and an estimate.
    _as(ctx, site, tokens[second])
    page.goto(f"{site['base']}/a/{soon}?lang={lang}")
    _state_is(page, "queued")
    assert page.locator("#queue-position").inner_text() == str(states[second]["position"])
    assert page.locator("#queue-ahead").inner_text() == str(states[second]["ahead"])
    _fits(page, width)
    page.screenshot(path=str(screenshots / f"queue-position-{tag}.png"), full_page=True)
    waiting_page = page

    # 4. The admitted phone's turn: the button opens the form with the token; it registers.
    other = ctx.browser.new_context(
        viewport={"width": width, "height": 844 if width < 1000 else 800}, locale=locale
    )
    _as(other, site, tokens[first])
    turn = other.new_page()
    turn.goto(f"{site['base']}/a/{soon}?lang={lang}")
    _state_is(turn, "admitted")
    _fits(turn, width)
    turn.screenshot(path=str(screenshots / f"queue-admitted-{tag}.png"), full_page=True)
    turn.get_by_role("link", name=text["go"]).click()
    turn.wait_for_selector("input[name=queue_token]", state="attached")  # the form, with the token
    turn.fill("#f-name", "Li Lei" if locale == "en" else "李雷")
    turn.check("input[name=consent]")
    turn.get_by_role("button", name=text["register"]).click()
    turn.wait_for_url("**/t/**")
    assert text["done"] in turn.content()
    other.close()

    # 5. The seat is gone and there is no waitlist: the queued page says so by itself.
    _state_is(waiting_page, "sold_out")
    assert text["sold"] in waiting_page.locator("#queue-sold-out").inner_text()
    _fits(waiting_page, width)
    waiting_page.screenshot(path=str(screenshots / f"queue-sold-out-{tag}.png"), full_page=True)
    assert errors == []

    # 6. 我的报名 lists the phone's queue places.
    waiting_page.goto(f"{site['base']}/me?lang={lang}")
    assert text["mine"] in waiting_page.content()
    assert waiting_page.locator(f"#queue-places a[href='/a/{soon}']").count() == 1
    _fits(waiting_page, width)
    waiting_page.screenshot(path=str(screenshots / f"queue-mine-{tag}.png"), full_page=True)


def test_the_page_keeps_asking_after_errors(site, browser, redis):
    """Failed asks (the server busy) do not stop the page: it backs off, asks again, and turns at
    the release as if nothing had happened."""
    now = datetime.now(ZoneInfo("Asia/Shanghai")).replace(microsecond=0)
    token = seed_session(redis, site["prefix"], "13900009001")
    aid = "q-errors"
    _activity(site, aid, now + timedelta(seconds=RELEASE_IN_S))
    r = requests.post(f"{site['base']}/api/v1/activities/{aid}/queue", headers=bearer(token), timeout=5)
    assert r.status_code == 201, r.text
    ctx = browser.new_context(viewport={"width": 360, "height": 780}, locale="zh-CN")
    _as(ctx, site, token)
    failed: list[str] = []

    def busy(route):
        if len(failed) < 2:
            failed.append(route.request.url)
            route.fulfill(status=503, content_type="application/json", body="{}")
        else:
            route.continue_()

    page = ctx.new_page()
    page.route("**/queue/me", busy)
    page.goto(f"{site['base']}/a/{aid}")
    _state_is(page, "waiting")
    _state_is(page, "admitted")  # the only place: let in at the release
    assert len(failed) == 2
    ctx.close()
