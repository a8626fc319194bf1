"""The lottery's specification, and its use cases on the Redis store and its Lua (lottery_*.lua)."""

from __future__ import annotations

import hashlib
import hmac
import json
import random
import subprocess
import sys
import threading

import pytest

from services.registration.lottery import draw as lot
from services.registration.lottery import specification
from services.registration.lottery.store import LotteryStore
from tests.conftest import ROOT
from tests.unit.registration_ports import stream_events

SEED = "00" * 31 + "01"
T0 = 1_800_000_000.0


def settings(**over) -> lot.Lottery:
    doc = dict(activity_id="imax-lot", capacity=10, opens_at=T0, closes_at=T0 + 3600, draw_at=T0 + 7200)
    doc.update(over)
    return lot.Lottery(**doc)


@pytest.fixture
def opened(store_settings, store_redis):
    """``opened(**over)``: a lottery opened on a fresh store (the test's key prefix)."""

    def open_lottery(**over) -> LotteryStore:
        port = LotteryStore(store_redis, store_settings)
        lot.open_lottery(port, settings(**over))
        return port

    return open_lottery


def events(port: LotteryStore) -> list[tuple[str, str, dict]]:
    return stream_events(port.redis, port.outbox)


def enter_many(port, sizes, aid="imax-lot"):
    return [
        lot.enter(port, aid, holders=[f"phone:{i}"], entry={"party_size": s, "name": "张三"}, now=T0 + 1)
        for i, s in enumerate(sizes)
    ]


# -- the specification ------------------------------------------------------------------------
def test_commitment_is_the_sha256_of_the_seed_bytes():
    assert specification.commitment(SEED) == hashlib.sha256(bytes.fromhex(SEED)).hexdigest()


def test_draw_order_is_sorted_by_hmac_of_the_entry_id():
    ids = ["e1", "e2", "e3", "e4"]
    expected = sorted(ids, key=lambda e: hmac.new(bytes.fromhex(SEED), e.encode(), hashlib.sha256).digest())
    assert specification.draw_order(SEED, ids) == expected


def test_draw_order_ignores_the_order_entries_arrived_in():
    ids = [f"e{i:05d}" for i in range(500)]
    shuffled = ids[:]
    random.Random(3).shuffle(shuffled)
    assert specification.draw_order(SEED, shuffled) == specification.draw_order(SEED, ids)


def test_another_seed_gives_another_order():
    ids = [f"e{i:05d}" for i in range(50)]
    assert specification.draw_order(SEED, ids) != specification.draw_order("ff" * 32, ids)


def test_fill_seats_takes_whole_parties_and_skips_one_that_no_longer_fits():
    order = ["a", "b", "c", "d"]
    winners, waitlist = specification.fill_seats(order, {"a": 4, "b": 3, "c": 1, "d": 2}, capacity=5)
    assert winners == ["a", "c"]  # b (3) no longer fits after a; c (1) still does; then full
    assert waitlist == ["b", "d"]


def test_pass_on_fills_freed_seats_in_drawn_order_and_never_moves_a_seated_party():
    d = specification.run_draw("x", SEED, {"a": 4, "b": 5, "c": 1}, 5, now=T0)
    d.order, d.winners, d.waitlist = ["a", "b", "c"], ["a", "c"], ["b"]
    # a forfeits: 4 seats free, b (5) does not fit; c keeps its seat (a full refill would drop it).
    assert specification.pass_on(d, ["a"], now=T0) == []
    assert d.seated == ["c"] and d.waiting == ["b"]
    assert d.winners == ["a", "c"]  # the draw as drawn stays verifiable


# -- entering ---------------------------------------------------------------------------------
def test_one_entry_per_holder(opened):
    port = opened()
    first = lot.enter(port, "imax-lot", holders=["phone:1", "id:9"], entry={"party_size": 2}, now=T0 + 1)
    with pytest.raises(lot.Refusal) as exc:
        lot.enter(port, "imax-lot", holders=["phone:2", "id:9"], entry={"party_size": 1}, now=T0 + 2)
    assert exc.value.reason == "already_entered"
    assert first not in str(exc.value.details)  # never the other entry (issue 23)


