"""One language per page: the check-in service's pages (scanner, dashboards, summary) and the
validation errors of check-in and notify, rendered in zh-CN and in en, in real Chromium.

A Chinese page shows no English sentence, and an English page no Chinese character. Excluded from
the check: elements marked with another ``lang`` (the language switch), ``<code>`` (commands),
and the data organizers typed in one language only (venue, hall, address, registrant's name).
The scanner is looked at 360 px wide; its screenshots go to var/screenshots.
"""

from __future__ import annotations

import re

import pytest
import requests

from shared.auth import create_token
from shared.redis_scripts import connect
from tests.conftest import activity_doc, wait_for
from tests.e2e.test_scanner_chromium import soon

HAN = re.compile(r"[\u3400-\u9fff\uff01-\uff5e\u3001-\u3011]")
# Two or more Latin words in a row: an English phrase (single tokens such as CSV, XLSX, SD1 pass).
ENGLISH = re.compile(r"[A-Za-z]{2,}(?:[ ,.:;'’()/-]+[A-Za-z]{2,})+")
VENUE = activity_doc()["venue"]
DATA = [VENUE["name"], VENUE["address"], activity_doc()["hall"], "陈**", "陈*"]
LANGS = {"zh-CN": "zh-CN", "en": "en-US"}

# The visible text of a page and its accessible attributes, without what is meant to differ.
VISIBLE_TEXT = """() => {
  const lang = document.documentElement.lang, out = [document.title];
  const skip = (el) => !el || el.closest('code, script, style, template') ||
    (el.closest('[lang]') && el.closest('[lang]').lang !== lang) || !el.checkVisibility();
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  for (let n = walker.nextNode(); n; n = walker.nextNode()) {
    if (!skip(n.parentElement) && n.textContent.trim()) out.push(n.textContent.trim());
  }
  for (const el of document.querySelectorAll('[placeholder], [aria-label], [title], input[type=submit]')) {
    if (skip(el)) continue;
    for (const a of ['placeholder', 'aria-label', 'title', 'value']) if (el.getAttribute(a)) out.push(el.getAttribute(a));
  }
  return out;
}"""


def mixed(texts: list[str], lang: str, data=DATA) -> list[str]:
    """The texts written in the other language than ``lang``."""
    out = []
    for text in texts:
        for d in data:
            text = text.replace(d, " ")
        if lang == "en" and HAN.search(text):
            out.append(text)
        if lang == "zh-CN" and ENGLISH.search(text):
            out.append(text)
    return out


def test_the_language_check_sees_mixed_text():
    assert mixed(["Length must be between 1 and 50.；只能填写文字"], "en") != []
    assert mixed(["Length must be between 1 and 50.；只能填写文字"], "zh-CN") != []
    assert mixed(["入场 2 人", "SD1.…", "下载 XLSX"], "zh-CN") == []
    assert mixed(["Admit 2 people", "巨幕影院"], "en") == []  # the hall is data


@pytest.fixture(scope="module")
def tokens(stack_settings):
    redis = connect(stack_settings.redis_url)
    p = stack_settings.redis_prefix
    return {
        "steward": create_token(redis, p, "steward", "语言门岗", VENUE["id"]),
        "organizer": create_token(redis, p, "organizer", "语言组织者"),
    }


@pytest.fixture(scope="module")
def codes(urls, tokens):
    """An activity open at the door, one registration (a party of one) per language."""
    r = requests.post(
        f"{urls['registration']}/api/v1/activities",
        json=soon("lang-imax", title={"zh": "巨幕影院·语言专场", "en": "IMAX language test"}),
        headers={"Authorization": f"Bearer {tokens['organizer']}"},
        timeout=10,
    )
    assert r.status_code == 201, r.text
    out = {}
    for i, lang in enumerate(LANGS):
        r = requests.post(
            f"{urls['registration']}/api/v1/activities/lang-imax/registrations",
            json={"name": "陈科", "phone": f"1390000{i:04d}", "organization": "中国科学院", "party_size": 1},
            timeout=10,
        )
        assert r.status_code == 201, r.text
        out[lang] = r.json()["ticket"]["code"]

    def projected():
        r = requests.get(
            f"{urls['checkin']}/api/v1/scanner/state",
            headers={"Authorization": f"Bearer {tokens['steward']}"},
            timeout=5,
        )
        return any(a["id"] == "lang-imax" for a in r.json()["activities"])

    wait_for(projected, timeout=30, what="lang-imax in the scanner state")
    return out


def page_in(browser, lang, width):
    ctx = browser.new_context(viewport={"width": width, "height": 800}, locale=LANGS[lang])
    page = ctx.new_page()
    page.errors = []
    page.on("pageerror", lambda e: page.errors.append(str(e)))
    return ctx, page


