"""The v2 lottery group's pages in Chromium (issue 27), zh-CN and en, at 360 px and 1280 px: the
group's draw page with the live demand before the close, the entry form with ranked choices (the
family's form) and its receipt, 我的报名 with per-round outcomes, the group page after the freeze
and after round 1 (beacon value, figures, verify command), and the fairness page.

Fixtures as test_lottery_chromium.py's ``lottery_site``: registration and notify in this process,
the SMS gateway stand-in; the engine's own functions (groups.py, rounds_settle.py) enter the other
parties, freeze and draw. The draw is a demonstration: the beacon is the settings' ``recorded``
source (real, old quicknet rounds named by its replay), as in ``make run``; no relay is reachable.
"""

from __future__ import annotations

import json
import re
from datetime import datetime, timedelta

import pytest
import requests

from tests.conftest import activity_doc
from tests.e2e.test_door import TZ
from tests.e2e.test_lottery_chromium import local_site, verify_and_fill_family

GID = "imax-week"
SESSIONS = {"imax-a": 4, "imax-b": 2, "imax-c": 3, "imax-t": 1}  # imax-t: too small for a party of 2
TITLES = {
    "imax-a": {"zh": "飞越地球·上午场", "en": "Flying over Earth, morning"},
    "imax-b": {"zh": "飞越地球·下午场", "en": "Flying over Earth, afternoon"},
    "imax-c": {"zh": "飞越地球·晚场", "en": "Flying over Earth, evening"},
    "imax-t": {"zh": "飞越地球·加映场", "en": "Flying over Earth, extra"},
}
TEXT = {
    "zh-CN": {"phase_open": "报名中，尚未摇号", "drawn": "已摇号", "enter": "参加摇号", "entered": "已参加摇号",
              "rank1": "第1志愿", "twice": "不能重复", "round1": "第1轮", "pending": "待摇号", "fair": "公平性数据", "lesson": "DV-2012"},
    "en": {"phase_open": "Entries open; not drawn yet", "drawn": "Drawn", "enter": "Enter the lottery",
           "entered": "You have entered the lottery", "rank1": "1st choice", "twice": "Rank one to the allowed number", "round1": "Round 1",
           "pending": "pending", "fair": "Fairness figures", "lesson": "DV-2012"},
}  # fmt: skip


@pytest.fixture
def group_site(settings, redis):
    with local_site(settings, redis) as (base, gateway, app, org, s):
        opened, body = open_group(base, org)
        yield {"base": base, "gateway": gateway, "app": app, "redis": redis, "settings": s,
               "opened": opened, "body": body}  # fmt: skip


def open_group(base: str, org: dict) -> tuple[dict, dict]:
    """The sessions (12 days ahead: room for round 2 a week before), and their group, open now."""
    now = datetime.now(TZ).replace(microsecond=0)
    for i, (aid, cap) in enumerate(SESSIONS.items()):
        start = now + timedelta(days=12, hours=i * 3)
        doc = activity_doc(
            aid, capacity=cap, real_name=True, audience="public", allocation="lottery", title=TITLES[aid],
            starts_at=start.isoformat(), ends_at=(start + timedelta(hours=1)).isoformat(),
            registration_closes_at=(now + timedelta(days=11)).isoformat(),
        )  # fmt: skip
        assert requests.post(f"{base}/api/v1/activities", json=doc, headers=org, timeout=5).status_code == 201
    body = {
        "group_id": GID,
        "name": "科学周巨幕",
        "activity_ids": list(SESSIONS),
        "opens_at": (now - timedelta(minutes=1)).isoformat(),
        "closes_at": (now + timedelta(hours=1)).isoformat(),
        "draw_at": (now + timedelta(hours=1, minutes=5)).isoformat(),
        "rounds": 2,
    }
    r = requests.post(f"{base}/api/v1/lottery-groups", json=body, headers=org, timeout=5)
    assert r.status_code == 201, r.text
    return r.json(), body


def fits(page, width: int) -> None:
    assert page.evaluate("document.scrollingElement.scrollWidth") <= width


def one_language(page, locale: str) -> None:
    body = page.locator("body").inner_text()
    if locale == "en":
        for data in (
            "中文",
            "辽宁省科学技术馆",
            "巨幕影院",
            "科学周巨幕",
        ):  # the language link; data typed in Chinese
            body = body.replace(data, "")
        assert not re.search(r"[\u4e00-\u9fff]", body), body


def snap(page, path, locale: str) -> None:
    """The phone page as it stands: it fits 360 px, speaks one language; its screenshot."""
    fits(page, 360)
    one_language(page, locale)
    page.screenshot(path=str(path), full_page=True)


def mine_item(page, base: str, locale: str, entry_id: str):
    page.goto(f"{base}/me?lang={locale}")
    return page.locator(f"li.group-entry[data-entry={entry_id}]")