@pytest.mark.parametrize(("at", "reason"), [(T0 - 1, "lottery_not_open"), (T0 + 3600, "lottery_closed")])
def test_entries_only_inside_the_window(opened, at, reason):
    port = opened()
    with pytest.raises(lot.Refusal) as exc:
        lot.enter(port, "imax-lot", holders=["phone:1"], entry={"party_size": 1}, now=at)
    assert exc.value.reason == reason


def test_entries_stop_once_the_draw_has_begun(opened):
    port = opened()
    enter_many(port, [1, 2])
    assert port.begin_draw("imax-lot", "tok", T0 + 7200, 60) == "ok"
    with pytest.raises(lot.Refusal) as exc:
        lot.enter(port, "imax-lot", holders=["phone:late"], entry={"party_size": 1}, now=T0 + 2)
    assert exc.value.reason == "lottery_closed"


# -- drawing ----------------------------------------------------------------------------------
def test_draw_is_refused_before_its_time(opened):
    port = opened()
    with pytest.raises(lot.Refusal) as exc:
        lot.draw(port, "imax-lot", now=T0 + 7199)
    assert exc.value.reason == "draw_not_due"


def test_draw_fills_seats_as_the_specification_says(opened):
    port = opened()
    ids = enter_many(port, [4, 3, 2, 1, 4, 2, 1])
    d = lot.draw(port, "imax-lot", now=T0 + 7200)
    sizes = dict(zip(ids, [4, 3, 2, 1, 4, 2, 1], strict=True))
    assert d.order == specification.draw_order(d.seed, ids)
    assert (d.winners, d.waitlist) == specification.fill_seats(d.order, sizes, 10)
    assert sum(sizes[e] for e in d.winners) <= 10
    assert d.commitment == port.open(settings(), "ab" * 32)  # re-opening keeps the committed seed


