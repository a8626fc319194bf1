"""Issue 27 item 3 in real Chromium (desktop 1280×800 and phone 390×844, zh-CN and en): a seat
handed back shows on the organizers' list ("退回 1" / "1 handed back") and not as a seat left on
the public list; the activity form shows and keeps where a seat given back goes. Screenshots under
var/screenshots/handback-*.png."""

from __future__ import annotations

import pytest
import requests

from tests.conftest import activity_doc
from tests.e2e.test_organizer_form_chromium import DESK, PHONE, _fits, _log_in, _page

SAID = {"zh-CN": ("退回 1", "余 1 座"), "en": ("1 handed back", "1 seats left")}


@pytest.fixture
def site(store_settings, store_redis):
    """Registration served in-process on the test's Redis (no broker: nothing here reads events)."""
    from services.registration.app import create_app
    from shared.auth import create_token
    from tests.e2e.test_fair_chromium import _serve

    s = store_settings.with_overrides(
        require_verified_phone=0, rate_limit_ip_per_min=0, rate_limit_phone_per_min=0
    )
    server = _serve(create_app(s, redis_client=store_redis))
    token = create_token(store_redis, s.redis_prefix, "organizer", "省科协")
    yield {"base": f"http://127.0.0.1:{server.server_port}", "token": token}
    server.shutdown()


def handed_back_one(site, aid: str) -> None:
    """3 seats, two booked, one of them cancelled: 1 taken, 1 handed back, 1 never booked."""
    base, org = site["base"], {"Authorization": f"Bearer {site['token']}"}
    doc = activity_doc(aid, capacity=3, max_party_size=1, waitlist={"enabled": False}, handback="waitlist")
    doc["venue"].update(
        name_en="Liaoning Science and Technology Museum", address_en="159 Zhihui 3rd St, Shenyang"
    )
    doc["hall_en"] = "IMAX Theatre"
    assert requests.post(f"{base}/api/v1/activities", json=doc, headers=org, timeout=5).status_code == 201
    regs = []
    for n in (1, 2):
        body = {"name": "张三", "phone": f"1390000000{n}", "party_size": 1, "organization": "沈阳分院"}
        regs.append(
            requests.post(f"{base}/api/v1/activities/{aid}/registrations", json=body, timeout=5).json()
        )
    token = regs[0]["manage_url"].split("t=", 1)[1]
    gone = requests.delete(f"{base}/api/v1/registrations/{regs[0]['registration_id']}?t={token}", timeout=5)
    assert gone.status_code == 200
    act = requests.get(f"{base}/api/v1/activities/{aid}", timeout=5).json()
    assert (act["seats_left"], act["seats_handed_back"], act["seats_taken"]) == (1, 1, 1)


@pytest.mark.parametrize("locale", ["zh-CN", "en"])
@pytest.mark.parametrize("viewport", [DESK, PHONE], ids=["1280", "390"])
def test_handed_back_seats_show_to_the_organizer_and_not_as_seats_left(
    site, browser, screenshots, locale, viewport
):
    tag, width, aid = locale.lower(), viewport["width"], "hb-" + locale.lower()
    handed_back_one(site, aid)
    ctx, page = _page(browser, locale, viewport)
    _log_in(page, site, locale)
    row = page.locator(f"#activity-list tbody tr[data-id='{aid}']")
    assert SAID[locale][0] in row.inner_text()
    if width == PHONE["width"]:
        _fits(page, width)
    page.screenshot(path=str(screenshots / f"handback-organizer-list-{tag}-{width}.png"), full_page=True)
    row.locator("button").click()
    page.wait_for_selector("#manage:not([hidden])")
    page.click("#edit-activity")
    page.wait_for_function("() => document.getElementById('f-handback').value === 'waitlist'")
    page.locator("[data-field=handback]").scroll_into_view_if_needed()
    label = page.locator("label[for=f-handback]").inner_text()
    assert label == ("A seat given back goes" if locale == "en" else "退回的名额")
    page.screenshot(path=str(screenshots / f"handback-organizer-form-{tag}-{width}.png"))
    page.select_option("#f-handback", "pool")  # the organizer gives the seat back to booking
    page.click("#save-activity")
    page.wait_for_function(
        f"() => !document.querySelector(\"tr[data-id='{aid}']\").textContent.includes('{SAID[locale][0]}')"
    )
    act = requests.get(f"{site['base']}/api/v1/activities/{aid}", timeout=5).json()
    assert (act["handback"], act["seats_left"], act["seats_handed_back"]) == ("pool", 2, 0)
    assert page.js_errors == []
    ctx.close()


@pytest.mark.parametrize("locale", ["zh-CN", "en"])
def test_the_public_list_counts_no_handed_back_seat_as_left(site, phone, screenshots, locale):
    handed_back_one(site, "hb-list")
    page = phone
    page.goto(f"{site['base']}/?lang={'en' if locale == 'en' else 'zh'}")
    card = page.locator("text=" + SAID[locale][1])
    assert card.count() == 1  # 3 seats, 1 taken, 1 handed back: 1 left
    _fits(page, 390)
    page.screenshot(path=str(screenshots / f"handback-public-list-{locale.lower()}-390.png"), full_page=True)
