"""Whole scenarios of the lottery, the no-show record and standby through their use cases on the
Redis stores, whose Lua scripts are each rule's one implementation."""

from __future__ import annotations

import json
import threading

import pytest

from services.checkin.standby.store import StandbyStore
from services.registration.lottery import draw as lot
from services.registration.lottery import specification
from services.registration.lottery.store import LotteryStore
from services.registration.noshow import record as ns
from services.registration.noshow.store import NoShowStore

T0 = 1_800_000_000.0
POLICY = ns.Policy()


@pytest.fixture
def lotteries(store_settings, store_redis):
    return LotteryStore(store_redis, store_settings)


@pytest.fixture
def record(store_settings, store_redis):
    return NoShowStore(store_redis, store_settings)


@pytest.fixture
def standby(store_settings, store_redis):
    act = {"id": "sb", "starts_at": "2027-05-20T19:00:00+08:00", "ends_at": "2027-05-20T21:00:00+08:00"}
    regs = {"r1": (4, 1), "r2": (3, 0), "r3": (2, 2)}
    redis, settings = store_redis, store_settings
    store = StandbyStore(redis, settings)
    redis.hset(store.projection.act_key("sb"), "doc", json.dumps(act))
    redis.hset(store.k("adm", "sb"), mapping={rid: came for rid, (_s, came) in regs.items()})
    for rid, (size, _c) in regs.items():
        rec = {"registration_id": rid, "party_size": size, "status": "confirmed"}
        redis.hset(store.projection.regs_key("sb"), rid, json.dumps(rec))
    return store


def test_a_lottery_from_entries_to_forfeits(lotteries):
    lot.open_lottery(lotteries, lot.Lottery("L", 6, T0, T0 + 10, T0 + 20, confirm_hours=1))
    sizes = [3, 2, 4, 1, 2, 3]
    ids = [
        lot.enter(
            lotteries, "L", holders=[f"p{i}"], entry={"party_size": s, "name": "n", "phone": "1"}, now=T0
        )
        for i, s in enumerate(sizes)
    ]
    with pytest.raises(lot.Refusal) as exc:
        lot.enter(lotteries, "L", holders=["p0"], entry={"party_size": 1}, now=T0)
    assert exc.value.reason == "already_entered"
    with pytest.raises(lot.Refusal) as exc:
        lot.draw(lotteries, "L", now=T0 + 19)
    assert exc.value.reason == "draw_not_due"
    out = []
    threads = [threading.Thread(target=lambda: out.append(lot.draw(lotteries, "L", now=T0 + 20, wait_s=10)))
               for _ in range(3)]  # fmt: skip
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len({json.dumps(d.to_json(), sort_keys=True) for d in out}) == 1
    d = out[0]
    assert (d.winners, d.waitlist) == specification.fill_seats(
        specification.draw_order(d.seed, ids), dict(zip(ids, sizes)), 6
    )
    assert lot.publish(lotteries, d, chunk=4) == 2 and lot.publish(lotteries, d, chunk=4) == 0
    lot.confirm(lotteries, "L", d.winners[0], now=T0 + 30)
    promoted = lot.expire(lotteries, "L", now=T0 + 20 + 3601)
    after = lotteries.get_draw("L")
    assert after.confirmed == [d.winners[0]] and after.forfeited == d.winners[1:]
    assert after.promoted == promoted


def test_a_noshow_record_from_marks_to_forgiveness(record):
    marks = [ns.Mark(f"r{i}:0", "phone:h", f"r{i}", "a", "not_admitted", T0 + i * 86400) for i in range(3)]
    assert len(ns.record_marks(record, marks, POLICY)) == 3
    assert ns.record_marks(record, marks, POLICY) == []
    with pytest.raises(ns.Refusal):
        ns.ensure_may_register(record, ["phone:h"], now=T0 + 3 * 86400, policy=POLICY)
    ns.forgive(record, "r1:0", by="org", note="病假", now=T0 + 3 * 86400)
    ns.ensure_may_register(record, ["phone:h"], now=T0 + 3 * 86400, policy=POLICY)
    assert sorted(m.mark_id for m in record.marks("phone:h") if m.forgiven) == ["r1:0"]
    with pytest.raises(ns.Refusal) as exc:
        ns.forgive(record, "r9:0", by="org", note="x", now=T0)
    assert exc.value.reason == "unknown_mark"


def test_standby_from_joining_to_the_board(standby):
    numbers = [standby.join("sb", f"h{i}", {"party_size": s, "phone_sealed": "SX1.notify.1.x", "locale": "zh-CN"}) for i, s in
               enumerate([2, 3, 1, 4])]  # fmt: skip
    assert [n["number"] for n in numbers] == [1, 2, 3, 4]
    assert standby.join("sb", "h1", {"party_size": 1})["replayed"] is True
    first = standby.release("sb", "t")
    assert (first["released"], first["registrations"]) == (3 + 3, 2)
    assert standby.release("sb", "t")["replayed"] is True
    assert [c["number"] for c in standby.call("sb", 1, "t")] == [1]
    assert [c["number"] for c in standby.call("sb", 0, "t")] == [2, 3]
    assert standby.call("sb", 0, "t") == []
    assert standby.admit("sb", 4, "g", "t")["reason"] == "not_called"
    assert standby.admit("sb", 2, "g", "t")["status"] == "ok"
    assert standby.admit("sb", 2, "g", "t")["reason"] == "already_checked_in"
    assert standby.board("sb")["called"] == [3, 2, 1]
    assert standby.board("sb")["seats_free"] == 0
