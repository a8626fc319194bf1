"""The release queue over HTTP on real Redis (issue 28): joining with a verified phone (one place
per phone), the status before and after the release, the admission token the registration API
demands (required, another phone's, expired), the audit reproducing the shuffle, 我的报名's
``queues``. The app's clock is a fake one moved by the test (no wall-clock hour matters)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from services.registration.app import create_app
from services.registration.queue import rules
from shared.auth import create_token
from shared.clock import FakeClock
from tests.conftest import activity_doc
from tests.fair_support import bearer, seed_session

TZ = ZoneInfo("Asia/Shanghai")
BASE = "/api/v1/activities/rush"


@pytest.fixture
def world(store_settings, store_redis):
    app = create_app(
        store_settings.with_overrides(
            require_verified_phone=1,
            rate_limit_ip_per_min=0,
            rate_limit_phone_per_min=0,
            queue_rate_per_min=1,
        ),
        redis_client=store_redis,
    )
    clock = FakeClock(datetime.now(UTC).replace(microsecond=0))
    app.extensions["sciday.registration"].clock = clock
    org = {
        "Authorization": "Bearer " + create_token(store_redis, store_settings.redis_prefix, "organizer", "t")
    }
    client = app.test_client()
    release = clock.now().astimezone(TZ) + timedelta(minutes=10)
    body = activity_doc("rush", capacity=300, queue="on", registration_opens_at=release.isoformat())
    made = client.post("/api/v1/activities", json=body, headers=org)
    assert made.status_code == 201, made.get_json()
    assert made.get_json()["queue"] == "on"
    sessions = {
        i: bearer(seed_session(store_redis, store_settings.redis_prefix, f"137{i:08d}")) for i in range(4)
    }
    return client, clock, sessions


def register(client, who, token=None):
    headers = dict(who, **({"X-Queue-Token": token} if token else {}))
    form = {"name": "张三", "organization": "中国科学院", "party_size": 1}
    return client.post(f"{BASE}/registrations", json=form, headers=headers)


def test_join_release_admit_and_register_with_the_token(world):
    client, clock, who = world
    joined = [client.post(f"{BASE}/queue", headers=who[i]) for i in range(3)]
    assert [r.status_code for r in joined] == [201] * 3, joined[0].get_json()
    again = client.post(f"{BASE}/queue", headers=who[0])
    assert again.status_code == 200 and again.get_json()["queue_id"] == joined[0].get_json()["queue_id"]
    me = client.get(f"{BASE}/queue/me", headers=who[0]).get_json()
    assert (me["state"], me["position"]) == ("waiting", None)
    assert 48 <= me["poll_s"] <= 60  # a release 10 minutes away: one heartbeat (60 s, less 0-20 %)
    public = client.get(f"{BASE}/queue").get_json()
    assert (public["state"], public["joined"]) == ("waiting", 3)

    clock.advance(minutes=10, seconds=1)  # the release, and the 1 s those present take to hear their
    # place (rules.admission_from_ms): rate 1 a minute admits place 1 now, place 2 in a minute
    seen = {i: client.get(f"{BASE}/queue/me", headers=who[i]).get_json() for i in range(3)}
    first = next(i for i, s in seen.items() if s["position"] == 1)
    second = next(i for i, s in seen.items() if s["position"] == 2)
    assert seen[first]["state"] == "admitted" and seen[second]["state"] == "queued"
    assert (seen[second]["ahead"], seen[second]["estimate_s"]) == (0, 60)
    token = seen[first]["token"]

    refused = [register(client, who[first]), register(client, who[second], token), register(client, who[3])]
    assert [(r.status_code, r.get_json()["reason"]) for r in refused] == [
        (403, "queue_token_required"),
        (403, "queue_token_invalid"),
        (403, "queue_token_required"),
    ]
    made = register(client, who[first], token)
    assert made.status_code == 201, made.get_json()

    clock.advance(minutes=1)
    token2 = client.get(f"{BASE}/queue/me", headers=who[second]).get_json()["token"]
    clock.advance(minutes=11)  # past its life (SCIDAY_QUEUE_TOKEN_S 600)
    late = register(client, who[second], token2)
    assert (late.status_code, late.get_json()["reason"]) == (403, "queue_token_expired")


def test_the_audit_reproduces_the_shuffle_from_the_committed_seed(world):
    client, clock, who = world
    ids = [client.post(f"{BASE}/queue", headers=who[i]).get_json()["queue_id"] for i in range(4)]
    commitment = client.get(f"{BASE}/queue").get_json()["commitment"]
    early = client.get(f"{BASE}/queue/audit")
    assert (early.status_code, early.get_json()["reason"]) == (409, "queue_not_open")
    clock.advance(minutes=10)
    audit = client.get(f"{BASE}/queue/audit").get_json()
    seed = bytes.fromhex(audit["seed"])
    assert rules.commitment(seed) == commitment and audit["arrivals"] == ids
    assert audit["order"] == rules.order(seed, ids)
    positions = {client.get(f"{BASE}/queue/me", headers=who[i]).get_json()["queue_id"]: i for i in range(4)}
    for place, qid in enumerate(audit["order"], start=1):
        me = client.get(f"{BASE}/queue/me", headers=who[positions[qid]]).get_json()
        assert me["position"] == place


def test_my_registrations_list_the_queue_place(world):
    client, _clock, who = world
    client.post(f"{BASE}/queue", headers=who[0])
    mine = client.get("/api/v1/me/registrations", headers=who[0]).get_json()
    assert [(q["activity_id"], q["state"]) for q in mine["queues"]] == [("rush", "waiting")]
    assert client.get("/api/v1/me/registrations", headers=who[1]).get_json()["queues"] == []


def test_joining_needs_a_verified_phone(world):
    client, _clock, _who = world
    r = client.post(f"{BASE}/queue")
    assert (r.status_code, r.get_json()["reason"]) == (401, "phone_not_verified") or r.get_json()[
        "reason"
    ] == "phone_not_verified"


def test_the_form_takes_the_token_in_its_hidden_field(world):
    import re

    from services.registration.access.api import COOKIE

    client, clock, who = world
    client.post(f"{BASE}/queue", headers=who[0])
    clock.advance(minutes=10, seconds=1)  # the release, and the second before admissions begin
    token = client.get(f"{BASE}/queue/me", headers=who[0]).get_json()["token"]
    client.set_cookie(COOKIE, who[0]["Authorization"].removeprefix("Bearer "))
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', client.get("/login").get_data(True)).group(1)
    form = {
        "csrf_token": csrf,
        "name": "张三",
        "organization": "中国科学院",
        "party_size": "1",
        "consent": "1",
    }
    without = client.post("/a/rush", data=form)
    assert without.status_code == 403 and "请在排队页等候轮到您" in without.get_data(True)
    made = client.post("/a/rush", data=dict(form, queue_token=token))
    assert made.status_code == 303 and made.headers["Location"].startswith("/t/"), made.get_data(True)[:300]
