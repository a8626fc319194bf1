"""axe-core in Chromium over every page in tests/e2e/axe_pages.py (issue 29 item 1): zh-CN and en,
registrant pages in both modes (standard and 长辈模式), staff pages at their sign-in form and
signed in. No serious or critical violation.

axe-core is vendored (services/checkin/static/vendor/axe-core) and reaches the page through a
Playwright route on the page's own origin, so the pages keep their production CSP. One stack, one
browser, a context per page.
"""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
import requests

from tests.conftest import ROOT, activity_doc
from tests.e2e.axe_pages import PAGES, AxePage, Site, registrant
from tests.e2e.test_door import TZ
from tests.e2e.test_standby_join_chromium import verify_phone
from tests.integration.test_checkin_api import soon

AXE = ROOT / "services/checkin/static/vendor/axe-core/axe.min.js"
AXE_PATH = "/__axe__/axe.min.js"  # routed by the test: no service serves it
LANGS = ("zh-CN", "en")
MODES = ("standard", "elder")
SERIOUS = ("serious", "critical")
RUN = """async () => {
  const r = await axe.run(document, {resultTypes: ['violations']});
  return r.violations.filter(v => ['serious', 'critical'].includes(v.impact)).map(v => ({
    id: v.id, impact: v.impact, help: v.help,
    nodes: v.nodes.slice(0, 4).map(n => n.target.join(' ') + ' :: ' + (n.failureSummary || '')),
  }));
}"""


def _post(url: str, org: dict, body: dict) -> requests.Response:
    r = requests.post(url, json=body, headers=org, timeout=10)
    assert r.status_code == 201, r.text
    return r


def seed(urls: dict, org: dict, prefix: str = "axe", phone: str = "13912349002") -> Site:
    """The activities, the registration (of ``phone``) and the lottery the pages show; the ids
    begin with ``prefix``, so two modules of one session seed apart."""
    reg = urls["registration"]
    ids = {k: f"{prefix}-{k}" for k in ("open", "lot", "queue", "soon")}
    now = datetime.now(TZ).replace(microsecond=0)
    _post(f"{reg}/api/v1/activities", org, activity_doc(ids["open"], audience="public"))
    made = _post(
        f"{reg}/api/v1/activities/{ids['open']}/registrations",
        {},
        {"name": "陈科", "phone": phone, "party_size": 2},
    ).json()
    _post(f"{reg}/api/v1/activities", org, activity_doc(ids["lot"], audience="public", allocation="lottery"))
    lottery = {
        "opens_at": (now - timedelta(minutes=1)).isoformat(),
        "closes_at": (now + timedelta(hours=1)).isoformat(),
        "draw_at": (now + timedelta(hours=1, minutes=5)).isoformat(),
    }
    _post(f"{reg}/api/v1/activities/{ids['lot']}/lottery", org, lottery)
    release = (now + timedelta(minutes=10)).isoformat()
    queued = activity_doc(ids["queue"], audience="public", queue="on", registration_opens_at=release)
    _post(f"{reg}/api/v1/activities", org, queued)
    _post(f"{reg}/api/v1/activities", org, soon(ids["soon"], capacity=20, audience="public"))
    group = requests.get(f"{reg}/lottery/{ids['lot']}", allow_redirects=False, timeout=10).headers["Location"]
    return Site(
        registration=reg,
        checkin=urls["checkin"],
        open_aid=ids["open"],
        lottery_aid=ids["lot"],
        queued_aid=ids["queue"],
        soon_aid=ids["soon"],
        group_path=group.split("?")[0],
        rid=made["registration_id"],
        token=made["manage_url"].split("?t=")[1],
    )


@pytest.fixture(scope="module")
def site(urls, organizer_token):
    return seed(urls, {"Authorization": f"Bearer {organizer_token}"})


@pytest.fixture(scope="module")
def verified(browser, stack, site):
    return verified_state(browser, stack, site, "13912349002")


def verified_state(browser, stack, site: Site, phone: str) -> dict:
    """A browser state whose phone is verified (the session cookie), so 我的报名 and the forms show
    what a signed-in registrant sees."""
    ctx = browser.new_context(locale="zh-CN")
    page = ctx.new_page()
    page.goto(f"{site.registration}/login?next=/me")
    verify_phone(page, stack, phone)
    page.wait_for_url("**/me")
    state = ctx.storage_state()
    ctx.close()
    return state


def _with_lang(url: str, lang: str) -> str:
    return f"{url}{'&' if '?' in url else '?'}lang={lang}"


def check(page, url: str, then=None) -> list[dict]:
    """Open ``url`` (and do ``then``), bring axe in through the route, return its serious and
    critical violations."""
    page.goto(url)
    if then:
        then(page)
    return _axe(page)


def _axe(page) -> list[dict]:
    origin = page.evaluate("() => location.origin")
    page.add_script_tag(url=origin + AXE_PATH)
    return page.evaluate(RUN)


def sign_in(page, token: str, site: Site) -> None:
    """A staff page's own sign-in form: the token (and a gate, where asked), then the board. A page
    with no form of its own (the forgiveness page) is signed in from the organizers' page."""
    url = page.url
    if not page.locator("#login-form input[type=password]").count():
        page.goto(f"{site.registration}/organizer")
    form = page.locator("#login-form")
    form.locator("input[type=password]").fill(token)
    if form.locator("#f-gate").count():
        form.locator("#f-gate").fill("1号门")
    form.locator("button[type=submit]").click()
    page.wait_for_selector("#login", state="hidden")
    if page.url != url:
        page.goto(url)


def _context(browser, site: Site, mode: str, state):
    ctx = browser.new_context(
        viewport={"width": 390, "height": 844},
        locale="zh-CN",
        service_workers="block",  # the scanner's worker would answer the route's URL itself
        storage_state=state,
    )
    ctx.route(f"**{AXE_PATH}", lambda route: route.fulfill(path=str(AXE), content_type="text/javascript"))
    ctx.add_cookies([{"name": "mode", "value": mode, "url": site.registration}])
    return ctx


@pytest.mark.parametrize("entry", PAGES, ids=[p.name for p in PAGES])
def test_no_serious_or_critical_violation(browser, site, verified, organizer_token, entry: AxePage):
    found: dict[str, list[dict]] = {}
    modes = MODES if registrant(entry, site) else MODES[:1]
    for mode in modes:
        ctx = _context(browser, site, mode, None if entry.needs_token else verified)
        page = ctx.new_page()
        try:
            for lang in LANGS:
                where = f"{entry.name} {lang} {mode}"
                found[where] = check(page, _with_lang(entry.url(site), lang), entry.then)
                assert page.locator("html").get_attribute("lang") == lang
                if entry.needs_token:
                    sign_in(page, organizer_token, site)
                    found[where + " signed-in"] = _axe(page)
                    page.evaluate("() => { localStorage.clear(); sessionStorage.clear(); }")
        finally:
            ctx.close()
    bad = [f"{where}: {v['id']} ({v['impact']}) {v['nodes']}" for where, vs in found.items() for v in vs]
    assert not bad, "\n".join(bad)