def strings(doc) -> list[str]:
    """Every text in a JSON document, longest first (so a longer one is taken out before its parts)."""
    out, todo = set(), [doc]
    while todo:
        d = todo.pop()
        if isinstance(d, dict):
            todo += list(d.values())
        elif isinstance(d, list):
            todo += d
        elif isinstance(d, str) and d.strip():
            out.add(d)
    return sorted(out, key=len, reverse=True)


def texts(page) -> list[str]:
    return page.evaluate(VISIBLE_TEXT)


@pytest.mark.parametrize("lang", list(LANGS))
def test_the_scanner_speaks_one_language(browser, urls, tokens, codes, lang, screenshots):
    ctx, page = page_in(browser, lang, 360)
    try:
        suffix = "?lang=en" if lang == "en" else "?lang=zh-CN"
        page.goto(f"{urls['checkin']}/scan{suffix}")
        page.wait_for_selector("#login:not([hidden])")
        assert mixed(texts(page), lang) == []
        page.screenshot(path=str(screenshots / f"scan-login-{lang}-360.png"), full_page=True)

        gate = "1号门" if lang == "zh-CN" else "Gate 1"
        page.fill("#f-token", "sd_not-a-token")
        page.fill("#f-gate", gate)
        page.locator("#login-form button[type=submit]").click()
        page.wait_for_selector("#login-error:not([hidden])")
        assert mixed(texts(page), lang) == [], "the sign-in refusal"

        page.fill("#f-token", tokens["steward"])
        page.locator("#login-form button[type=submit]").click()
        page.wait_for_selector('#net[data-online="1"]')
        data = [*DATA, gate]
        for expected in ("ok", "refused"):
            before = int(page.locator("#verdict").get_attribute("data-seq") or 0)
            page.fill("#f-code", codes[lang])
            page.locator("#manual-form button[type=submit]").click()
            page.wait_for_function(
                "([s, n]) => { const v = document.querySelector('#verdict');"
                " return v.dataset.state === s && Number(v.dataset.seq) > n; }",
                arg=[expected, before],
            )
            assert mixed(texts(page), lang, data) == [], expected
            page.screenshot(path=str(screenshots / f"scan-{expected}-{lang}-360.png"), full_page=True)
        assert page.locator("#verdict").get_attribute("data-reason") == "already_checked_in"
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= 360, f"the scanner scrolls sideways at 360 px ({width} px)"
        assert page.errors == []
    finally:
        ctx.close()


@pytest.mark.parametrize("lang", list(LANGS))
@pytest.mark.parametrize("path", ["/dashboard", "/dashboard/lang-imax", "/summary"])
def test_the_organizer_pages_speak_one_language(browser, urls, tokens, codes, lang, path):
    ctx, page = page_in(browser, lang, 1280)
    try:
        page.goto(f"{urls['checkin']}{path}?lang={lang}")
        page.wait_for_selector("#login:not([hidden])")
        assert mixed(texts(page), lang) == [], "the log-in form"
        page.fill("#token", tokens["organizer"])
        page.locator("#login-form button[type=submit]").click()
        page.wait_for_selector("#board:not([hidden])")
        marker = "#per-activity tbody tr" if path == "/summary" else "#gates tbody tr, #activities tbody tr"
        page.locator(marker).first.wait_for(timeout=15_000)
        # The festival pages list every activity of the shared stack: what organizers typed (venues,
        # halls, gates, titles with no English) is data, taken from the same API the page reads.
        api = {"/dashboard": "/api/v1/attendance", "/summary": "/api/v1/summary"}.get(
            path, f"/api/v1/activities/{path.split('/')[-1]}/attendance"
        )
        r = requests.get(
            f"{urls['checkin']}{api}", headers={"Authorization": f"Bearer {tokens['organizer']}"}, timeout=10
        )
        assert r.status_code == 200, r.text
        assert mixed(texts(page), lang, [*DATA, *strings(r.json())]) == []
        assert page.errors == []
    finally:
        ctx.close()


INVALID = {
    "checkin": ("/api/v1/checkins", {"code": "", "gate": "", "admit": 0, "nonce": "x" * 65, "extra": 1}),
    "notify": ("/api/v1/notices", {"activity_id": "Not A Slug", "message_zh": "", "message_en": 3}),
}


@pytest.mark.parametrize("lang", list(LANGS))
@pytest.mark.parametrize("service", sorted(INVALID))
def test_validation_errors_speak_the_requests_language(urls, tokens, service, lang):
    path, body = INVALID[service]
    r = requests.post(
        f"{urls[service]}{path}",
        json=body,
        headers={"Authorization": f"Bearer {tokens['organizer']}", "Accept-Language": LANGS[lang]},
        timeout=10,
    )
    assert r.status_code == 422, r.text
    got = r.json()
    assert got["reason"] == "validation_failed"
    messages = [got["message"]] + [m for ms in got["errors"].values() for m in ms]
    assert len(messages) > 3
    assert mixed(messages, lang, data=[]) == [], messages
    if lang == "zh-CN":
        assert all(HAN.search(m) for m in messages), messages
