"""The release queue (issue 28): one place per phone, the shuffle at the release, FIFO after,
admission with a signed token, sold out told at once. On the test Redis and queue_*.lua."""

from __future__ import annotations

import hashlib
import threading
from datetime import timedelta

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from services.registration import vocabulary as v
from services.registration.catalogue import activities
from services.registration.queue import rules, token
from services.registration.queue import usecases as queue
from services.registration.queue.store import QueueStore
from services.registration.seats import publishing
from shared.tickets import KeyRing
from tests.unit.registration_ports import redis_ports
from tests.unit.registration_scenarios import activity_doc


@pytest.fixture
def world(store_settings, store_redis):
    ports = redis_ports(store_settings, store_redis)
    ring = KeyRing(private={1: Ed25519PrivateKey.generate()})
    q = queue.Queue.of(QueueStore(store_redis, store_settings), ring, ports.clock, store_settings)
    now = ports.clock.now()
    doc = activity_doc(
        ports,
        capacity=300,
        queue="on",
        registration_opens_at=now + timedelta(minutes=10),
        registration_closes_at=now + timedelta(days=1),
    )
    publishing.publish_activity(ports, doc)
    return ports, q


def release(ports) -> None:
    """The release, and the second those present take to hear their place at the polls' budget
    (a handful of people: rules.admission_from_ms); admissions begin then."""
    ports.clock.advance(minutes=10, seconds=1)


def test_queued_is_on_or_auto_above_capacity():
    base = {"capacity": 300, "allocation": v.FCFS}
    assert rules.queued(base | {"queue": "on"})
    assert not rules.queued(base | {"queue": "off", "expected_demand": 10_000})
    assert rules.queued(base | {"expected_demand": 301})
    assert not rules.queued(base | {"expected_demand": 300})
    assert not rules.queued(base)
    assert not rules.queued(base | {"queue": "on", "allocation": v.LOTTERY})


def test_admission_follows_the_rate():
    assert rules.admitted_upto(999, 1000, 60) == 0
    assert rules.admitted_upto(1000, 1000, 60) == 1
    assert rules.admitted_upto(1000 + 59_999, 1000, 60) == 60
    assert rules.admitted_upto(1000 + 60_000, 1000, 60) == 61
    assert rules.estimate_s(121, 1000, 1000, 60) == 120  # 120 people ahead, 60 a minute
    assert rules.estimate_s(2, 1000 + 59_000, 1000, 1) == 1
    assert rules.estimate_s(1, 5000, 1000, 60) == 0


