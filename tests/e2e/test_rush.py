"""The opening rush: thousands of attempts at 100 seats, with cancellations while it runs.

Proves: never oversold (and exactly full when the waitlist is off), no phone holds two active
registrations, every confirmed registration's event is on the topic exactly once, and waitlist
promotion followed FIFO with the all-or-nothing rule.
"""

from __future__ import annotations

import json
import random
import threading
from collections import Counter
from concurrent.futures import ThreadPoolExecutor

import requests
from kafka import KafkaConsumer

from services.registration.seats.store import SeatStore
from shared.redis_scripts import connect
from tests.conftest import activity_doc, distinct_events, wait_for

ATTEMPTS = 2000
CAPACITY = 100
THREADS = 48


def _rush(urls, aid, attempts, phone_base, cancel_share=0.15, seed=7):
    rng = random.Random(seed)
    plan = [
        (f"1{phone_base + i:010d}", rng.choice([1, 1, 2, 2, 3, 4]), rng.random() < cancel_share)
        for i in range(attempts)
    ]
    local = threading.local()
    statuses, cancelled, created = Counter(), [], {}
    lock = threading.Lock()

    def attempt(item):
        phone, party, cancel = item
        s = getattr(local, "s", None) or requests.Session()
        local.s = s
        r = s.post(
            f"{urls['registration']}/api/v1/activities/{aid}/registrations",
            json={"name": "测试", "phone": phone, "organization": "科协", "party_size": party},
            timeout=30,
        )
        body = r.json()
        with lock:
            statuses[(r.status_code, body.get("status") if r.status_code == 201 else body.get("reason"))] += 1
            if r.status_code == 201:
                created[body["registration_id"]] = (phone, party)
        if r.status_code == 201 and cancel:
            token = body["manage_url"].split("t=")[1]
            d = s.delete(
                f"{urls['registration']}/api/v1/registrations/{body['registration_id']}",
                params={"token": token},
                timeout=30,
            )
            assert d.status_code == 200, d.text
            with lock:
                cancelled.append(body["registration_id"])

    with ThreadPoolExecutor(THREADS) as pool:
        list(pool.map(attempt, plan))
    return statuses, cancelled, created


def _events(settings, aid, expect_at_least):
    consumer = KafkaConsumer(
        settings.topic_prefix + "registration-events",
        bootstrap_servers=settings.kafka_bootstrap_servers,
        group_id=None,
        auto_offset_reset="earliest",
        consumer_timeout_ms=1000,
    )
    out = []

    def enough():
        out.extend(e for e in (json.loads(m.value) for m in consumer) if e["activity_id"] == aid)
        return len(distinct_events(out)) >= expect_at_least

    wait_for(enough, timeout=60, what=f"{expect_at_least} events of {aid}")
    out.extend(e for e in (json.loads(m.value) for m in consumer) if e["activity_id"] == aid)
    consumer.close()
    return distinct_events(out)  # at least once on the topic; exactly once is checked after dedupe


def test_rush_with_waitlist_and_cancellations(stack, stack_settings, urls, organizer_token):
    aid = "rush-imax"
    r = requests.post(
        f"{urls['registration']}/api/v1/activities",
        headers={"Authorization": f"Bearer {organizer_token}"},
        json=activity_doc(aid, capacity=CAPACITY, waitlist={"enabled": True, "max_length": 400}),
        timeout=10,
    )
    assert r.status_code == 201
    statuses, cancelled, created = _rush(urls, aid, ATTEMPTS, phone_base=3_000_000_000)
    print(f"rush: {ATTEMPTS} attempts -> {dict(statuses)}; {len(cancelled)} cancelled while it ran")
    assert not [k for k in statuses if k[0] >= 500], statuses
    assert (
        statuses[(201, "confirmed")] > 0
        and statuses[(201, "waitlisted")] > 0
        and statuses[(409, "sold_out")] > 0
    )

    store = SeatStore(connect(stack_settings.redis_url), stack_settings)
    doc, counts = store.get_activity(aid)
    regs = store.registrations(aid)
    confirmed = [g for g in regs if g["status"] == "confirmed"]
    waiting = sorted(
        (g for g in regs if g["status"] == "waitlisted"),
        key=lambda g: store.waitlist_position(aid, g["registration_id"]),
    )
    people = sum(g["party_size"] for g in confirmed)

    # Never oversold, and the counter agrees with the records.
    assert people == int(counts["taken"]) <= CAPACITY
    # Seats are left free only when the head of the waitlist does not fit in them (all or nothing).
    if people < CAPACITY:
        assert waiting and waiting[0]["party_size"] > CAPACITY - people, (people, waiting[:1])
    # No phone holds two active registrations.
    active = Counter(g["phone"] for g in regs if g["status"] != "cancelled")
    assert max(active.values()) == 1
    # Every 201 is still there.
    assert set(created) == {g["registration_id"] for g in regs}

    # Every confirmed registration has exactly one seating event (after dedupe on event_id).
    n_events = len(regs) + len(cancelled) + sum(1 for g in regs if g.get("promoted_at"))
    events = _events(stack_settings, aid, n_events)
    seated = Counter(
        e["data"]["registration_id"]
        for e in events
        if e["type"] in ("RegistrationConfirmed", "WaitlistPromoted")
    )
    for g in confirmed:
        assert seated[g["registration_id"]] == 1, g["registration_id"]

    # Waitlist promotion followed FIFO, all or nothing: nobody waiting was overtaken.
    queue = [e["data"]["registration_id"] for e in events if e["type"] == "RegistrationWaitlisted"]
    promoted = [e["data"]["registration_id"] for e in events if e["type"] == "WaitlistPromoted"]
    left = {
        e["data"]["registration_id"]
        for e in events
        if e["type"] == "RegistrationCancelled" and e["data"]["previous_status"] == "waitlisted"
    }
    assert promoted == [rid for rid in queue if rid in set(promoted)], "promoted out of arrival order"
    if promoted:
        last = queue.index(promoted[-1])
        skipped = [rid for rid in queue[:last] if rid not in set(promoted) and rid not in left]
        assert not skipped, f"{len(skipped)} waiting parties were overtaken"
    print(
        f"rush: {people}/{CAPACITY} seats, {len(confirmed)} parties confirmed, {len(promoted)} promoted, "
        f"{len(waiting)} still waiting, {len(events)} events"
    )


def test_rush_without_waitlist_fills_exactly(stack, stack_settings, urls, organizer_token):
    aid = "rush-dome"
    r = requests.post(
        f"{urls['registration']}/api/v1/activities",
        headers={"Authorization": f"Bearer {organizer_token}"},
        json=activity_doc(aid, kind="dome", capacity=CAPACITY, waitlist={"enabled": False, "max_length": 0}),
        timeout=10,
    )
    assert r.status_code == 201
    statuses, cancelled, _ = _rush(urls, aid, 1000, phone_base=4_000_000_000, seed=11)
    # Late solo registrants take whatever single seats the cancellations and big parties left.
    tail, _, _ = _rush(urls, aid, 150, phone_base=4_100_000_000, cancel_share=0.0, seed=12)
    print(f"rush without waitlist: {dict(statuses)}, then {dict(tail)}; {len(cancelled)} cancelled")
    store = SeatStore(connect(stack_settings.redis_url), stack_settings)
    _doc, counts = store.get_activity(aid)
    people = sum(g["party_size"] for g in store.registrations(aid) if g["status"] == "confirmed")
    assert people == int(counts["taken"]) == CAPACITY
