"""The beacon's HTTP edge on real Redis (issue 27): the public view of the pinned chain and its
source, an organizer's typed round (kept only when it verifies), and a round fetched through the
service's beacon from the local relay (recorded rounds), 503 when no source has it."""

from __future__ import annotations

import pytest

from services.registration.app import create_app
from services.registration.lottery import beacon as bc
from services.registration.lottery.beacons import recorded_rounds
from shared.auth import create_token
from standins.beacon import LocalRelay

BY_ROUND = {r["round"]: r for r in recorded_rounds()}


@pytest.fixture
def api(store_settings, store_redis):
    relay = LocalRelay().start()
    app = create_app(store_settings.with_overrides(beacon_recorded_url=relay.url, beacon_timeout_ms=2000))
    token = create_token(store_redis, store_settings.redis_prefix, "organizer", "主办方")
    yield app.test_client(), {"Authorization": f"Bearer {token}"}, relay
    relay.stop()


def test_the_public_view_names_the_pinned_chain_and_the_source(api):
    client, _, _ = api
    got = client.get("/api/v1/beacon").get_json()
    assert got == {"chain": bc.QUICKNET.public(), "source": bc.SOURCE_RECORDED, "typed": []}


def test_a_typed_round_is_verified_kept_and_used_first(api):
    client, org, relay = api
    assert client.post("/api/v1/beacon/rounds", json={"round": 123, "signature": "x"}).status_code == 401
    bad = client.post(
        "/api/v1/beacon/rounds", json={"round": 124, "signature": BY_ROUND[123]["signature"]}, headers=org
    )
    assert bad.status_code == 422 and bad.get_json()["reason"] == "beacon_unverified"
    assert "签名" in bad.get_json()["message"]
    for body in ({"round": "x", "signature": "ab"}, {"round": 123, "signature": "ab", "extra": 1}):
        refused = client.post("/api/v1/beacon/rounds", json=body, headers=org)
        assert refused.status_code == 422 and refused.get_json()["reason"] == "validation_failed"
    good = client.post(
        "/api/v1/beacon/rounds", json={"round": 123, "signature": BY_ROUND[123]["signature"]}, headers=org
    )
    assert good.status_code == 201 and good.get_json()["source"] == bc.SOURCE_TYPED
    assert good.get_json()["randomness"] == BY_ROUND[123]["randomness"]
    listed = client.get("/api/v1/beacon").get_json()["typed"]
    assert [(t["round"], t["source"]) for t in listed] == [(123, bc.SOURCE_TYPED)] and listed[0]["typed_at"]
    relay.state.clear()
    fetched = client.get("/api/v1/beacon/rounds/123").get_json()
    assert fetched["source"] == bc.SOURCE_TYPED and relay.state.snapshot() == []  # no relay asked


def test_a_round_comes_from_the_relay_verified_or_is_unavailable(api):
    client, _, relay = api
    got = client.get("/api/v1/beacon/rounds/1000")
    assert got.status_code == 200 and got.get_json()["source"] == bc.SOURCE_RECORDED
    assert got.get_json()["signature"] == BY_ROUND[1000]["signature"]
    missing = client.get("/api/v1/beacon/rounds/999", headers={"Accept-Language": "en"})
    assert missing.status_code == 503 and missing.get_json()["reason"] == "beacon_unavailable"
    relay.state.faults(tamper=1)
    lied = client.get("/api/v1/beacon/rounds/1000")
    assert lied.status_code == 503 and lied.get_json()["reason"] == "beacon_unavailable"
    assert [a["round"] for a in relay.state.snapshot()] == ["1000", "999", "1000"]
