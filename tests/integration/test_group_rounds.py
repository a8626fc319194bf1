"""The draw side of a lottery group on real Redis (issue 27): rounds over ranked choices drawn once
from the frozen entries and a verified beacon value, settled into registrations once, and the
public JSON that the project's own check accepts."""

from __future__ import annotations

import copy
import json
import random
import threading
import time

import pytest

from services.registration.app import create_app
from services.registration.bootstrap import EXTENSION
from services.registration.lottery import public_v2, rounds, rounds_settle
from services.registration.lottery import specification_v2 as v2
from services.registration.lottery.entry import registration_id
from services.registration.lottery.group_rounds_store import GroupRoundsStore
from services.registration.lottery.recorded_beacon import Recorded
from services.registration.vocabulary import Refusal
from shared.auth import create_token
from shared.redis_scripts import connect
from tests.conftest import activity_doc
from tests.group_support import ROUNDS, Party, recorded_signature, write_group

GID = "imax-week"
SESSIONS = {"imax-a": 6, "imax-b": 4, "imax-c": 5}


@pytest.fixture
def app(settings, redis):
    made = create_app(settings, redis_client=redis)
    org = {"Authorization": "Bearer " + create_token(redis, settings.redis_prefix, "organizer", "t")}
    client = made.test_client()
    for aid, cap in SESSIONS.items():
        body = activity_doc(aid, capacity=cap, allocation="lottery")
        assert client.post("/api/v1/activities", json=body, headers=org).status_code == 201
    return made


@pytest.fixture
def ports(app):
    return app.extensions[EXTENSION]


@pytest.fixture
def store(settings, redis):
    return GroupRoundsStore(redis, settings)


def parties(n: int, seed: int = 3) -> list[Party]:
    rng = random.Random(seed)
    names = list(SESSIONS)
    return [
        Party(rng.sample(names, rng.randint(1, 3)), rng.randint(1, 3), rng.randint(1, 3)) for _ in range(n)
    ]


T = time.time() - 600  # round 1's time: passed; round 2's is given as `now` explicitly


def group(redis, settings, n=24, **over):
    return write_group(redis, settings, GID, parties(n), draw_at=T, **over)


def wins_honour_rank_order(r: v2.Round, frozen: list[dict]) -> list[str]:
    """Replay the drawn order on the published seats: each party's win is its first choice with
    room at its turn, and a party that won nothing had no choice with room."""
    by_id, free, problems = {e["entry_id"]: e for e in frozen}, dict(r.capacities), []
    for eid in r.order:
        e = by_id[eid]
        room = [c for c in e["choices"] if free.get(c, 0) >= e["party_size"]]
        if r.wins.get(eid) != (room[0] if room else None):
            problems.append(eid)
        if room:
            free[room[0]] -= e["party_size"]
    return problems


def registered(redis, settings) -> dict[str, list[str]]:
    """Entry id -> the sessions in which it holds a registration."""
    out: dict[str, list[str]] = {}
    for aid in SESSIONS:
        for rid in redis.hkeys(f"{settings.redis_prefix}act:{{{aid}}}:regs"):
            for eid in (f"e{i:05d}" for i in range(100)):
                if registration_id(aid, eid) == rid.decode():
                    out.setdefault(eid, []).append(aid)
    return out


def test_round_one_wins_once_per_party_in_rank_order_and_round_two_holds_only_those_who_won_nothing(
    app, ports, store, redis, settings
):
    group(redis, settings, round2_at=T + 300)
    assert not rounds_settle.step(ports, store, GID, now=T)  # round 2 still to come
    first = store.round(GID, 1)
    frozen = store.frozen(GID)
    assert first is not None and len(set(first.order)) == len(first.order) == len(frozen)
    assert wins_honour_rank_order(first, frozen) == []
    assert first.wins and all(first.wins[e] in SESSIONS for e in first.wins)

    assert rounds_settle.step(ports, store, GID, now=T + 300)
    second = store.round(GID, 2)
    assert second is not None
    assert set(second.order) == {e["entry_id"] for e in frozen} - set(first.wins)
    assert wins_honour_rank_order(second, frozen) == []
    assert not set(second.wins) & set(first.wins)
    held = registered(redis, settings)
    assert all(len(s) == 1 for s in held.values())  # no party holds seats twice
    assert set(held) == set(first.wins) | set(second.wins)


