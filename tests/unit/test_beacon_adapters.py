"""The beacon's adapters (issue 27, docs/lottery.md "The beacon"): the recorded rounds are real
(each verifies), the replay names them in turn, the HTTP client returns only verified values (a
404, a lying relay and an unreachable one give None or the next relay's verified answer), and a
typed round is kept only when it verifies. The HTTP tests run against the local relay on loopback."""

from __future__ import annotations

import json
import math

import pytest
import requests

from services.registration.lottery import beacon as bc
from services.registration.lottery.beacon_http import HttpBeacon, ReplayBeacon, replay_round
from services.registration.lottery.beacon_typed import TypedRounds
from services.registration.lottery.beacons import beacon_from, chain_of, recorded_rounds
from shared.config import Settings, load
from standins.beacon import LocalRelay

ROUNDS = recorded_rounds()
BY_ROUND = {r["round"]: r for r in ROUNDS}


@pytest.fixture
def relay():
    r = LocalRelay().start()
    yield r
    r.stop()


def test_every_recorded_round_is_real_quicknet():
    assert len(ROUNDS) >= 10 and len(BY_ROUND) == len(ROUNDS)
    for r in ROUNDS:
        value = bc.verify(bc.QUICKNET, r["round"], r["signature"])
        assert value.randomness == r["randomness"], r["round"]
        assert r["url"].endswith(f"/{bc.QUICKNET.hash}/public/{r['round']}") and r["found_in"]


def test_the_settings_pin_quicknet_by_default():
    assert chain_of(load()) == bc.QUICKNET
    assert Settings.beacon_source == "recorded"  # the local stack; production sets http
    for bad in ({"beacon_public_key": "zz" * 96}, {"beacon_chain_hash": "abc"}, {"beacon_period_s": 0}):
        with pytest.raises(ValueError):
            chain_of(load(bad))  # at start, never a panic inside drand-verify later


def test_the_replay_names_each_recorded_round_in_turn():
    rounds = sorted(BY_ROUND)
    period = 3.0
    named = [replay_round(rounds, period, 1_800_000_000 + k * period) for k in range(len(rounds))]
    assert sorted(named) == rounds  # one period apart: every recorded round once
    t = 1_800_000_000.5
    assert replay_round(rounds, period, t) == rounds[(math.floor(t / period) + 1) % len(rounds)]
    assert replay_round(rounds, period, t) == replay_round(rounds, period, t + 0.4)  # same period


def test_the_http_adapter_returns_a_recorded_round_verified(relay):
    beacon = HttpBeacon(bc.QUICKNET, [relay.url], timeout_s=2)
    value = beacon.fetch(1000)
    assert value is not None and value.randomness == BY_ROUND[1000]["randomness"]
    assert value.public()["source"] == bc.SOURCE_HTTP
    assert beacon.round_after(bc.QUICKNET.genesis_time + 30.5) == 12  # the first round after


def test_a_round_not_published_is_none(relay):
    assert HttpBeacon(bc.QUICKNET, [relay.url]).fetch(999) is None
    assert relay.state.snapshot()[-1]["answer"] == 404


def test_a_tampered_answer_is_never_returned(relay):
    relay.state.faults(tamper=5)
    assert HttpBeacon(bc.QUICKNET, [relay.url]).fetch(1000) is None
    served = requests.get(f"{relay.url}/{bc.QUICKNET.hash}/public/1000", timeout=5).json()
    assert served["signature"] != BY_ROUND[1000]["signature"]  # the relay did lie


def test_relays_are_asked_in_turn_until_one_answers_verified(relay):
    liar = LocalRelay().start()
    try:
        liar.state.faults(tamper=1)
        down = "http://127.0.0.1:9"  # nothing listens on the discard port
        relay.state.faults(count=1, status=503)
        beacon = HttpBeacon(bc.QUICKNET, [down, relay.url, liar.url], timeout_s=1)
        value = beacon.fetch(123)  # down, then 503, then a lie: none verified
        assert value is None
        value = beacon.fetch(123)  # down, then the honest relay
        assert value is not None and value.signature == BY_ROUND[123]["signature"]
        assert [a["round"] for a in liar.state.snapshot()] == ["123"]
    finally:
        liar.stop()


def test_the_recorded_source_replays_from_the_stand_in(relay):
    beacon = ReplayBeacon(bc.QUICKNET, relay.url, sorted(BY_ROUND), period_s=3)
    named = beacon.round_after(1_800_000_000)
    value = beacon.fetch(named)
    assert value is not None and value.round == named and value.public()["source"] == bc.SOURCE_RECORDED


def test_beacon_from_builds_the_source_the_settings_name(store_settings, store_redis, relay):
    recorded = beacon_from(store_settings.with_overrides(beacon_recorded_url=relay.url), store_redis)
    assert isinstance(recorded, ReplayBeacon) and recorded.relays == [relay.url]
    http = beacon_from(store_settings.with_overrides(beacon_source="http"), store_redis)
    assert type(http) is HttpBeacon and http.relays[0] == "https://api.drand.sh" and len(http.relays) == 4
    with pytest.raises(ValueError):
        beacon_from(store_settings.with_overrides(beacon_source="nist"), store_redis)
    with pytest.raises(ValueError, match="SCIDAY_BEACON_SOURCE=http"):  # an image has no recording
        beacon_from(store_settings.with_overrides(beacon_recorded_file="/nonexistent.json"), store_redis)


def test_a_typed_round_is_kept_only_when_it_verifies(store_settings, store_redis):
    typed = TypedRounds(store_redis, store_settings.redis_prefix, bc.QUICKNET)
    for rnd, sig in [(1001, BY_ROUND[1000]["signature"]), (1000, "zz" * 48), (1000, "")]:
        with pytest.raises(bc.BeaconUnverified):
            typed.put(rnd, sig, now=1_800_000_000)
    assert typed.all() == []
    kept = typed.put(657413, BY_ROUND[657413]["signature"].upper(), now=1_800_000_000)
    assert kept.source == bc.SOURCE_TYPED and typed.get(657413) == kept
    assert [t["round"] for t in typed.all()] == [657413]


def test_a_typed_round_comes_first_and_a_tampered_one_is_dropped(store_settings, store_redis):
    typed = TypedRounds(store_redis, store_settings.redis_prefix, bc.QUICKNET)
    typed.put(5928395, BY_ROUND[5928395]["signature"], now=1_800_000_000)
    nowhere = HttpBeacon(bc.QUICKNET, ["http://127.0.0.1:9"], timeout_s=0.5, typed=typed)
    value = nowhere.fetch(5928395)
    assert value is not None and value.public()["source"] == bc.SOURCE_TYPED
    # Redis is not trusted: a signature changed at rest is verified again, and dropped.
    store_redis.hset(typed.key, "5928395", json.dumps({"signature": BY_ROUND[123]["signature"]}))
    assert nowhere.fetch(5928395) is None and typed.all() == []
