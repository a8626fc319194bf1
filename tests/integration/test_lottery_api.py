"""The lottery's HTTP edge on real Redis: opening, the public page before and after the draw,
the draw's refusals, and the verification script run on the page the API serves."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from services.registration.app import create_app
from services.registration.lottery import draw as lot
from services.registration.lottery import specification
from shared import keyfile
from shared.auth import create_token
from tests.conftest import ROOT, activity_doc

TZ = ZoneInfo("Asia/Shanghai")


@pytest.fixture
def api(settings, redis):
    app = create_app(settings)
    client = app.test_client()
    org = {"Authorization": "Bearer " + create_token(redis, settings.redis_prefix, "organizer", "主办方")}
    assert (
        client.post(
            "/api/v1/activities",
            json=activity_doc("lot-imax", capacity=12, allocation="lottery"),
            headers=org,
        ).status_code
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


@pytest.mark.usefixtures("v1_lottery")  # issue 27: v1 itself (new lotteries are v2)
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
    assert page["commitment"] == before["commitment"] == specification.commitment(page["seed"])
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


@pytest.mark.usefixtures("v1_lottery")  # issue 27: v1 itself (new lotteries are v2)
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
    fcfs = client.post("/api/v1/activities", json=activity_doc("fcfs-imax"), headers=org)
    assert fcfs.status_code == 201
    not_drawn = client.post(
        "/api/v1/activities/fcfs-imax/lottery", json=window(timedelta(hours=1)), headers=org
    )
    assert not_drawn.status_code == 422 and not_drawn.get_json()["errors"]["allocation"], not_drawn.get_json()
    unknown = client.post("/api/v1/activities/nope/lottery", json=window(timedelta(hours=1)), headers=org)
    assert unknown.status_code == 404 and unknown.get_json()["reason"] == "unknown_activity"


def entry(i, party=2):
    # the registration form (verification is off in these older suites: the phone is given)
    return {"name": "孙七", "phone": f"1350000{i:04d}", "party_size": party, "organization": "中国科学院"}


@pytest.mark.usefixtures("v1_lottery")  # issue 27: v1 itself (new lotteries are v2)
def test_entering_over_http_once_per_phone_and_confirming_a_win(api, settings, redis):
    client, org, store = api
    w = {**window(timedelta(hours=2)), "confirm_hours": 24}  # entries open now
    assert client.post("/api/v1/activities/lot-imax/lottery", json=w, headers=org).status_code == 201
    base = "/api/v1/activities/lot-imax/lottery/entries"
    made = [client.post(base, json=entry(i)) for i in range(8)]
    assert [r.status_code for r in made] == [201] * 8
    again = client.post(base, json=entry(0, party=1), headers={"Accept-Language": "en"})
    assert again.status_code == 409 and again.get_json()["reason"] == "already_entered"
    assert made[0].get_json()["entry_id"] not in again.get_data(as_text=True)  # issue 23
    assert again.get_json()["message"] == "This phone or ID has already entered."
    too_big = client.post(base, json=entry(99, party=5))
    # as a registration would be: the activity's party limit is a field rule
    assert too_big.status_code == 422 and too_big.get_json()["reason"] == "validation_failed"
    assert "party_size" in too_big.get_json()["errors"], too_big.get_json()
    # The draw time comes (the store's clock is a parameter): 12 seats, parties of 2.
    d = lot.draw(store, "lot-imax", now=datetime.fromisoformat(w["draw_at"]).timestamp())
    tokens = {r.get_json()["entry_id"]: r.get_json()["token"] for r in made}
    winner, loser = d.winners[0], d.waitlist[0]
    url = f"{base}/{winner}/confirmation"
    assert client.post(url, json={"token": "wrong"}).get_json()["reason"] == "unauthorized"
    assert client.post(url, json={"token": tokens[winner]}).status_code == 201
    assert store.get_draw("lot-imax").confirmed == [winner]
    no = client.post(f"{base}/{loser}/confirmation", json={"token": tokens[loser]})
    assert no.status_code == 409 and no.get_json()["reason"] == "not_a_winner"
    assert client.post(f"{base}/e-nope/confirmation", json={"token": "x"}).status_code == 404


def test_a_phone_locked_for_no_shows_cannot_enter_until_forgiven(api, settings, redis):
    from services.registration.noshow import record as ns
    from services.registration.noshow.record import identity_hash

    client, org, _store = api
    now = datetime.now(TZ).replace(microsecond=0)
    w = window(timedelta(hours=2))  # entries open now
    assert client.post("/api/v1/activities/lot-imax/lottery", json=w, headers=org).status_code == 201
    holder = "phone:" + identity_hash(keyfile.noshow_pepper(settings), "13500000001")
    record = client.application.extensions["sciday.noshow"]
    t = now.timestamp() - 86400
    marks = [ns.Mark(f"old{i}:0", holder, f"old{i}", "past", "not_admitted", t - i * 3600) for i in range(3)]
    ns.record_marks(record, marks, ns.Policy.from_settings(settings))
    locked = client.post("/api/v1/activities/lot-imax/lottery/entries", json=entry(1))
    body = locked.get_json()
    assert (locked.status_code, body["reason"]) == (409, "noshow_locked")
    assert body["detail"]["locked_until"] == t + settings.noshow_lock_days * 86400
    standing = client.get(f"/api/v1/noshow/holders/{holder}", headers=org).get_json()
    assert standing["counting"] == 3 and standing["locked_until"] == body["detail"]["locked_until"]
    forgive = "/api/v1/noshow/marks/old1:0/forgiveness"
    assert client.post(forgive, json={"note": " "}, headers=org).get_json()["reason"] == "note_required"
    assert client.post(forgive, json={"note": "x"}).status_code == 401
    done = client.post(forgive, json={"note": "医院证明"}, headers=org)
    assert done.status_code == 201 and done.get_json()["locked_until"] is None
    assert (
        client.post("/api/v1/noshow/marks/nope:0/forgiveness", json={"note": "x"}, headers=org).status_code
        == 404
    )
    assert client.post("/api/v1/activities/lot-imax/lottery/entries", json=entry(1)).status_code == 201


def test_the_allocation_is_fixed_once_a_lottery_is_opened_or_someone_registered(api, settings, redis):
    client, org, _ = api
    patch = "/api/v1/activities/lot-imax"
    # Not opened yet: the organizer may still make it first come, first served, and back.
    assert client.patch(patch, json={"allocation": "fcfs"}, headers=org).status_code == 200
    assert client.patch(patch, json={"allocation": "lottery"}, headers=org).status_code == 200
    assert client.post(f"{patch}/lottery", json=window(timedelta(hours=4)), headers=org).status_code == 201
    for lang, script in (("zh-CN", "摇号"), ("en", "lottery")):
        r = client.patch(patch, json={"allocation": "fcfs"}, headers={**org, "Accept-Language": lang})
        body = r.get_json()
        assert r.status_code == 409 and body["reason"] == "allocation_locked", body
        assert script in body["message"]
    assert client.get(patch).get_json()["allocation"] == "lottery"
    # First come, first served with a registration: it stays so.
    make = client.post("/api/v1/activities", json=activity_doc("fcfs-lock", capacity=5), headers=org)
    assert make.status_code == 201
    from tests.fair_support import bearer, seed_session

    me = bearer(seed_session(redis, settings.redis_prefix, "13800000077"))
    got = client.post(
        "/api/v1/activities/fcfs-lock/registrations",
        json={"name": "张三", "phone": "13800000077", "party_size": 1, "organization": "x"},
        headers=me,
    )
    assert got.status_code == 201, got.get_json()
    r = client.patch("/api/v1/activities/fcfs-lock", json={"allocation": "lottery"}, headers=org)
    assert r.status_code == 409 and r.get_json()["reason"] == "allocation_locked"
