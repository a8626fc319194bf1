"""The public draw page in Chromium (zh-CN and en, 360 px) before and after a draw on the running
stack, and verify_draw.py run against the JSON URL the page names."""

from __future__ import annotations

import subprocess
import sys
from datetime import datetime, timedelta

import requests

from services.registration import lottery as lot
from services.registration.lottery_store import LotteryStore
from shared.redis_scripts import connect
from tests.conftest import ROOT, activity_doc, wait_for
from tests.e2e.test_door import TZ


def _open(urls, org, aid, draw_in):
    doc = activity_doc(aid, capacity=30, audience="public")
    assert requests.post(f"{urls['registration']}/api/v1/activities", json=doc, headers=org, timeout=10).ok
    draw = datetime.now(TZ).replace(microsecond=0) + draw_in
    w = {
        "opens_at": (draw - timedelta(hours=3)).isoformat(),
        "closes_at": (draw - timedelta(hours=1)).isoformat(),
        "draw_at": draw.isoformat(),
    }
    r = requests.post(
        f"{urls['registration']}/api/v1/activities/{aid}/lottery", json=w, headers=org, timeout=10
    )
    assert r.status_code == 201, r.text
    return datetime.fromisoformat(w["opens_at"]).timestamp() + 60


def test_the_draw_page_before_and_after_and_the_script_on_its_url(
    stack, stack_settings, urls, organizer_token, browser, screenshots
):
    org = {"Authorization": f"Bearer {organizer_token}"}
    _open(urls, org, "lot-later", timedelta(days=2))
    # Due in a few seconds: the stack's scheduler or this POST draws it, whichever comes first.
    inside = _open(urls, org, "lot-drawn", timedelta(seconds=4))
    store = LotteryStore(connect(stack_settings.redis_url), stack_settings)
    for i in range(120):
        entry = {"party_size": 1 + i % 4, "name": "赵六", "phone": f"1360000{i:04d}"}
        lot.enter(store, "lot-drawn", holders=[f"phone:{i}"], entry=entry, now=inside)

    def drawn_page():
        url = f"{urls['registration']}/api/v1/activities/lot-drawn/lottery/draw"
        r = requests.post(url, headers=org, timeout=60)
        return r.json() if r.status_code == 200 else None

    drawn = wait_for(drawn_page, timeout=30, interval=0.5, what="the draw")
    assert drawn["counts"]["entries"] == 120

    json_url = f"{urls['registration']}/api/v1/activities/lot-drawn/lottery"
    run = subprocess.run(
        [sys.executable, str(ROOT / "scripts/verify_draw.py"), json_url],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert run.returncode == 0, run.stdout + run.stderr
    assert f"{drawn['counts']['entries']} entries" in run.stdout

    for lang in ("zh-CN", "en"):
        ctx = browser.new_context(viewport={"width": 360, "height": 780}, locale=lang, device_scale_factor=2)
        page = ctx.new_page()
        page.goto(f"{urls['registration']}/lottery/lot-later?lang={lang}")
        assert page.locator("#commitment").inner_text() == store.commitment("lot-later")
        assert page.locator("#seed").count() == 0  # the seed stays secret until the draw
        assert page.locator("#phase").inner_text() == (
            "Entries have not opened yet" if lang == "en" else "报名尚未开始"
        )
        assert page.evaluate("document.documentElement.scrollWidth") <= 360
        page.screenshot(path=str(screenshots / f"lottery-before-{lang}.png"), full_page=True)

        page.goto(f"{urls['registration']}/lottery/lot-drawn?lang={lang}")
        assert page.locator("#seed").inner_text() == drawn["seed"]
        assert page.locator("#n-entries").inner_text() == "120"
        assert page.locator("#n-winners").inner_text() == str(drawn["counts"]["winners"])
        assert json_url in page.locator("#command").inner_text()
        text = page.locator("body").inner_text()
        assert "1360000" not in text
        if lang == "en":
            assert not any("\u4e00" <= ch <= "\u9fff" for ch in text.replace("中文", ""))
        else:
            assert "摇号公示" in text and "Lottery draw" not in text
        assert page.evaluate("document.documentElement.scrollWidth") <= 360
        page.screenshot(path=str(screenshots / f"lottery-drawn-{lang}.png"), full_page=True)
        ctx.close()
