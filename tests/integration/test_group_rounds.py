"""The draw side of a lottery group on real Redis (issue 27): rounds over ranked choices drawn once
from the frozen entries and a verified beacon value, settled into registrations once, and the
public JSON that the project's own check accepts."""

from __future__ import annotations

import copy
import json
import random
import subprocess
import sys
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
from tests.conftest import ROOT
from tests.group_support import ROUNDS, Party, lottery_sessions, recorded_signature, write_group

GID = "imax-week"
SESSIONS = {"imax-a": 6, "imax-b": 4, "imax-c": 5}


@pytest.fixture
def app(settings, redis):
    return lottery_sessions(settings, redis, SESSIONS)


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


T = int(time.time()) - 600  # round 1's time: passed; round 2's is given as `now` explicitly


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
            for eid in (f"e{i:016x}" for i in range(100)):
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


def test_two_drawers_racing_store_one_round(app, ports, store, redis, settings, monkeypatch):
    group(redis, settings, n=60)
    caps = rounds.first_capacities(ports, store.meta(GID))
    start, out, computed = threading.Barrier(4), [], []
    real = v2.draw_round
    monkeypatch.setattr(v2, "draw_round", lambda **kw: computed.append(1) or real(**kw))

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
    assert len(out) == 4 and len(set(out)) == 1 and len(computed) == 1  # one drew, three waited
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


def test_the_outsiders_script_verifies_the_public_json(app, ports, store, redis, settings, tmp_path):
    group(redis, settings, round2_at=T + 300)
    rounds_settle.step(ports, store, GID, now=T)
    rounds_settle.step(ports, store, GID, now=T + 300)
    path = tmp_path / "draw.json"
    path.write_text(json.dumps(rounds.public_draw(ports, store, GID)))
    script = [sys.executable, str(ROOT / "scripts/verify_draw.py"), str(path)]
    ok = subprocess.run([*script, "--demo"], capture_output=True, text=True, check=False)
    assert ok.returncode == 0, ok.stdout + ok.stderr
    assert subprocess.run(script, capture_output=True, check=False).returncode == 1  # recorded: a demo


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


def test_my_registrations_see_each_rounds_outcome(app, ports, store, redis, settings):
    from services.registration.lottery.rounds_mine import round_outcomes

    group(redis, settings, round2_at=T + 300)
    assert [r["outcome"] for r in round_outcomes(store, GID, f"e{0:016x}")["rounds"]] == [
        "pending",
        "pending",
    ]
    rounds_settle.step(ports, store, GID, now=T)
    rounds_settle.step(ports, store, GID, now=T + 300)
    first, second = store.round(GID, 1), store.round(GID, 2)
    waiting = v2.waitlist([first, second])
    for eid in first.order:
        seen = round_outcomes(store, GID, eid)["rounds"]
        if eid in first.wins:
            assert seen[0]["outcome"] == "won" and seen[0]["activity_id"] == first.wins[eid]
            assert seen[1]["outcome"] is None
        elif eid in second.wins:
            assert [s["outcome"] for s in seen] == ["lost", "won"]
        else:
            assert [s["outcome"] for s in seen] == ["lost", "waitlisted"]
            assert seen[1]["position"] == waiting.index(eid) + 1


def test_seats_forfeited_after_the_last_round_go_to_the_waitlist_in_drawn_order_once(
    app, ports, store, redis, settings
):
    group(redis, settings, confirm_hours=1)
    rounds_settle.step(ports, store, GID, now=T)
    first = store.round(GID, 1)
    assert store.handed(GID) == [] and not registered(redis, settings)  # winners still to confirm
    rounds_settle.step(ports, store, GID, now=T + 3601)  # nobody confirmed: every win forfeited
    rounds_settle.step(ports, store, GID, now=T + 3602)
    by_id, free, expected = {e["entry_id"]: e for e in store.frozen(GID)}, dict(first.capacities), []
    for eid in v2.waitlist([first]):
        e = by_id[eid]
        room = next((c for c in e["choices"] if free[c] >= e["party_size"]), None)
        if room:
            free[room] -= e["party_size"]
            expected.append((eid, room))
    assert expected and store.handed(GID) == expected
    assert not set(dict(expected)) & set(first.wins)