def shoot(browser, url: str, path, locale: str, check=None) -> None:
    """The page at 360 px (phone) and 1280 px (desktop), each fitting its width, one language."""
    for width, height, tag in ((360, 780, "360"), (1280, 800, "1280")):
        ctx = browser.new_context(
            viewport={"width": width, "height": height}, locale=locale, device_scale_factor=1
        )
        page = ctx.new_page()
        page.goto(url)
        if check:
            check(page)
        fits(page, width)
        one_language(page, locale)
        page.screenshot(path=str(path).replace("{w}", tag), full_page=True)
        ctx.close()


def others_enter(site, n: int) -> None:
    """n other parties enter through the engine's use case, as the API does for a verified phone."""
    from services.registration.lottery import group_edge, groups
    from tests.fair_support import member

    names = list(SESSIONS)[:3]
    with site["app"].test_request_context():
        eng = group_edge.engine()
        for i in range(n):
            size = 1 + i % 3
            form = {"name": "赵六", "party_size": size, "members": [member(500 + i * 10 + k) for k in range(size)],
                    "choices": [names[(i + k) % 3] for k in range(1 + i % 3)]}  # fmt: skip
            groups.enter(eng, GID, form, session_phone=f"1371100{i:04d}")


def draw_round_two(site) -> None:
    """Round 2 at its time, among the parties that won nothing, over the seats round 1 left."""
    from services.registration.bootstrap import EXTENSION
    from services.registration.lottery import rounds_settle
    from services.registration.lottery.group_rounds_store import GroupRoundsStore

    at = datetime.fromisoformat(site["opened"]["round2_at"]).timestamp()
    store = GroupRoundsStore(site["redis"], site["settings"])
    rounds_settle.step(site["app"].extensions[EXTENSION], store, GID, now=at + 1)


def freeze_and_draw_round_one(site) -> None:
    """Entries close (the freeze writes the Merkle root); round 1 is drawn and settled on the
    recorded beacon's rounds (a demonstration)."""
    from services.registration.bootstrap import EXTENSION
    from services.registration.lottery import group_edge, groups, rounds_settle
    from services.registration.lottery.group_rounds_store import GroupRoundsStore

    redis, s = site["redis"], site["settings"]
    closes = datetime.fromisoformat(site["body"]["closes_at"]).timestamp()
    draw_at = datetime.fromisoformat(site["body"]["draw_at"]).timestamp()
    with site["app"].test_request_context():
        assert groups.freeze(group_edge.engine(), GID, closes + 1)
    rounds_settle.step(site["app"].extensions[EXTENSION], GroupRoundsStore(redis, s), GID, now=draw_at + 1)


