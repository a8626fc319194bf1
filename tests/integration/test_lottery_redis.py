"""The lottery on real Redis: the Lua steps (entry, lease, store once, publish once), two racing
processes drawing once, outcome events that pass their schemas, and the verification script."""

from __future__ import annotations

import json
import multiprocessing
import subprocess
import sys

import pytest

from services.registration.lottery import draw as lot
from services.registration.lottery import specification
from services.registration.lottery.store import LotteryStore
from shared.envelope import decode
from shared.events import validate_data
from shared.outbox import stream_key
from shared.redis_scripts import connect
from tests.conftest import ROOT

T0 = 1_800_000_000.0
AID = "imax-lot"


def lottery(**over):
    doc = dict(activity_id=AID, capacity=20, opens_at=T0, closes_at=T0 + 3600, draw_at=T0 + 7200)
    doc.update(over)
    return lot.Lottery(**doc)


@pytest.fixture
def store(settings, redis):
    s = LotteryStore(redis, settings)
    lot.open_lottery(s, lottery())
    return s


def enter_many(store, n, sizes=(1, 2, 3, 4)):
    return [
        lot.enter(
            store,
            AID,
            holders=[f"phone:{i}"],
            entry={"party_size": sizes[i % len(sizes)], "name": "李四", "phone": f"139{i:08d}"},
            now=T0 + 1,
        )
        for i in range(n)
    ]


def outbox(redis, settings) -> list[dict]:
    return [decode(f[b"envelope"]) for _id, f in redis.xrange(stream_key(settings))]


def test_one_entry_per_holder_and_only_in_the_window(store):
    first = lot.enter(store, AID, holders=["phone:a", "id:x"], entry={"party_size": 2}, now=T0 + 1)
    with pytest.raises(lot.Refusal) as exc:
        lot.enter(store, AID, holders=["phone:b", "id:x"], entry={"party_size": 1}, now=T0 + 2)
    assert (exc.value.reason, exc.value.details) == ("already_entered", {})  # never the other entry
    assert first.startswith("e")
    with pytest.raises(lot.Refusal) as exc:
        lot.enter(store, AID, holders=["phone:c"], entry={"party_size": 1}, now=T0 - 1)
    assert exc.value.reason == "lottery_not_open"
    with pytest.raises(lot.Refusal) as exc:
        lot.enter(store, AID, holders=["phone:c"], entry={"party_size": 1}, now=T0 + 3600)
    assert exc.value.reason == "lottery_closed"


def test_reopening_keeps_the_published_commitment(store):
    c = store.commitment(AID)
    assert lot.open_lottery(store, lottery()) == c


def _race(settings, start, out):
    store = LotteryStore(connect(settings.redis_url), settings)
    start.wait()
    d = lot.draw(store, AID, now=T0 + 7200, wait_s=30)
    out.put(json.dumps(d.to_json()))


def test_two_processes_racing_draw_once(store, settings, redis):
    enter_many(store, 2000)
    ctx = multiprocessing.get_context("spawn")
    start, out = ctx.Event(), ctx.Queue()
    procs = [ctx.Process(target=_race, args=(settings, start, out)) for _ in range(2)]
    for p in procs:
        p.start()
    start.set()
    results = [json.loads(out.get(timeout=60)) for _ in procs]
    for p in procs:
        p.join(timeout=30)
    assert results[0] == results[1]
    drawn = [e for e in outbox(redis, settings) if e["type"] == "LotteryDrawn"]
    assert len(drawn) == 1
    assert drawn[0]["data"]["seed"] == results[0]["seed"]
    assert specification.commitment(results[0]["seed"]) == store.commitment(AID)


def test_outcomes_are_published_once_and_pass_their_schemas(store, settings, redis):
    ids = enter_many(store, 25)
    d = lot.draw(store, AID, now=T0 + 7200)
    assert lot.publish(store, d, chunk=10) == 3
    assert lot.publish(store, d, chunk=10) == 0
    events = outbox(redis, settings)
    told = [e for e in events if e["type"].startswith("LotteryEntry")]
    assert sorted(e["data"]["entry_id"] for e in told) == sorted(ids)
    assert {e["data"]["entry_id"] for e in told if e["type"] == "LotteryEntryWon"} == set(d.winners)
    for e in events:
        validate_data(e["type"], e["version"], e["data"])


def test_entries_stop_when_the_draw_begins(store):
    enter_many(store, 3)
    lot.draw(store, AID, now=T0 + 7200)
    with pytest.raises(lot.Refusal) as exc:
        lot.enter(store, AID, holders=["phone:late"], entry={"party_size": 1}, now=T0 + 10)
    assert exc.value.reason == "lottery_closed"


def test_confirm_and_pass_on_are_stored(settings, redis):
    store = LotteryStore(redis, settings)
    lot.open_lottery(store, lottery(capacity=4, confirm_hours=2))
    enter_many(store, 5, sizes=(2,))
    d = lot.draw(store, AID, now=T0 + 7200)
    lot.confirm(store, AID, d.winners[0], now=T0 + 7300)
    promoted = lot.expire(store, AID, now=T0 + 7200 + 3 * 3600)
    assert promoted == d.waitlist[:1]
    assert store.get_draw(AID).seated == [d.winners[0], d.waitlist[0]]


def test_the_verification_script_reproduces_a_stored_draw(store, tmp_path):
    enter_many(store, 200)
    page = tmp_path / "draw.json"
    page.write_text(json.dumps(lot.draw(store, AID, now=T0 + 7200).public()))
    run = subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "verify_draw.py"), str(page)], capture_output=True, text=True
    )
    assert run.returncode == 0, run.stdout + run.stderr


def test_two_schedulers_draw_at_the_set_time_once_and_tell_everyone_once(settings, redis):
    import threading

    from services.registration.lottery import scheduler as lottery_scheduler
    from tests.conftest import wait_for

    s = settings.with_overrides(lottery_poll_s=1)
    store = LotteryStore(redis, s)
    now = __import__("time").time()
    lot.open_lottery(store, lot.Lottery(AID, 20, now - 3600, now - 60, now - 1))
    for i in range(40):
        lot.enter(store, AID, holders=[f"phone:{i}"], entry={"party_size": 1 + i % 4, "name": "周八",
                  "phone": f"1330000{i:04d}"}, now=now - 1800)  # fmt: skip
    stop = threading.Event()
    runners = [
        threading.Thread(target=lottery_scheduler.run, args=(LotteryStore(connect(s.redis_url), s), s, stop))
        for _ in range(2)
    ]
    for r in runners:
        r.start()
    try:
        wait_for(lambda: store.due(now + 10) == [], what="the draw and its announcements")
    finally:
        stop.set()
        for r in runners:
            r.join(timeout=10)
    events = outbox(redis, s)
    assert [e["type"] for e in events].count("LotteryDrawn") == 1
    told = [e["data"]["entry_id"] for e in events if e["type"].startswith("LotteryEntry")]
    assert len(told) == len(set(told)) == 40
