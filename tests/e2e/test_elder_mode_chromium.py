"""长辈模式 (large-text mode, issue 29) in Chromium at 360 px, zh-CN and en: one tap switches it on
and off, the cookie brings it back on the next page from the server (no flash, no inline script),
and on every registrant page the MIIT figures hold: text at least 20 px, headings at least 30 px,
line height at least 1.3, every target at least 60x60 px. Screenshots: $ELDER_SHOTS_DIR, else
/work/shots/elder/ where /work is writable, else var/screenshots/elder/."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
import requests

from tests.conftest import ROOT
from tests.e2e.axe_pages import PAGES, registrant
from tests.e2e.test_axe import seed, verified_state

WORK = Path("/work")  # this project's machine keeps its screenshots there; elsewhere, var/
SHOTS = Path(
    os.environ.get("ELDER_SHOTS_DIR")
    or (WORK / "shots/elder" if os.access(WORK, os.W_OK) else ROOT / "var/screenshots/elder")
)
PHONE = "13912349012"
TEXT_PX = 20  # main text: MIIT asks 18 dp
HEADING_PX = 30  # text adjustable to 30 dp: the page's heading
LINE = 1.3
TARGET_PX = 60
TICKET = {"zh-CN": "查看入场二维码", "en": "Show my ticket"}
FOLD = {"zh-CN": "修改或取消报名", "en": "Change or cancel"}
MINE = {"zh-CN": "我的报名", "en": "My registrations"}
SWITCH = {"zh-CN": ("长辈模式", "标准模式"), "en": ("Large text", "Standard")}
MEASURE = """([textPx, line, targetPx]) => {
  const shown = e => { const r = e.getBoundingClientRect(); const s = getComputedStyle(e);
    return r.width > 0 && r.height > 0 && s.visibility !== 'hidden'; };
  const name = e => e.tagName.toLowerCase() + (e.id ? '#' + e.id : '') + (e.className && typeof e.className === 'string' ? '.' + e.className.trim().split(/\\s+/).join('.') : '') + ' "' + (e.innerText || e.value || '').trim().slice(0, 30) + '"';
  const small = [], tight = [], targets = [];
  for (const e of document.body.querySelectorAll('*')) {
    if (!shown(e) || !Array.from(e.childNodes).some(n => n.nodeType === 3 && n.textContent.trim())) continue;
    const s = getComputedStyle(e), fs = parseFloat(s.fontSize);
    if (fs < textPx) small.push(name(e) + ' ' + fs + 'px');
    const lh = s.lineHeight === 'normal' ? 0 : parseFloat(s.lineHeight);
    if (lh / fs < line) tight.push(name(e) + ' ' + s.lineHeight + '/' + fs + 'px');
  }
  for (const e of document.querySelectorAll('a[href], button, select, summary, textarea, input:not([type=hidden])')) {
    if (!shown(e)) continue;
    const box = e.matches('[type=checkbox], [type=radio]') ? (e.closest('label') || e) : e;
    const r = box.getBoundingClientRect();
    if (r.width < targetPx || r.height < targetPx) targets.push(name(e) + ' ' + Math.round(r.width) + 'x' + Math.round(r.height));
  }
  const h1 = document.querySelector('h1');
  return {small, tight, targets, h1: h1 ? parseFloat(getComputedStyle(h1).fontSize) : null};
}"""


@pytest.fixture(scope="module")
def site(urls, organizer_token):
    return seed(urls, {"Authorization": f"Bearer {organizer_token}"}, prefix="eld", phone=PHONE)


@pytest.fixture(scope="module")
def verified(browser, stack, site):
    return verified_state(browser, stack, site, PHONE)


def _phone(browser, state, lang: str):
    ctx = browser.new_context(
        viewport={"width": 360, "height": 780},
        device_scale_factor=2,
        is_mobile=True,
        has_touch=True,
        locale=lang,
        storage_state=state,
    )
    return ctx, ctx.new_page()


@pytest.mark.parametrize("lang", ["zh-CN", "en"])
def test_one_tap_turns_large_text_on_and_the_server_remembers_it(browser, site, verified, lang):
    ctx, page = _phone(browser, verified, lang)
    try:
        page.goto(f"{site.registration}/r/{site.rid}?t={site.token}&lang={lang}")
        assert page.locator("html").get_attribute("class") is None
        SHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SHOTS / f"standard-manage-{lang}.png"), full_page=True)
        page.get_by_role("link", name=SWITCH[lang][0]).tap()
        page.wait_for_url("**mode=elder**")
        assert page.locator("html").get_attribute("class") == "elder"
        assert "t=" + site.token in page.url  # the manage link's token went along
        # One main action: the ticket; changing and cancelling wait a tap away.
        cancel = page.locator("form[action$='/cancel'] button")
        assert page.get_by_role("link", name=TICKET[lang]).is_visible() and not cancel.is_visible()
        page.get_by_text(FOLD[lang]).tap()
        assert cancel.is_visible()
        # The next page comes from the server already large: the cookie, not a script.
        cookie = {c["name"]: c["value"] for c in ctx.cookies()}["mode"]
        got = requests.get(f"{site.registration}/?lang={lang}", cookies={"mode": cookie}, timeout=10)
        assert f'<html lang="{lang}" class="elder">' in got.text
        page.goto(f"{site.registration}/?lang={lang}")
        assert page.locator("html").get_attribute("class") == "elder"
        # One main action: 我的报名 and the language wait folded under 更多, a tap away.
        mine = page.get_by_role("link", name=MINE[lang])
        assert not mine.is_visible()
        page.locator("details.more summary").tap()
        assert mine.is_visible()
        SHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SHOTS / f"header-more-{lang}.png"))
        page.get_by_role("link", name=SWITCH[lang][1]).tap()
        page.wait_for_url("**mode=standard**")
        page.goto(f"{site.registration}/?lang={lang}")
        assert page.locator("html").get_attribute("class") is None
    finally:
        ctx.close()


# the printable ticket (issue 29) is a receipt printer's paper slip, not a page read on a screen
ELDER_PAGES = [
    p for p in PAGES if not p.needs_token and not any(w in p.name for w in ("poster", "screen", "print"))
]


@pytest.mark.parametrize("lang", ["zh-CN", "en"])
@pytest.mark.parametrize("entry", ELDER_PAGES, ids=[p.name for p in ELDER_PAGES])
def test_large_text_meets_the_miit_figures_at_360_px(browser, site, verified, entry, lang):
    assert registrant(entry, site)
    ctx, page = _phone(browser, verified, lang)
    ctx.add_cookies([{"name": "mode", "value": "elder", "url": site.registration}])
    try:
        url = entry.url(site)
        page.goto(f"{url}{'&' if '?' in url else '?'}lang={lang}")
        if entry.then:
            entry.then(page)
        SHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SHOTS / f"{entry.name}-{lang}.png"), full_page=True)
        got = page.evaluate(MEASURE, [TEXT_PX, LINE, TARGET_PX])
        assert page.locator("html").get_attribute("class") == "elder"
        assert got["h1"] is None or got["h1"] >= HEADING_PX, got["h1"]
        assert (got["small"], got["tight"], got["targets"]) == ([], [], [])
        assert (
            page.evaluate("() => document.documentElement.scrollWidth") <= 360
        )  # nothing wider than the phone
    finally:
        ctx.close()


@pytest.mark.parametrize("lang", ["zh-CN", "en"])
def test_large_text_on_a_desktop_keeps_one_column(browser, site, verified, lang):
    ctx = browser.new_context(viewport={"width": 1280, "height": 800}, locale=lang, storage_state=verified)
    ctx.add_cookies([{"name": "mode", "value": "elder", "url": site.registration}])
    try:
        page = ctx.new_page()
        page.goto(f"{site.registration}/a/{site.open_aid}?lang={lang}")
        SHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SHOTS / f"desktop-activity-form-{lang}.png"), full_page=True)
        got = page.evaluate(MEASURE, [TEXT_PX, LINE, TARGET_PX])
        assert (got["small"], got["tight"], got["targets"]) == ([], [], [])
        assert page.evaluate("() => document.querySelector('main').getBoundingClientRect().width") <= 640
    finally:
        ctx.close()
