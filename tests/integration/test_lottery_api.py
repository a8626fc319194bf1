"""The lottery's HTTP edge on real Redis: opening, the public page before and after the draw,
the draw's refusals, and the verification script run on the page the API serves."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from services.registration import lottery as lot
from services.registration.app import create_app
from shared.auth import create_token
from tests.conftest import ROOT, activity_doc

TZ = ZoneInfo("Asia/Shanghai")


@pytest.fixture
def api(settings, redis):
    app = create_app(settings)
    client = app.test_client()
    org = {"Authorization": "Bearer " + create_token(redis, settings.redis_prefix, "organizer", "主办方")}
    assert (
        client.post("/api/v1/activities", json=activity_doc("lot-imax", capacity=12), headers=org).status_code
        == 201
    )
    return client, org, app.extensions["sciday.lotteries"]


def window(draw_in: timedelta) -> dict:
    now = datetime.now(TZ).replace(microsecond=0)
    draw = now + draw_in
    return {
        "opens_at": (draw - timedelta(hours=3)).isoformat(),
        "closes_at": (draw - timedelta(hours=1)).isoformat(),
        "draw_at": draw.isoformat(),
    }


def test_the_draw_page_commits_first_reveals_after_and_verifies(api, tmp_path):
    client, org, store = api
    w = window(timedelta(minutes=-1))
    opened = client.post("/api/v1/activities/lot-imax/lottery", json=w, headers=org)
    assert opened.status_code == 201, opened.get_json()
    before = client.get("/api/v1/activities/lot-imax/lottery").get_json()
    assert before["state"] == "open" and len(before["commitment"]) == 64 and "seed" not in before
    inside = datetime.fromisoformat(w["opens_at"]).timestamp() + 60
    for i in range(30):
        lot.enter(store, "lot-imax", holders=[f"phone:{i}"], entry={"party_size": 1 + i % 4, "name": "王五",
                  "phone": f"1370000{i:04d}"}, now=inside)  # fmt: skip
    drawn = client.post("/api/v1/activities/lot-imax/lottery/draw", headers=org)
    assert drawn.status_code == 200, drawn.get_json()
    again = client.post("/api/v1/activities/lot-imax/lottery/draw", headers=org).get_json()
    page = client.get("/api/v1/activities/lot-imax/lottery").get_json()
    assert page == again == drawn.get_json()
    assert page["commitment"] == before["commitment"] == lot.commitment(page["seed"])
    assert (
        page["counts"]["entries"] == 30
        and sum(e["party_size"] for e in page["entries"] if e["entry_id"] in page["winners"]) <= 12
    )
    assert "1370000" not in json.dumps(page)  # no phone on the public page
    path = tmp_path / "page.json"
    path.write_text(json.dumps(page))
    run = subprocess.run(
        [sys.executable, str(ROOT / "scripts/verify_draw.py"), str(path)], capture_output=True, text=True
    )
    assert run.returncode == 0, run.stdout + run.stderr


def test_refusals_of_the_lottery_edge(api):
    client, org, _store = api
    base = "/api/v1/activities/lot-imax/lottery"
    assert client.get(base).get_json()["reason"] == "unknown_activity"
    assert client.post(f"{base}/draw", headers=org).status_code == 404
    assert client.post(base, json=window(timedelta(hours=1))).status_code == 401
    bad = client.post(
        base,
        json={**window(timedelta(hours=1)), "draw_at": window(timedelta(hours=-5))["draw_at"]},
        headers=org,
    )
    assert bad.status_code == 422 and bad.get_json()["reason"] == "validation_failed"
    assert client.post(base, json=window(timedelta(hours=1)), headers=org).status_code == 201
    early = client.post(f"{base}/draw", headers=org)
    assert early.status_code == 409 and early.get_json()["reason"] == "draw_not_due"
    assert early.get_json()["message"].startswith("尚未到摇号时间")
    unknown = client.post("/api/v1/activities/nope/lottery", json=window(timedelta(hours=1)), headers=org)
    assert unknown.status_code == 404 and unknown.get_json()["reason"] == "unknown_activity"
