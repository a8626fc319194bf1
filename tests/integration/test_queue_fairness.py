"""The release queue's fairness (issue 28, point 6) on a real Redis with the queue's real Lua:
the places of 2,000 people present at the release do not follow their arrival order (Kendall's
|tau| < 0.05), one phone with 20 tabs holds one place, and people arriving after the release go
behind in arrival order.

The seed and the queue ids come from a seeded random source, so each run draws the same order
(tau is then one fixed number, not a 1-in-1,000 chance of a red test). The measure can fail: a
first-come order gives tau = 1 (tests/unit/test_queue_tau.py, and below, the late arrivals)."""

from __future__ import annotations

import random
import threading
from datetime import timedelta

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from services.registration.queue import rules, usecases
from services.registration.queue.store import QueueStore
from services.registration.seats import publishing
from shared.tickets import KeyRing
from tests.queue_support import kendall_tau
from tests.unit.registration_ports import redis_ports
from tests.unit.registration_scenarios import activity_doc

AID = "imax-queue"
PRESENT, LATE, TABS = 2000, 50, 20
BOUND = 0.05
RING = KeyRing(private={1: Ed25519PrivateKey.generate()})  # signs the admitted places' tokens


@pytest.fixture
def world(store_settings, store_redis, monkeypatch):
    """Registration ports on Redis (fake clock), a queued 300-seat activity released one hour
    from the clock, and the queue's use-case object; the clock stands inside the queue's window."""
    rnd = random.Random(28)
    monkeypatch.setattr(rules, "new_seed", lambda: rnd.randbytes(32))
    monkeypatch.setattr(rules, "new_queue_id", lambda: "q" + rnd.randbytes(8).hex())
    ports = redis_ports(store_settings, store_redis)
    now = ports.clock.now()
    release = now + timedelta(hours=1)
    doc = activity_doc(ports, AID, capacity=300, queue="on", registration_opens_at=release)
    publishing.publish_activity(ports, doc)
    queue = usecases.Queue.of(QueueStore(store_redis, store_settings), RING, ports.clock, store_settings)
    ports.clock.set(release - timedelta(minutes=store_settings.queue_window_min - 1))
    return ports, queue, release


def positions(ports, queue, refs: list[str]) -> dict[str, int]:
    """Each ref's position as the status answer reads it (queue_status.lua)."""
    out = {}
    for ref in refs:
        position = usecases.status(ports, queue, AID, ref)["position"]
        assert position is not None
        out[ref] = position
    return out


def arrive(ports, queue, refs: list[str]) -> list[str]:
    """Each ref joins in turn, a millisecond apart; their queue ids in arrival order."""
    ids = []
    for ref in refs:
        ports.clock.advance(milliseconds=1)
        created, status = usecases.join(ports, queue, AID, ref)
        assert created
        ids.append(status["queue_id"])
    return ids


def release(ports, queue, at) -> None:
    ports.clock.set(at)
    assert usecases.release_due(ports, queue, AID) == "released"


def test_the_places_of_those_present_at_the_release_do_not_follow_their_arrival(world):
    ports, queue, at = world
    refs = [f"ref-{i:05d}" for i in range(PRESENT)]
    arrivals = arrive(ports, queue, refs)
    release(ports, queue, at)
    place = positions(ports, queue, refs)
    assert sorted(place.values()) == list(range(1, PRESENT + 1))  # everyone, once
    by_ref = dict(zip(refs, arrivals))
    admission = [by_ref[ref] for ref in sorted(refs, key=place.__getitem__)]
    tau = kendall_tau(arrivals, admission)
    assert abs(tau) < BOUND, tau
    # the order is the committed seed's: anyone reproduces it from the audit
    audit = usecases.audit(ports, queue, AID)
    assert audit["arrivals"] == arrivals
    assert rules.order(bytes.fromhex(audit["seed"]), audit["arrivals"]) == admission
    assert rules.commitment(bytes.fromhex(audit["seed"])) == audit["commitment"]


def test_twenty_tabs_of_one_phone_hold_one_place(world):
    ports, queue, _at = world
    arrive(ports, queue, ["ref-before"])
    start = threading.Barrier(TABS)
    got: list[tuple[bool, str]] = []
    lock = threading.Lock()

    def tab():
        start.wait()
        created, status = usecases.join(ports, queue, AID, "ref-one-phone")
        with lock:
            got.append((created, status["queue_id"]))

    threads = [threading.Thread(target=tab) for _ in range(TABS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert len(got) == TABS
    assert sum(created for created, _ in got) == 1  # one tab took the place, 19 were given it
    assert len({qid for _, qid in got}) == 1
    doc = queue.store.queue_doc(AID)
    assert doc["joined"] == "2"
    assert queue.store.redis.llen(queue.store.keys.pre(AID)) == 2


def test_people_arriving_after_the_release_go_behind_in_arrival_order(world):
    ports, queue, at = world
    present = [f"ref-{i:05d}" for i in range(100)]
    arrive(ports, queue, present)
    release(ports, queue, at)
    late = [f"late-{i:03d}" for i in range(LATE)]
    late_ids = arrive(ports, queue, late)
    place = positions(ports, queue, late)
    assert [place[ref] for ref in late] == list(range(101, 101 + LATE))
    admission = sorted(late_ids, key=lambda qid: place[late[late_ids.index(qid)]])
    assert kendall_tau(late_ids, admission) == 1.0  # first come, first served: the bound's opposite