def test_two_instances_racing_draw_once(opened):
    port = opened()
    enter_many(port, [random.Random(i).randint(1, 4) for i in range(300)])
    barrier, results = threading.Barrier(2), []

    def instance():
        barrier.wait()
        results.append(lot.draw(port, "imax-lot", now=T0 + 7200, wait_s=10))

    threads = [threading.Thread(target=instance) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert [kind for kind, _a, _d in events(port)] == ["LotteryDrawn"]
    assert results[0].to_json() == results[1].to_json()


def test_a_drawer_that_dies_leaves_a_lease_that_expires_and_the_next_draws_the_same(opened):
    port = opened()
    enter_many(port, [2, 2, 3, 1, 4])
    assert port.begin_draw("imax-lot", "dead", T0 + 7200, lease_s=60) == "ok"  # then it dies
    with pytest.raises(lot.Refusal) as exc:
        lot.draw(port, "imax-lot", now=T0 + 7200)
    assert exc.value.reason == "draw_in_progress"
    seed, sizes = port.seed_and_sizes("imax-lot")
    expected = specification.fill_seats(specification.draw_order(seed, sizes), sizes, 10)
    port.redis.delete(port.k("lease", "imax-lot"))  # its lease runs out (the key expires)
    d = lot.draw(port, "imax-lot", now=T0 + 7300)
    assert (d.winners, d.waitlist) == expected
    assert port.finish_draw("imax-lot", "dead", d) == "drawn"


def test_every_entrant_is_told_once_even_with_two_publishers(opened):
    port = opened()
    ids = enter_many(port, [1, 2, 3, 4, 1, 2, 3])
    d = lot.draw(port, "imax-lot", now=T0 + 7200)
    assert lot.publish(port, d, chunk=3) == 3
    assert lot.publish(port, d, chunk=3) == 0
    told = [data["entry_id"] for kind, _a, data in events(port) if kind.startswith("LotteryEntry")]
    assert sorted(told) == sorted(ids)
    won = {data["entry_id"] for kind, _a, data in events(port) if kind == "LotteryEntryWon"}
    assert won == set(d.winners)


# -- confirming within N hours ----------------------------------------------------------------
def test_unconfirmed_winners_forfeit_and_their_seats_pass_on_in_drawn_order(opened):
    port = opened(capacity=4, confirm_hours=24)
    enter_many(port, [2, 2, 2, 2, 2])
    d = lot.draw(port, "imax-lot", now=T0 + 7200)
    first, second = d.winners
    lot.confirm(port, "imax-lot", first, now=T0 + 7200 + 3600)
    assert lot.expire(port, "imax-lot", now=T0 + 7200 + 23 * 3600) == []
    promoted = lot.expire(port, "imax-lot", now=T0 + 7200 + 25 * 3600)
    assert promoted == [d.waitlist[0]]
    after = port.get_draw("imax-lot")
    assert after.seated == [first, d.waitlist[0]]
    with pytest.raises(lot.Refusal) as exc:
        lot.confirm(port, "imax-lot", second, now=T0 + 7200 + 26 * 3600)
    assert exc.value.reason == "confirm_expired"
    with pytest.raises(lot.Refusal) as exc:
        lot.confirm(port, "imax-lot", d.waitlist[1], now=T0 + 7200 + 26 * 3600)
    assert exc.value.reason == "not_a_winner"


# -- fairness ---------------------------------------------------------------------------------
def chi_square_by_entry_time(order_of, draws=400, entries=200, buckets=10, capacity=150) -> float:
    """Wins per bucket of entry time against what party size alone predicts; fixed RNG."""
    rng = random.Random(20261129)
    ids = [f"e{i:05d}" for i in range(entries)]  # e00000 entered first
    sizes = {e: rng.randint(1, 4) for e in ids}
    wins = dict.fromkeys(ids, 0)
    for _ in range(draws):
        seed = rng.randbytes(32).hex()
        for e in specification.fill_seats(order_of(seed, ids), sizes, capacity)[0]:
            wins[e] += 1
    rate = {
        s: sum(wins[e] for e in ids if sizes[e] == s) / sum(sizes[e] == s for e in ids) for s in range(1, 5)
    }
    per = entries // buckets
    stat = 0.0
    for b in range(buckets):
        part = ids[b * per : (b + 1) * per]
        observed = sum(wins[e] for e in part)
        expected = sum(rate[sizes[e]] for e in part)
        stat += (observed - expected) ** 2 / expected
    return stat


# chi-square with 9 degrees of freedom: 27.88 is exceeded with probability 0.001 when fair.
CHI2_9_P001 = 27.88


def test_win_chance_does_not_depend_on_entry_time():
    assert chi_square_by_entry_time(specification.draw_order) < CHI2_9_P001


def test_the_fairness_check_catches_first_come_first_served():
    assert chi_square_by_entry_time(lambda seed, ids: list(ids)) > 10 * CHI2_9_P001


# -- the verification script ------------------------------------------------------------------
def test_verify_script_reproduces_the_draw_and_catches_a_changed_one(opened, tmp_path):
    port = opened()
    enter_many(port, [random.Random(i).randint(1, 4) for i in range(60)])
    page = lot.draw(port, "imax-lot", now=T0 + 7200).public()
    good, bad = tmp_path / "good.json", tmp_path / "bad.json"
    good.write_text(json.dumps(page))
    tampered = dict(page, winners=page["winners"][1:] + page["waitlist"][:1])
    bad.write_text(json.dumps(tampered))
    script = str(ROOT / "scripts" / "verify_draw.py")
    ok = subprocess.run([sys.executable, script, str(good)], capture_output=True, text=True)
    assert ok.returncode == 0, ok.stdout + ok.stderr
    assert "OK" in ok.stdout
    no = subprocess.run([sys.executable, script, str(bad)], capture_output=True, text=True)
    assert no.returncode == 1 and "MISMATCH winners" in no.stdout


def test_the_scheduler_draws_what_is_due_once_across_instances(opened):
    port = opened()
    lot.open_lottery(port, settings(activity_id="later", draw_at=T0 + 99999))
    enter_many(port, [1, 2, 3])
    assert lot.draw_due(port, now=T0 + 7199) == []
    finished, barrier = [], threading.Barrier(3)

    def instance():
        barrier.wait()
        finished.extend(lot.draw_due(port, now=T0 + 7200))

    threads = [threading.Thread(target=instance) for _ in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    kinds = [kind for kind, _a, _d in events(port)]
    assert (
        kinds.count("LotteryDrawn") == 1
        and kinds.count("LotteryEntryWon") + kinds.count("LotteryEntryWaitlisted") == 3
    )
    assert "imax-lot" in finished and port.due(T0 + 7200) == []
    assert port.due(T0 + 99999) == ["later"]
