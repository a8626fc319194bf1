"""A single-session lottery is a group of one (issue 27), end to end on the tests' stack (every
process real: gunicorn, the lottery scheduler, the relay, notify's worker, the SMS gateway and
the local drand relay): the organizers' API opens it, a family enters on the activity page in
Chromium and others over the API, entries close, the scheduler freezes and draws it on the
recorded beacon, 我的报名 shows won or waitlisted, each entrant gets one SMS, and
``scripts/verify_draw.py <url> --demo`` checks the published draw."""

from __future__ import annotations

import subprocess
import sys
from datetime import datetime, timedelta

import requests

from services.registration.access.api import COOKIE
from services.registration.lottery import specification_v2 as v2
from shared.redis_scripts import connect
from tests.conftest import ROOT, activity_doc, wait_for
from tests.e2e.test_door import TZ
from tests.fair_support import bearer, seed_session

AID = "lot-one-stack"
PHONES = [f"1395550{i:04d}" for i in range(6)]  # the first enters on the page
CLOSE_IN_S = 40  # entries close this long after opening: enough for six entries


def test_a_group_of_one_end_to_end_on_the_stack(
    stack, stack_settings, urls, organizer_token, browser, screenshots
):
    base, org = urls["registration"], {"Authorization": f"Bearer {organizer_token}"}
    now = datetime.now(TZ).replace(microsecond=0)
    lottery = {
        "opens_at": (now - timedelta(minutes=1)).isoformat(),
        "closes_at": (now + timedelta(seconds=CLOSE_IN_S)).isoformat(),
        "draw_at": (now + timedelta(seconds=CLOSE_IN_S + 3)).isoformat(),
        "confirm_hours": 0,
    }
    doc = activity_doc(AID, capacity=3, audience="public", allocation="lottery", lottery=lottery,
                       title={"zh": "巨幕影院·单场摇号", "en": "IMAX, a single-session lottery"})  # fmt: skip
    made = requests.post(f"{base}/api/v1/activities", json=doc, headers=org, timeout=10)
    assert made.status_code == 201, made.text
    page = requests.get(f"{base}/api/v1/activities/{AID}/lottery", timeout=10).json()
    assert (page["algorithm"], page["group_id"]) == (v2.ALGORITHM, AID)

    redis, prefix = connect(stack_settings.redis_url), stack_settings.redis_prefix
    tokens = {p: seed_session(redis, prefix, p) for p in PHONES}
    ctx = browser.new_context(viewport={"width": 360, "height": 780}, locale="zh-CN", device_scale_factor=1)
    ctx.add_cookies([{"name": COOKIE, "value": tokens[PHONES[0]], "url": base}])
    tab = ctx.new_page()
    tab.goto(f"{base}/a/{AID}")
    tab.fill("#f-name", "李雷")
    tab.check("input[name=consent]")
    tab.get_by_role("button", name="参加摇号").click()
    tab.wait_for_selector("#entry-id")
    entries = {PHONES[0]: tab.locator("#entry-id").inner_text()}
    tab.screenshot(path=str(screenshots / "single-stack-receipt-zh-360.png"), full_page=True)
    for p in PHONES[1:]:
        r = requests.post(f"{base}/api/v1/activities/{AID}/lottery/entries", json={"name": "王五", "party_size": 1},
                          headers=bearer(tokens[p]), timeout=10)  # fmt: skip
        assert r.status_code == 201, r.text
        entries[p] = r.json()["entry_id"]

    draw_url = f"{base}/api/v1/lottery-groups/{AID}/draw"

    def drawn():
        r = requests.get(draw_url, timeout=10)
        return r.ok and len(r.json().get("rounds") or []) >= 1 and r.json()

    draw = wait_for(drawn, timeout=CLOSE_IN_S + 120, interval=1, what="the scheduler's draw")
    assert len(draw["entries"]) == 6 and len(draw["rounds"]) == 1 and len(draw["rounds"][0]["wins"]) == 3

    def mine(p):
        out = requests.get(f"{base}/api/v1/me/registrations", headers=bearer(tokens[p]), timeout=10).json()
        return {e["entry_id"]: e for e in out["lottery_entries"]}[entries[p]]

    outcomes = {p: mine(p).get("outcome") for p in PHONES}
    assert sorted(outcomes.values()) == ["waitlisted"] * 3 + ["won"] * 3, outcomes
    assert {entries[p] for p in PHONES if outcomes[p] == "won"} == set(draw["rounds"][0]["wins"])

    tab.goto(f"{base}/me")
    item = tab.locator(f"li.group-entry[data-entry={entries[PHONES[0]]}]")
    assert f"outcome-{outcomes[PHONES[0]]}" in item.locator(".outcome").first.get_attribute("class")
    tab.screenshot(path=str(screenshots / "single-stack-mine-zh-360.png"), full_page=True)
    ctx.close()

    gateway = f"http://127.0.0.1:{stack.sms_gateway_port}"

    def told():
        sms = requests.get(f"{gateway}/api/v1/sms", timeout=5).json()["messages"]
        by = {p: [m for m in sms if m["phone"] == p and "摇号" in m["text"]] for p in PHONES}
        return all(by.values()) and by

    by = wait_for(told, timeout=90, interval=1, what="one SMS per entrant")
    assert {p: len(m) for p, m in by.items()} == dict.fromkeys(PHONES, 1)
    for p in PHONES:
        assert ("已中签" in by[p][0]["text"]) == (outcomes[p] == "won") and "轮" not in by[p][0]["text"]

    run = subprocess.run([sys.executable, str(ROOT / "scripts/verify_draw.py"), draw_url, "--demo"],
                         capture_output=True, text=True, timeout=120)  # fmt: skip
    assert run.returncode == 0, run.stdout + run.stderr
