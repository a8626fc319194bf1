"""On-site standby's rules on the Redis store and its Lua (services/checkin/standby_*.lua), on the
session's Redis with a key prefix per test; more Lua steps in tests/integration/test_standby_redis.py."""

from __future__ import annotations

import json
from datetime import datetime

import pytest

from services.checkin.standby import usecases as sb
from services.checkin.standby.store import StandbyStore

POLICY = sb.Policy(opens_before_min=60, release_grace_min=10, max_party_size=4)
START = datetime.fromisoformat("2027-05-20T19:00:00+08:00").timestamp()
ACT = {"id": "imax-1", "starts_at": "2027-05-20T19:00:00+08:00", "ends_at": "2027-05-20T21:00:00+08:00"}


@pytest.fixture
def port(store_settings, store_redis):
    """``port(regs)``: the standby store on Redis, with check-in's projection of ACT and its
    confirmed registrations (registration id -> (party size, admitted))."""

    def make(regs=None) -> StandbyStore:
        regs = regs if regs is not None else {"r1": (4, 0), "r2": (3, 1), "r3": (2, 2)}
        store = StandbyStore(store_redis, store_settings)
        show(store, ACT)
        store_redis.hset(store.k("adm", "imax-1"), mapping={rid: came for rid, (_s, came) in regs.items()})
        for rid, (size, _came) in regs.items():
            rec = {"registration_id": rid, "party_size": size, "status": "confirmed"}
            store_redis.hset(store.projection.regs_key("imax-1"), rid, json.dumps(rec))
        return store

    return make


def show(store: StandbyStore, activity: dict) -> None:
    """Check-in's projection of the activity, as its consumer writes it."""
    store.redis.hset(store.projection.act_key(activity["id"]), "doc", json.dumps(activity))


def called(p: StandbyStore) -> list[int]:
    """The numbers called so far, in the order they were called."""
    return p.board("imax-1")["called"][::-1]


def join(p, phone, party=1, now=START - 600):
    return sb.join(
        p,
        "imax-1",
        phone_hash=phone,
        phone_masked="139****0000",
        phone_sealed="SX1.notify.1.x",
        party_size=party,
        locale="zh-CN",
        now=now,
        policy=POLICY,
    )


@pytest.mark.parametrize(
    ("at", "reason"), [(START - 3601, "standby_not_open"), (START + 7201, "standby_closed")]
)
def test_joining_is_open_from_the_set_time_before_the_start_until_the_end(port, at, reason):
    with pytest.raises(sb.Refusal) as exc:
        join(port(), "p1", now=at)
    assert exc.value.reason == reason


def test_numbers_follow_the_order_of_joining_and_a_phone_keeps_its_number(port):
    p = port()
    assert [join(p, f"p{i}")["number"] for i in range(3)] == [1, 2, 3]
    assert join(p, "p1") == {"number": 2, "replayed": True}


def test_a_party_over_the_limit_cannot_join(port):
    with pytest.raises(sb.Refusal) as exc:
        join(port(), "p1", party=5)
    assert exc.value.reason == "party_too_large"


def test_seats_are_released_only_from_the_start_plus_grace(port):
    p = port()
    with pytest.raises(sb.Refusal) as exc:
        sb.release(p, "imax-1", now=START + 599, occurred_at="t", policy=POLICY)
    assert exc.value.reason == "release_not_due"
    out = sb.release(p, "imax-1", now=START + 600, occurred_at="t", policy=POLICY)
    assert (out["released"], out["registrations"]) == (4 + 2, 2)  # r3 came in full


def test_calling_is_in_order_whole_parties_and_stops_when_seats_run_out(port):
    p = port({"r1": (5, 0)})
    for i, size in enumerate([2, 4, 1, 2]):
        join(p, f"p{i}", party=size)
    sb.release(p, "imax-1", now=START + 600, occurred_at="t", policy=POLICY)
    called = sb.call(p, "imax-1", occurred_at="t")
    assert [c["number"] for c in called] == [1, 3, 4]  # 2 (4 people) no longer fits after 1
    assert sb.call(p, "imax-1", occurred_at="t") == []


def test_a_called_number_is_admitted_once(port):
    p = port({"r1": (2, 0)})
    join(p, "p1", party=2)
    join(p, "p2")
    sb.release(p, "imax-1", now=START + 600, occurred_at="t", policy=POLICY)
    sb.call(p, "imax-1", occurred_at="t")
    with pytest.raises(sb.Refusal) as exc:
        sb.admit(p, "imax-1", 2, gate="1号门", at="t")
    assert exc.value.reason == "not_called"
    assert sb.admit(p, "imax-1", 1, gate="1号门", at="t")["party_size"] == 2
    with pytest.raises(sb.Refusal) as exc:
        sb.admit(p, "imax-1", 1, gate="1号门", at="t")
    assert exc.value.reason == "already_checked_in"


def test_an_unknown_activity_is_refused(port):
    with pytest.raises(sb.Refusal) as exc:
        sb.call(port(), "nope", occurred_at="t")
    assert exc.value.reason == "unknown_activity"


# -- the scheduler's step (issue 15 §3) -------------------------------------------------------------
DUE = START + 600


def run(p, now, auto_call=True):
    return sb.run_due(p, ["imax-1", "unknown"], now=now, occurred_at="t", policy=POLICY, auto_call=auto_call)


def test_nothing_is_released_before_start_plus_grace_or_while_nobody_waits(port):
    p = port()
    assert run(p, DUE) == {}  # nobody waits: latecomers keep their seats
    assert p.released_at("imax-1") is None
    join(p, "p1", 2)
    assert run(p, DUE - 1) == {}
    assert p.released_at("imax-1") is None


def test_the_release_happens_once_then_numbers_are_called_in_order_as_seats_allow(port):
    p = port()  # r1: 4 unscanned, r2: 2 unscanned, r3 came: 6 seats
    for i, size in enumerate([4, 3, 2]):
        join(p, f"p{i}", size)
    assert run(p, DUE) == {"imax-1": {"released": 6, "called": [1, 3]}}  # 3 people do not fit in 2
    assert run(p, DUE + 15) == {}  # released once; nothing left to give
    join(p, "p9", 1, now=DUE + 20)
    assert run(p, DUE + 30) == {}  # no seat free for the late joiner either
    assert called(p) == [1, 3]


def test_without_auto_call_the_scheduler_only_releases(port):
    p = port()
    join(p, "p1", 1)
    assert run(p, DUE, auto_call=False) == {"imax-1": {"released": 6}}
    assert called(p) == []


def test_a_cancelled_or_ended_activity_is_left_alone(port):
    p = port()
    join(p, "p1", 1)
    show(p, dict(ACT, status="cancelled"))
    assert run(p, DUE) == {}
    show(p, dict(ACT))
    assert run(p, START + 7201) == {}
    assert p.released_at("imax-1") is None