def test_the_draw_refuses_without_a_verified_beacon_value_and_the_group_stays_due(
    app, ports, store, redis, settings, monkeypatch
):
    group(redis, settings)
    sig = recorded_signature(ROUNDS[0])
    tampered = Recorded({ROUNDS[0]: sig[:-2] + ("00" if sig[-2:] != "00" else "11")})
    for beacon in (tampered, Recorded({})):
        monkeypatch.setattr(rounds_settle, "beacon_of", lambda _ports, b=beacon: b)
        with pytest.raises(Refusal) as exc:
            rounds_settle.manual_draw(ports, store, GID, now=T, lease_s=5)
        assert exc.value.reason == "beacon_unavailable"
        assert not rounds_settle.step(ports, store, GID, now=T)  # the scheduler: stays due
        assert store.round(GID, 1) is None and GID in store.due(T)
        assert redis.hget(f"{settings.redis_prefix}lotg:{{{GID}}}", "state") == b"frozen"


def test_two_drawers_racing_store_one_round(app, ports, store, redis, settings):
    group(redis, settings, n=60)
    caps = rounds.first_capacities(ports, store.meta(GID))
    start, out = threading.Barrier(4), []

    def drawer():
        mine = GroupRoundsStore(connect(settings.redis_url), settings)
        start.wait()
        r = rounds.draw_round(mine, Recorded.shipped(), GID, 1, capacities=caps, now=T, wait_s=20)
        out.append(json.dumps(r.public(), sort_keys=True))

    threads = [threading.Thread(target=drawer) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(out) == 4 and len(set(out)) == 1
    assert redis.get(f"{settings.redis_prefix}lotg:round:{{{GID}}}:1") is not None
    assert redis.hget(f"{settings.redis_prefix}lotg:{{{GID}}}", "rounds_drawn") == b"1"


def test_settling_twice_makes_one_registration_per_party(app, ports, store, redis, settings):
    group(redis, settings)
    assert rounds_settle.step(ports, store, GID, now=T)
    before = registered(redis, settings)
    drawn = store.rounds(GID)
    assert rounds_settle.settle(ports, store, GID, drawn, now=T + 5)
    assert rounds_settle.step(ports, store, GID, now=T + 10)
    after = registered(redis, settings)
    assert after == before and all(len(s) == 1 for s in after.values())
    assert set(after) == set(drawn[0].wins)


def test_public_draw_passes_the_check_and_fails_when_an_entry_changes(app, ports, store, redis, settings):
    group(redis, settings, round2_at=T + 300)
    rounds_settle.step(ports, store, GID, now=T)
    rounds_settle.step(ports, store, GID, now=T + 300)
    doc = json.loads(json.dumps(rounds.public_draw(ports, store, GID)))
    assert len(doc["rounds"]) == 2 and doc["seed"] is not None
    assert public_v2.check(doc, allow_recorded=True) == []
    changed = copy.deepcopy(doc)
    changed["entries"][0]["party_size"] += 1
    assert public_v2.check(changed, allow_recorded=True)
    assert public_v2.check(doc) != []  # a recorded round is only for demonstrations


def test_over_http_a_manual_draw_without_a_verified_beacon_is_503_and_the_drawn_group_answers_v2(
    app, store, redis, settings, monkeypatch
):
    group(redis, settings)
    org = {"Authorization": "Bearer " + create_token(redis, settings.redis_prefix, "organizer", "t")}
    client = app.test_client()
    assert client.get(f"/api/v1/lottery-groups/{GID}/draw").get_json()["seed"] is None
    monkeypatch.setattr(rounds_settle, "beacon_of", lambda _ports: Recorded({}))
    refused = client.post(f"/api/v1/lottery-groups/{GID}/draw", headers=org)
    assert refused.status_code == 503 and refused.get_json()["reason"] == "beacon_unavailable"
    monkeypatch.setattr(rounds_settle, "beacon_of", lambda _ports: Recorded.shipped())
    drawn = client.post(f"/api/v1/lottery-groups/{GID}/draw", headers=org)
    assert drawn.status_code == 200 and len(drawn.get_json()["rounds"]) == 1
    public = client.get(f"/api/v1/lottery-groups/{GID}/draw").get_json()
    assert public_v2.check(public, allow_recorded=True) == []
    session = client.get(f"/api/v1/activities/{next(iter(SESSIONS))}/lottery").get_json()
    assert session == public  # a session of the group answers the group's v2 JSON
