"""The v2 lottery groups over HTTP on real Redis (issue 27): an organizer opens a group, a verified
phone enters it with ranked choices and a signed receipt, the demand shows live, the scheduler
freezes it, the entrant fetches an inclusion proof; the per-activity endpoints as the group of one."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from services.registration.app import create_app
from services.registration.lottery import merkle, receipts, scheduler
from services.registration.lottery import specification_v2 as v2
from shared.auth import create_token
from tests.conftest import activity_doc
from tests.fair_support import bearer, seed_session

TZ = ZoneInfo("Asia/Shanghai")
SESSIONS = ("grp-a", "grp-b")


def make(store_settings, store_redis, **over):
    app = create_app(
        store_settings.with_overrides(
            require_verified_phone=1, rate_limit_ip_per_min=0, rate_limit_phone_per_min=0, **over
        ),
        redis_client=store_redis,
    )
    org = {
        "Authorization": "Bearer " + create_token(store_redis, store_settings.redis_prefix, "organizer", "t")
    }
    client = app.test_client()
    for aid in SESSIONS:
        made = client.post("/api/v1/activities", json=activity_doc(aid, allocation="lottery"), headers=org)
        assert made.status_code == 201, made.get_json()
    return app, client, org


@pytest.fixture
def api(store_settings, store_redis):
    return make(store_settings, store_redis)


def window(**over) -> dict:
    """Entries opened 5 minutes ago and close in an hour; the draw an hour later."""
    now = datetime.now(TZ).replace(microsecond=0)
    out = {
        "opens_at": (now - timedelta(minutes=5)).isoformat(),
        "closes_at": (now + timedelta(hours=1)).isoformat(),
        "draw_at": (now + timedelta(hours=2)).isoformat(),
    }
    return {**out, **over}


def phone(i: int) -> str:
    return f"137{i:08d}"


def entering(client, redis, prefix, i, url, **body):
    form = {"name": "张三", "organization": "中国科学院", "party_size": 2, **body}
    return client.post(url, json=form, headers=bearer(seed_session(redis, prefix, phone(i))))


def test_open_enter_demand_freeze_and_proof(api, store_redis, store_settings):
    app, client, org = api
    opened = client.post(
        "/api/v1/lottery-groups",
        json={**window(), "group_id": "week", "activity_ids": list(SESSIONS)},
        headers=org,
    )
    assert opened.status_code == 201, opened.get_json()
    key = opened.get_json()["receipt_key"]
    url, p = "/api/v1/lottery-groups/week/entries", store_settings.redis_prefix
    made = [
        entering(client, store_redis, p, i, url, choices=["grp-b", "grp-a"][: 1 + i % 2]) for i in range(5)
    ]
    assert [r.status_code for r in made] == [201] * 5, made[0].get_json()
    again = entering(client, store_redis, p, 0, url, choices=["grp-a"])
    assert (again.status_code, again.get_json()["reason"]) == (409, "already_entered")
    bad = entering(client, store_redis, p, 9, url, choices=["grp-a", "grp-a"])
    assert (bad.status_code, bad.get_json()["reason"]) == (422, "choices_invalid")
    assert (
        bad.get_json()["message"]
        != entering(client, store_redis, p, 9, url + "?lang=en", choices=["nope"]).get_json()["message"]
    )  # zh-CN first, English when asked
    info = client.get("/api/v1/lottery-groups/week").get_json()
    by = {d["activity_id"]: d for d in info["demand"]}
    assert (by["grp-b"]["entries"], by["grp-b"]["people"], by["grp-a"]["entries"]) == (5, 10, 2)
    receipt = made[3].get_json()["receipt"]
    assert receipts.check(receipt, key) and receipt["entry_id"] == made[3].get_json()["entry_id"]
    proof_url = f"{url}/{receipt['entry_id']}/proof"
    early = client.get(proof_url, query_string={"token": made[3].get_json()["token"]})
    assert (early.status_code, early.get_json()["reason"]) == (409, "not_frozen")
    closed = datetime.fromisoformat(window()["closes_at"]).timestamp() + 1  # the scheduler's pass then
    scheduler.run_once(
        app.extensions["sciday.lotteries"], app.extensions["sciday.settings"], ports(app), closed
    )
    root = client.get("/api/v1/lottery-groups/week").get_json()["merkle_root"]
    proof = client.get(proof_url, query_string={"token": made[3].get_json()["token"]}).get_json()
    assert receipts.check(proof, key) and proof["merkle_root"] == root
    path = [bytes.fromhex(h) for h in proof["path"]]
    assert merkle.included(
        v2.leaf(receipt), proof["leaf_index"], proof["tree_size"], path, bytes.fromhex(root)
    )
    late = entering(client, store_redis, p, 7, url, choices=["grp-a"])
    assert (late.status_code, late.get_json()["reason"]) == (409, "lottery_closed")
    other = client.get(proof_url, query_string={"token": made[2].get_json()["token"]})
    assert (other.status_code, other.get_json()["reason"]) == (401, "unauthorized")


def ports(app):
    from services.registration.bootstrap import EXTENSION

    return app.extensions[EXTENSION]


def test_a_group_takes_only_lottery_activities(api):
    _app, client, org = api
    client.post("/api/v1/activities", json=activity_doc("fcfs-1"), headers=org)
    out = client.post(
        "/api/v1/lottery-groups", json={**window(), "activity_ids": ["grp-a", "fcfs-1"]}, headers=org
    )
    assert (out.status_code, out.get_json()["reason"]) == (422, "validation_failed")
    missing = client.post("/api/v1/lottery-groups", json={**window(), "activity_ids": ["nope"]}, headers=org)
    assert (missing.status_code, missing.get_json()["reason"]) == (404, "unknown_activity")
    assert client.get("/api/v1/lottery-groups/nope").get_json()["reason"] == "unknown_group"


def test_the_group_of_one_through_the_per_activity_endpoints(store_settings, store_redis):
    """With SCIDAY_LOTTERY_SINGLE_V2 on, opening an activity's lottery opens group <id>; entering
    it enters that group with the one session as the choice; 我的报名 shows the entry."""
    app, client, org = make(store_settings, store_redis, lottery_single_v2=True)
    assert client.post("/api/v1/activities/grp-a/lottery", json=window(), headers=org).status_code == 201
    page = client.get("/api/v1/activities/grp-a/lottery").get_json()
    assert (page["algorithm"], page["group_id"], page["state"]) == (v2.ALGORITHM, "grp-a", "open")
    token = seed_session(store_redis, store_settings.redis_prefix, phone(1))
    out = client.post("/api/v1/activities/grp-a/lottery/entries", json={"name": "张三", "organization": "中国科学院", "party_size": 1},
                      headers=bearer(token))  # fmt: skip
    assert out.status_code == 201, out.get_json()
    assert out.get_json()["receipt"]["choices"] == ["grp-a"] and out.get_json()["activity_id"] == "grp-a"
    mine = client.get("/api/v1/me/registrations", headers=bearer(token)).get_json()["lottery_entries"]
    assert [(e["group_id"], e["choices"], e["entry_id"]) for e in mine] == [
        ("grp-a", ["grp-a"], out.get_json()["entry_id"])
    ]
    assert client.get("/api/v1/lottery-groups/grp-a").get_json()["demand"][0]["entries"] == 1
    html = client.get("/a/grp-a").get_data(as_text=True)  # the activity page: the lottery is open
    assert 'id="lottery-info"' in html and "报名期内先后不影响结果" in html