@pytest.mark.parametrize("locale", ["zh-CN", "en"])
def test_group_pages_before_and_after_a_draw(group_site, browser, screenshots, locale):
    text, tag = TEXT[locale], locale.lower()
    base = group_site["base"]
    group_url = f"{base}/lottery/g/{GID}?lang={locale}"
    others_enter(group_site, 6)

    def before(page):
        assert page.locator("#phase").inner_text() == text["phase_open"]
        assert page.locator("#merkle-pending").count() == 1 and page.locator("#seed").count() == 0
        assert page.locator("li.session").count() == 4
        assert page.locator("#commitment").inner_text() == group_site["opened"]["commitment"]
        demand = page.locator("li.session[data-session=imax-b] .demand").first.inner_text()
        assert float(demand) > 0  # entries ÷ seats, live

    shoot(browser, group_url, screenshots / f"group-before-{tag}-{{w}}.png", locale, before)

    # Entering with ranked choices: the family's form on a session's page, from the group page.
    ctx = browser.new_context(viewport={"width": 360, "height": 780}, device_scale_factor=2, is_mobile=True,
                              has_touch=True, locale=locale)  # fmt: skip
    page = ctx.new_page()
    page.goto(group_url)
    page.locator("#enter").click()
    page.wait_for_url("**/a/imax-a?g=*")
    phone = "13912340001" if locale == "en" else "13812340001"
    verify_and_fill_family(page, ctx, group_site["gateway"], "imax-a", locale, phone, first_id=300)
    assert page.locator("label[for=f-choice_1]").inner_text() == text["rank1"]
    # zh: two choices (a win is likely); en: only the session of 1 seat, so round 1 cannot seat the
    # party of 2 and 我的报名 shows "not this round", then after round 2 the waitlist position
    choices = ["imax-t"] if locale == "en" else ["imax-b", "imax-a"]
    page.select_option("#f-choice_1", "imax-b")  # a session ranked twice: refused, the form comes back
    page.select_option("#f-choice_2", "imax-b")
    page.check("input[name=consent]")
    page.get_by_role("button", name=text["enter"]).click()
    page.wait_for_selector(".banner.error")
    assert text["twice"] in page.locator(".banner.error").inner_text()
    assert page.locator("#f-choice_2").input_value() == "imax-b"  # as the family left it
    page.select_option("#f-choice_1", choices[0])
    page.select_option("#f-choice_2", choices[1] if len(choices) > 1 else "")
    fits(page, 360)
    page.locator("#choices").screenshot(path=str(screenshots / f"group-entry-choices-{tag}-360.png"))
    page.screenshot(path=str(screenshots / f"group-entry-form-{tag}-360.png"), full_page=True)
    page.check("input[name=consent]")
    page.get_by_role("button", name=text["enter"]).click()
    page.wait_for_selector("#entry-id")
    assert page.locator("h1").inner_text() == text["entered"]
    entry_id = page.locator("#entry-id").inner_text()
    assert re.fullmatch(r"e[0-9a-f]{16}", entry_id)
    assert page.locator("#choices li").count() == len(choices)
    assert (
        TITLES[choices[0]]["en" if locale == "en" else "zh"] in page.locator("#choices li").first.inner_text()
    )
    with page.expect_download() as dl:
        page.locator("#save-receipt").click()
    receipt = json.loads(open(dl.value.path(), encoding="utf-8").read())
    assert receipt["entry_id"] == entry_id and receipt["choices"] == choices and receipt["signature"]
    snap(page, screenshots / f"group-receipt-{tag}-360.png", locale)

    item = mine_item(page, base, locale, entry_id)
    assert item.locator(".outcome-pending").count() == 2  # two rounds named, none drawn
    snap(page, screenshots / f"group-mine-pending-{tag}-360.png", locale)

    freeze_and_draw_round_one(group_site)
    item = mine_item(page, base, locale, entry_id)
    first = item.locator(".outcome").first
    assert re.search(r"outcome-(won|lost)", first.get_attribute("class"))
    assert text["round1"] in first.inner_text()
    if locale == "en":
        assert "outcome-lost" in first.get_attribute("class") and "round 2 on" in first.inner_text()
        # round 2: pending until its time (round2_at is never before its freeze, even when the
        # recorded beacon's replayed round is an old one)
        assert "outcome-pending" in item.locator(".outcome").nth(1).get_attribute("class")
    with page.expect_download() as dl:
        item.get_by_role("link", name=re.compile("inclusion|包含")).click()
    proof = json.loads(open(dl.value.path(), encoding="utf-8").read())
    assert proof["entry_id"] == entry_id and proof["kind"] == "inclusion"
    snap(page, screenshots / f"group-mine-round1-{tag}-360.png", locale)

    draw_round_two(group_site)
    item = mine_item(page, base, locale, entry_id)
    if locale == "en":
        last = item.locator(".outcome").nth(1)
        assert "outcome-waitlisted" in last.get_attribute("class") and "Round 2" in last.inner_text()
        assert re.search(r"waitlisted, position [0-9]+", last.inner_text())
    snap(page, screenshots / f"group-mine-round2-{tag}-360.png", locale)
    ctx.close()

    draw = requests.get(f"{base}/api/v1/lottery-groups/{GID}/draw", timeout=10).json()

    def after(page):
        assert page.locator("#phase").inner_text() == text["drawn"]
        assert page.locator("#merkle-root").inner_text() == draw["merkle_root"]
        assert page.locator("#seed").inner_text() == draw["seed"]
        r1 = page.locator("#round-1")
        assert r1.locator(".beacon").inner_text() == draw["rounds"][0]["beacon"]["randomness"]
        assert r1.locator(".round-winners").inner_text() == str(len(draw["rounds"][0]["wins"]))
        assert page.locator("#round-2 .round-winners").inner_text() == str(len(draw["rounds"][1]["wins"]))
        assert f"/api/v1/lottery-groups/{GID}/draw" in page.locator("#command").inner_text()

    shoot(browser, group_url, screenshots / f"group-drawn-{tag}-{{w}}.png", locale, after)

    figures = requests.get(f"{base}/api/v1/lottery-groups/{GID}/fairness", timeout=10).json()
    assert figures["entries"] == 7 and figures["by_round"][0]["participants"] == 7
    assert figures["by_round"][1]["participants"] == 7 - figures["by_round"][0]["winners"]

    def fairness(page):
        assert page.locator("h1").inner_text() == text["fair"]
        assert text["lesson"] in page.locator("#lesson").inner_text()
        assert page.locator("#f-entries").inner_text() == "7"
        assert page.locator("#by-round tbody tr").count() == 2
        assert page.locator("#by-rank tbody tr").count() == len(figures["by_rank"])
        assert page.locator("#by-session tbody.session-rows").count() == 4

    shoot(browser, f"{base}/lottery/g/{GID}/fairness?lang={locale}", screenshots / f"group-fairness-{tag}-{{w}}.png",
          locale, fairness)  # fmt: skip