class Lying:
    """An adapter that hands over a value it did not verify (a changed signature)."""

    source = "http"

    def __init__(self, value):
        self.value = value

    def fetch(self, round_no):
        return self.value


def test_the_draw_verifies_the_value_itself_whatever_the_adapter_says(app, ports, store, redis, settings):
    from services.registration.lottery import beacon as bc

    group(redis, settings)
    good = Recorded.shipped().fetch(ROUNDS[0])
    other = recorded_signature(ROUNDS[1])  # a real signature, of another round
    lie = bc.BeaconValue(good.chain_hash, good.round, other, good.randomness)
    caps = rounds.first_capacities(ports, store.meta(GID))
    with pytest.raises(Refusal) as exc:
        rounds.draw_round(store, Lying(lie), GID, 1, capacities=caps, now=T)
    assert exc.value.reason == "beacon_unavailable" and store.round(GID, 1) is None


def test_a_winner_confirms_on_the_session_as_for_a_lottery_of_its_own(app, ports, store, redis, settings):
    group(redis, settings, confirm_hours=1)
    rounds_settle.step(ports, store, GID, now=T)
    first = store.round(GID, 1)
    eid, aid = next(iter(first.wins.items()))
    client = app.test_client()
    url = f"/api/v1/activities/{aid}/lottery/entries/{eid}/confirmation"
    assert client.post(url, json={"token": "tok-wrong"}).status_code == 401
    assert client.post(url, json={"token": f"tok{int(eid[1:], 16)}"}).status_code == 201
    assert registered(redis, settings) == {eid: [aid]}


def test_a_seat_handed_back_after_settling_goes_to_the_waitlist_and_the_group_stays_due(
    app, ports, store, redis, settings
):
    group(redis, settings)
    assert rounds_settle.draw_due_groups(ports, store, now=T, lease_s=5, chunk=100, handback_s=30) == [GID]
    assert store.due(T + 30) == [GID] and store.handed(GID) == []  # back for seats handed back
    first = store.round(GID, 1)
    by_id = {e["entry_id"]: e for e in store.frozen(GID)}
    free = rounds_settle.free_seats(store, GID, store.meta(GID), first)

    def takers(eid: str, aid: str) -> list[tuple[str, str]]:
        """In the waitlist's order, whoever listed the session and fits what is left once eid's
        seats are handed back (its other choices had no room: nothing else is free)."""
        room, out = free[aid] + by_id[eid]["party_size"], []
        for w in v2.waitlist([first]):
            if aid in by_id[w]["choices"] and by_id[w]["party_size"] <= room:
                room -= by_id[w]["party_size"]
                out.append((w, aid))
        return out

    eid, aid = next((e, a) for e, a in first.wins.items() if takers(e, a))  # the draw's seed is random
    expected = takers(eid, aid)
    ports.seats.cancel(aid, registration_id(aid, eid), ports.clock.now())  # handed back
    rounds_settle.draw_due_groups(ports, store, now=T + 30, lease_s=5, chunk=100, handback_s=30)
    assert expected and store.handed(GID) == expected


def test_a_sessions_own_draw_now_tells_nobody_a_second_time(app, ports, store, redis, settings):
    from shared.envelope import decode
    from shared.outbox import stream_key

    def told():
        envs = [decode(f[b"envelope"]) for _id, f in redis.xrange(stream_key(settings))]
        return [e["event_id"] for e in envs if e["type"].startswith("LotteryEntry")]

    group(redis, settings, confirm_hours=1)
    rounds_settle.step(ports, store, GID, now=T)
    before = told()
    org = {"Authorization": "Bearer " + create_token(redis, settings.redis_prefix, "organizer", "t")}
    for aid in SESSIONS:
        assert (
            app.test_client().post(f"/api/v1/activities/{aid}/lottery/draw", headers=org).status_code == 200
        )
    assert before and told() == before