def test_twenty_racing_joins_from_one_phone_hold_one_place(world):
    ports, q = world
    got: list[str] = []

    def join() -> None:
        got.append(queue.join(ports, q, "act", "phone-a")[1]["queue_id"])

    threads = [threading.Thread(target=join) for _ in range(20)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(got) == 20 and len(set(got)) == 1
    assert queue.public(ports, q, "act")["joined"] == 1


def test_those_present_at_the_release_get_the_committed_shuffle_later_ones_fifo(world):
    ports, q = world
    present = [queue.join(ports, q, "act", f"p{n}")[1]["queue_id"] for n in range(200)]
    assert {queue.status(ports, q, "act", "p0")["state"]} == {v.Q_WAITING}
    commitment = queue.public(ports, q, "act")["commitment"]
    release(ports)
    late = [queue.join(ports, q, "act", f"late{n}")[1]["position"] for n in range(5)]
    assert late == [201, 202, 203, 204, 205]
    positions = [queue.status(ports, q, "act", f"p{n}")["position"] for n in range(200)]
    assert sorted(positions) == list(range(1, 201))
    assert positions != list(range(1, 201))  # arrival order is not the order
    audit = queue.audit(ports, q, "act")
    assert hashlib.sha256(bytes.fromhex(audit["seed"])).hexdigest() == commitment == audit["commitment"]
    assert audit["arrivals"] == present
    reproduced = {qid: i + 1 for i, qid in enumerate(rules.order(bytes.fromhex(audit["seed"]), present))}
    assert [reproduced[qid] for qid in present] == positions


def test_racing_callers_release_once(world):
    ports, q = world
    for n in range(50):
        queue.join(ports, q, "act", f"p{n}")
    release(ports)
    states: list[str] = []
    threads = [
        threading.Thread(target=lambda: states.append(queue.release_due(ports, q, "act"))) for _ in range(8)
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert queue.public(ports, q, "act")["released_n"] == 50
    positions = [queue.status(ports, q, "act", f"p{n}")["position"] for n in range(50)]
    assert sorted(positions) == list(range(1, 51))
    assert queue.public(ports, q, "act")["state"] == v.Q_RELEASED


def test_admissions_begin_once_everyone_present_has_heard_their_place():
    """The release's asks are spread over joined / budget (50,000 at 75/s: 667 s). Admitting from the
    release would give the seats to whoever's spread ask came early, or to a script that asks at
    the release; admitting from the end of the spread lets the places decide."""
    begins = rules.admission_from_ms(1_000, 50_000, 75)
    assert begins == 1_000 + 667_000
    assert rules.admitted_upto(begins - 1, begins, 300) == 0  # a script asking early: its place, no turn
    assert rules.admitted_upto(begins, begins, 300) == 1
    assert rules.admission_from_ms(1_000, None, 75) == 1_000  # no one present: nothing to wait for
    assert rules.admission_from_ms(1_000, 50_000, 0) == 1_000  # no budget: no spread


def test_place_one_waits_for_the_spread_however_early_it_asks(world):
    ports, q = world
    for n in range(3):
        queue.join(ports, q, "act", f"p{n}")
    ports.clock.advance(minutes=10)  # the release itself: 3 present at 75 asks/s take 1 s to ask
    seen = {n: queue.status(ports, q, "act", f"p{n}") for n in range(3)}
    first = next(s for s in seen.values() if s["position"] == 1)
    assert first["state"] == v.Q_QUEUED and "token" not in first and first["estimate_s"] == 1


def test_the_first_place_is_admitted_with_a_token_the_rest_wait_their_estimate(world):
    ports, q = world
    for n in range(3):
        queue.join(ports, q, "act", f"p{n}")
    release(ports)
    seen = {n: queue.status(ports, q, "act", f"p{n}") for n in range(3)}
    first = next(s for s in seen.values() if s["position"] == 1)
    third = next(s for s in seen.values() if s["position"] == 3)
    assert first["state"] == v.Q_ADMITTED and first["token"]
    assert third["state"] == v.Q_QUEUED and third["ahead"] == 1
    rate = third["rate_per_min"]  # the activity's: at most its 300 seats a minute (rules.rate)
    assert rate == min(q.rate_per_min, 300)
    assert third["estimate_s"] == -(-2 * 60 // rate)  # 0.4 s, said as 1
    ports.clock.advance(seconds=2 * 60 / rate)
    assert queue.status(ports, q, "act", "p0")["admitted_upto"] == 3


def test_status_says_sold_out_and_never_runs_the_seat_script(world):
    ports, q = world
    now = ports.clock.now()
    small = activity_doc(
        ports,
        "small",
        capacity=1,
        queue="on",
        waitlist={"enabled": False, "max_length": 0},
        registration_opens_at=now + timedelta(minutes=10),
        registration_closes_at=now + timedelta(days=1),
    )
    publishing.publish_activity(ports, small)
    queue.join(ports, q, "small", "p0")
    release(ports)
    assert queue.status(ports, q, "small", "p0")["state"] == v.Q_ADMITTED
    ports.seats.redis.hset(ports.seats.keys.activity("small"), "taken", 1)  # type: ignore[attr-defined]
    calls: list[str] = []
    scripts = ports.seats.scripts._scripts  # type: ignore[attr-defined]
    for name, script in list(scripts.items()):
        scripts[name] = lambda *a, _n=name, _s=script, **k: calls.append(_n) or _s(*a, **k)
    for _ in range(20):
        assert queue.status(ports, q, "small", "p0")["state"] == v.SOLD_OUT
    assert calls == []


def test_a_token_binds_the_phone_the_activity_and_its_life(world):
    ports, q = world
    ring, doc = q.ring, ports.seats.activity_doc("act")
    now = 1_000_000
    good = token.issue(ring, "act", "ref-a", now + 600)
    token.check(ring, doc, "ref-a", good, now)
    cases = [
        (None, "ref-a", now, v.QUEUE_TOKEN_REQUIRED),
        (good, "ref-b", now, v.QUEUE_TOKEN_INVALID),
        (token.issue(ring, "other", "ref-a", now + 600), "ref-a", now, v.QUEUE_TOKEN_INVALID),
        (good[:-4] + "AAAA", "ref-a", now, v.QUEUE_TOKEN_INVALID),
        (
            token.issue(KeyRing(private={1: Ed25519PrivateKey.generate()}), "act", "ref-a", now + 600),
            "ref-a",
            now,
            v.QUEUE_TOKEN_INVALID,
        ),
        ("garbage", "ref-a", now, v.QUEUE_TOKEN_INVALID),
        (good, "ref-a", now + 600, v.QUEUE_TOKEN_EXPIRED),
    ]
    for given, ref, at, reason in cases:
        with pytest.raises(v.Refusal) as exc:
            token.check(ring, doc, ref, given, at)
        assert exc.value.reason == reason
    token.check(ring, doc | {"queue": "off"}, "ref-b", None, now)  # no queue: no token asked


def test_the_queue_is_not_open_before_its_window(world):
    ports, q = world
    ports.clock.advance(minutes=-25)  # the release is 35 minutes away, the window 30
    assert queue.status(ports, q, "act", "p0")["state"] == v.Q_NOT_OPEN
    public = queue.public(ports, q, "act")
    assert (public["state"], public["opens_at"], public["commitment"]) == (
        v.Q_NOT_OPEN,
        activities.iso(ports.clock.now() + timedelta(minutes=5)),
        "",
    )
    with pytest.raises(v.Refusal) as exc:
        queue.join(ports, q, "act", "p0")
    assert exc.value.reason == v.QUEUE_NOT_OPEN


def test_a_city_list_with_a_capacity_and_an_expected_crowd_gives_the_expected_demand():
    from datetime import date, time

    from services.registration.catalogue import key_activities as ka
    from services.registration.catalogue import key_rows
    from services.registration.web.schemas import ActivityIn

    options = ka.Options((time(9, 0), time(17, 0)), date(2026, 11, 29))
    cells = {"title": "巨幕电影", "time": "2026-12-15 19:00-20:30", "place": "市科技馆 巨幕影院"}
    body, errors = key_rows.body_of(ka.Row(3, {**cells, "capacity": 300, "expected": "约5万人"}), {}, options)
    assert errors == [] and body["expected_demand"] == 50_000
    assert rules.queued(ActivityIn().load(body))  # auto: the demand is above the capacity
    alone, _ = key_rows.body_of(ka.Row(3, {**cells, "expected": "300人"}), {}, options)
    assert "expected_demand" not in alone and alone["capacity"] == 300


def test_a_release_moved_while_the_queue_waits_is_followed(world):
    ports, q = world
    queue.join(ports, q, "act", "p0")
    later = ports.clock.now() + timedelta(minutes=20)
    publishing.change_activity(ports, "act", {"registration_opens_at": later})
    ports.seats._doc_cache.clear()  # type: ignore[attr-defined]  # (the per-process second of cache)
    release(ports)  # the old release time: still waiting
    assert queue.status(ports, q, "act", "p0")["state"] == v.Q_WAITING
    assert queue.public(ports, q, "act")["release_at"] == activities.iso(later)
    ports.clock.advance(minutes=10)
    assert queue.status(ports, q, "act", "p0")["position"] == 1


def test_the_retention_sweep_forgets_which_phone_held_which_place(world, store_settings, store_redis):
    from services.registration.privacy import retention

    ports, q = world
    queue.join(ports, q, "act", "p0")
    release(ports)
    before = queue.audit(ports, q, "act")
    assert [p["activity_id"] for p in queue.mine(ports, q, "p0")] == ["act"]
    ports.clock.advance(days=4 + store_settings.retention_days)  # the activity ended long ago
    retention.sweep(ports, store_redis, store_settings)
    assert queue.mine(ports, q, "p0") == []
    assert store_redis.hlen(q.store.keys.who("act")) == 0
    assert queue.audit(ports, q, "act") == before  # the seed and the order stay


def test_the_scheduler_shuffles_a_due_queue_before_anyone_polls(world, store_settings, store_redis):
    from services.registration.lottery import scheduler
    from services.registration.lottery.store import LotteryStore

    ports, q = world
    for n in range(5):
        queue.join(ports, q, "act", f"p{n}")
    scheduler.run_once(LotteryStore(store_redis, store_settings), store_settings, ports)
    assert q.store.queue_doc("act")["state"] == v.Q_WAITING  # not due yet
    release(ports)
    scheduler.run_once(LotteryStore(store_redis, store_settings), store_settings, ports)
    assert q.store.queue_doc("act")["state"] == v.Q_RELEASED
    assert store_redis.hlen(q.store.keys.pos("act")) == 5
    assert q.store.due_now(q.now_ms()) == []
