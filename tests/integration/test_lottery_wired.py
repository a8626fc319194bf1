"""The lottery wired end to end on real Redis (and, for the messages, a real broker) - issue 15 §1.

- an activity with ``allocation: lottery`` refuses booking and is entered over HTTP with a verified
  session and real-name members, one entry per phone and per ID;
- the draw becomes registrations (lottery_register.lua): racing registrars and a rerun after a
  crash write each party once, never oversell, and keep the waitlist in drawn order;
- the notify worker tells each entrant once per channel, under redelivery, and sends no second
  confirmation for the registration made from the draw.
"""

from __future__ import annotations

import threading
from collections import Counter
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from services.registration.app import create_app
from services.registration.bootstrap import EXTENSION
from services.registration.lottery import draw as lot
from services.registration.lottery import entry as lottery_entry
from shared import events as ev
from shared.auth import create_token
from shared.envelope import decode, encode, new_event
from shared.kafka import make_producer
from shared.outbox import stream_key
from shared.topics import topic_for
from tests.conftest import activity_doc, wait_for
from tests.fair_support import bearer, member, seed_session
from tests.integration.notify_support import (
    activity_event,
    gateway,
    mailbox,
    notify_settings,
    snapshot,
    start_worker,
    topics,
)

TZ = ZoneInfo("Asia/Shanghai")
AID = "lot-wired"


@pytest.fixture
def app(settings, redis):
    return create_app(
        settings.with_overrides(
            require_verified_phone=1, rate_limit_ip_per_min=0, rate_limit_phone_per_min=0
        ),
        redis_client=redis,
    )


@pytest.fixture
def org(settings, redis):
    return {"Authorization": "Bearer " + create_token(redis, settings.redis_prefix, "organizer", "t")}


def opened(app, org, capacity=6, confirm_hours=0):
    client = app.test_client()
    made = client.post(
        "/api/v1/activities",
        json=activity_doc(AID, capacity=capacity, allocation="lottery", real_name=True),
        headers=org,
    )
    assert made.status_code == 201 and made.get_json()["allocation"] == "lottery", made.get_json()
    now = datetime.now(TZ).replace(microsecond=0)
    window = {
        "opens_at": (now - timedelta(minutes=5)).isoformat(),
        "closes_at": (now + timedelta(hours=1)).isoformat(),
        "draw_at": (now + timedelta(hours=2)).isoformat(),
        "confirm_hours": confirm_hours,
    }
    assert client.post(f"/api/v1/activities/{AID}/lottery", json=window, headers=org).status_code == 201
    return client, datetime.fromisoformat(window["draw_at"]).timestamp()


def phone(i):
    return f"137{i:08d}"


def enter(client, redis, settings, i, party=2, lang="zh-CN"):
    members = [member(100 * i + k) for k in range(party)]
    body = {"name": "张三", "organization": "中国科学院", "party_size": party, "members": members}
    headers = {**bearer(seed_session(redis, settings.redis_prefix, phone(i))), "Accept-Language": lang}
    return client.post(f"/api/v1/activities/{AID}/lottery/entries", json=body, headers=headers)


def outbox(redis, settings):
    return [decode(f[b"envelope"]) for _id, f in redis.xrange(stream_key(settings))]


def test_a_lottery_activity_is_entered_with_a_verified_phone_and_never_booked(app, org, redis, settings):
    client, _draw_at = opened(app, org)
    body = {"name": "张三", "organization": "中国科学院", "party_size": 1, "members": [member(1)]}
    headers = bearer(seed_session(redis, settings.redis_prefix, phone(1)))
    booked = client.post(f"/api/v1/activities/{AID}/registrations", json=body, headers=headers)
    assert (booked.status_code, booked.get_json()["reason"]) == (409, "lottery_allocation")
    assert booked.get_json()["message"] == "本活动名额由摇号分配，请参加摇号"
    no_session = client.post(f"/api/v1/activities/{AID}/lottery/entries", json=body)
    assert (no_session.status_code, no_session.get_json()["reason"]) == (401, "phone_not_verified")
    made = enter(client, redis, settings, 1)
    assert made.status_code == 201, made.get_json()
    assert made.get_json()["entry_id"].startswith("e") and made.get_json()["draw_at"]
    again = enter(client, redis, settings, 1, lang="en")
    assert (again.status_code, again.get_json()["reason"]) == (409, "already_entered")
    assert again.get_json()["message"] == "This phone or ID has already entered."
    same_ids = client.post(
        f"/api/v1/activities/{AID}/lottery/entries",
        json={
            "name": "张三",
            "organization": "中国科学院",
            "party_size": 2,
            "members": [member(100), member(101)],
        },
        headers=bearer(seed_session(redis, settings.redis_prefix, phone(50))),
    )
    assert (same_ids.status_code, same_ids.get_json()["reason"]) == (409, "already_entered")
    mine = client.get("/api/v1/me/registrations", headers=headers).get_json()
    assert [(e["entry_id"], e["outcome"]) for e in mine["lottery_entries"]] == [
        (made.get_json()["entry_id"], None)
    ]


@pytest.mark.usefixtures("v1_lottery")  # issue 27: v1 itself (new lotteries are v2)
def test_the_pages_show_the_lottery_instead_of_booking(app, org, redis, settings):
    client, _draw_at = opened(app, org)
    listed = client.get("/?lang=en").get_data(as_text=True)
    assert "Lottery: entries open" in listed
    page = client.get(f"/a/{AID}?lang=zh-CN").get_data(as_text=True)
    assert "本活动名额摇号分配" in page and "摇号时间" in page and f'href="/lottery/{AID}"' in page
    fcfs = client.post("/api/v1/activities", json=activity_doc("fcfs-next"), headers=org)
    assert fcfs.get_json()["allocation"] == "fcfs"
    assert "lottery-info" not in client.get("/a/fcfs-next").get_data(as_text=True)


@pytest.mark.usefixtures("v1_lottery")  # issue 27: v1 itself (new lotteries are v2)
def test_the_draw_becomes_registrations_once_under_racing_registrars_and_a_rerun(app, org, redis, settings):
    client, draw_at = opened(app, org, capacity=7)
    for i in range(12):
        assert enter(client, redis, settings, i, party=1 + i % 3).status_code == 201
    store, ports = app.extensions["sciday.lotteries"], app.extensions[EXTENSION]
    d = lot.draw(store, AID, now=draw_at)
    # A registrar that dies after its first round trip (3 parties); then four racing ones
    # (3 parties per round trip); then one more rerun.
    real, calls = store.register_many, []

    def dies(*args):
        if len(calls) == 1:
            raise RuntimeError("killed")
        calls.append(args)
        return real(*args)

    store.register_many = dies
    with pytest.raises(RuntimeError):
        lottery_entry.register_outcomes(ports, store, AID, chunk=3)
    store.register_many = real
    assert len(calls) == 1
    racers = [
        threading.Thread(target=lottery_entry.register_outcomes, args=(ports, store, AID, 3))
        for _ in range(4)
    ]
    for t in racers:
        t.start()
    for t in racers:
        t.join()
    assert lottery_entry.register_outcomes(ports, store, AID) == {"replay": 12}

    made = [e for e in outbox(redis, settings) if e["type"].startswith("Registration")]
    kinds = Counter(e["type"] for e in made)
    assert kinds == Counter(
        {ev.REGISTRATION_CONFIRMED: len(d.seated), ev.REGISTRATION_WAITLISTED: len(d.waiting)}
    )
    assert all(e["data"]["lottery_entry_id"] for e in made)
    got = client.get(f"/api/v1/activities/{AID}").get_json()
    assert got["seats_taken"] == sum(d.party_sizes[e] for e in d.seated) <= 7
    seats = ports.seats
    waiting = [lottery_entry.registration_id(AID, e) for e in d.waiting]
    assert [seats.waitlist_position(AID, r) for r in waiting] == list(range(1, len(waiting) + 1))
    winner = seats.get_registration(lottery_entry.registration_id(AID, d.seated[0]))
    assert winner["status"] == "confirmed" and winner["ticket_code"] and len(winner["members"]) >= 1
    # The winner finds it in 我的报名, with its ticket, and the entry's outcome.
    headers = bearer(seed_session(redis, settings.redis_prefix, winner["phone"]))
    mine = client.get("/api/v1/me/registrations", headers=headers).get_json()
    assert [r["registration_id"] for r in mine["registrations"]] == [winner["registration_id"]]
    assert mine["lottery_entries"][0]["outcome"] == "won"
    # A winner who cancels frees the seats for the first drawn waiting party that fits.
    cancelled = client.delete(f"/api/v1/me/registrations/{winner['registration_id']}", headers=headers)
    assert cancelled.status_code == 200
    promoted = [
        e["data"]["registration_id"] for e in outbox(redis, settings) if e["type"] == ev.WAITLIST_PROMOTED
    ]
    free, expected = 7 - got["seats_taken"] + d.party_sizes[d.seated[0]], []
    for e in d.waiting:  # promote.lua: strict drawn order, whole parties, the head first
        if d.party_sizes[e] > free:
            break
        free -= d.party_sizes[e]
        expected.append(lottery_entry.registration_id(AID, e))
    assert promoted == expected


def produce(settings, envelopes):
    producer = make_producer(settings)
    for env in envelopes:
        topic = settings.topic_prefix + topic_for(env["type"])
        producer.send(topic, key=env["activity_id"].encode(), value=encode(env))
    producer.flush(timeout=10)
    producer.close()


def test_each_entrant_is_told_once_per_channel_under_redelivery(
    notify_settings,
    redis,
    topics,
    gateway,
    mailbox,
):
    aid, n = "lot-told", 6
    outcomes, made = [], []
    for i in range(n):
        won = i < 3
        data = {
            "entry_id": f"e{i:016x}",
            "activity_id": aid,
            "position": i + 1 if won else i - 2,
            "party_size": 2,
            "name": "张三",
            "phone": phone(i),
            "email": f"p{i}@example.org",
            "locale": "zh-CN" if i % 2 else "en",
            "manage_url": "http://127.0.0.1:8001/me",
            "confirm_hours": 0,
        }
        kind = ev.LOTTERY_ENTRY_WON if won else ev.LOTTERY_ENTRY_WAITLISTED
        outcomes.append(new_event(kind, aid, data, source="registration"))
        reg = {
            "registration_id": f"r{i:04d}lottery",
            "activity_id": aid,
            "venue_id": "ln-stm",
            "party_size": 2,
            "name": "张三",
            "phone": phone(i),
            "email": f"p{i}@example.org",
            "locale": data["locale"],
            "manage_url": "http://127.0.0.1:8001/me",
            "lottery_entry_id": data["entry_id"],
        }
        if won:
            reg.update(ticket_code=f"SD1.r{i}", ticket_url="http://127.0.0.1:8001/t/x?t=y")
            made.append(new_event(ev.REGISTRATION_CONFIRMED, aid, reg, source="registration"))
        else:
            made.append(
                new_event(
                    ev.REGISTRATION_WAITLISTED, aid, dict(reg, waitlist_position=i - 2), source="registration"
                )
            )
    everything = [activity_event("ActivityPublished", snapshot(aid))] + made + outcomes
    produce(notify_settings, everything)
    produce(notify_settings, everything)  # a relay re-send: every event twice
    worker = start_worker(notify_settings, redis)
    try:
        wait_for(
            lambda: len(gateway.messages) >= n and len(mailbox.messages) >= n,
            timeout=40,
            what="every message",
        )
        produce(notify_settings, outcomes)  # redelivered once more after they were sent
        deliveries = worker.deliveries
        wait_for(
            lambda: deliveries.queued("sms") == 0 and deliveries.queued("email") == 0, what="queues drained"
        )
    finally:
        worker.shutdown()
    assert Counter(m["phone"] for m in gateway.messages) == Counter({phone(i): 1 for i in range(n)})
    assert Counter(a for m in mailbox.messages for a in m["rcpt_tos"]) == Counter(
        {f"p{i}@example.org": 1 for i in range(n)}
    )
    templates = Counter(m["template_id"].split(".")[0] for m in gateway.messages)
    assert templates == Counter({"lottery_won": 3, "lottery_waitlisted": 3})
    # Version 1 outcomes carry the contact fields in clear; the intents keep them sealed (issue 16).
    intents = list(redis.scan_iter(match=f"{notify_settings.redis_prefix}nt:n:*"))
    assert len(intents) == 2 * n
    at_rest = b"".join(b"".join(redis.hgetall(k).values()) for k in intents)
    assert not [
        i for i in range(n) if phone(i).encode() in at_rest or f"p{i}@example.org".encode() in at_rest
    ]


@pytest.mark.usefixtures("v1_lottery")  # issue 27: v1 itself (new lotteries are v2)
def test_two_scheduler_processes_draw_register_and_tell_at_the_set_time(app, org, redis, settings, tmp_path):
    """The processes `sciday up` runs: at draw_at they draw once, make each registration once and
    tell each entrant once, then leave the lottery off the due list."""
    import os
    import subprocess
    import sys

    from tests.conftest import ROOT

    client = app.test_client()
    made = client.post(
        "/api/v1/activities",
        json=activity_doc(AID, capacity=5, allocation="lottery", real_name=True),
        headers=org,
    )
    assert made.status_code == 201
    now = datetime.now(TZ)
    window = {
        "opens_at": (now - timedelta(minutes=5)).isoformat(),
        "closes_at": (now + timedelta(seconds=3)).isoformat(),
        "draw_at": (now + timedelta(seconds=4)).isoformat(),
    }
    assert client.post(f"/api/v1/activities/{AID}/lottery", json=window, headers=org).status_code == 201
    for i in range(8):
        assert enter(client, redis, settings, i, party=1 + i % 2).status_code == 201
    env = dict(
        os.environ,
        SCIDAY_REDIS_URL=settings.redis_url,
        REDIS_URL=settings.redis_url,
        SCIDAY_REDIS_PREFIX=settings.redis_prefix,
        SCIDAY_KEYS_DIR=str(settings.keys_dir),
        SCIDAY_LOTTERY_POLL_S="1",
    )
    logs = [open(tmp_path / f"scheduler-{n}.log", "wb") for n in range(2)]
    procs = [
        subprocess.Popen(
            [sys.executable, "-m", "services.registration.lottery.scheduler"],
            env=env,
            cwd=str(ROOT),
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        for log in logs
    ]
    store = app.extensions["sciday.lotteries"]
    try:
        wait_for(lambda: store.get_draw(AID) is not None and store.due(now.timestamp() + 3600) == [], timeout=40,
                 what="the draw, its registrations and its messages")  # fmt: skip
    except AssertionError:
        print(*((tmp_path / f"scheduler-{n}.log").read_text() for n in range(2)))
        raise
    finally:
        for p in procs:
            p.terminate()
            p.wait(10)
        for log in logs:
            log.close()
    events = outbox(redis, settings)
    types = Counter(e["type"] for e in events)
    d = store.get_draw(AID)
    assert types[ev.LOTTERY_DRAWN] == 1
    assert types[ev.LOTTERY_ENTRY_WON] + types[ev.LOTTERY_ENTRY_WAITLISTED] == 8
    assert types[ev.REGISTRATION_CONFIRMED] == len(d.seated) and types[ev.REGISTRATION_WAITLISTED] == len(
        d.waiting
    )
    winner = app.extensions[EXTENSION].seats.get_registration(lottery_entry.registration_id(AID, d.seated[0]))
    assert winner["status"] == "confirmed"


@pytest.mark.usefixtures("v1_lottery")  # issue 27: v1 itself (new lotteries are v2)
def test_a_winner_confirms_on_my_registrations_and_only_their_own_entry(app, org, redis, settings):
    import re

    from services.registration.access.api import COOKIE

    client, draw_at = opened(app, org, capacity=2, confirm_hours=24)
    entries = [enter(client, redis, settings, i, party=1).get_json()["entry_id"] for i in range(4)]
    store, ports = app.extensions["sciday.lotteries"], app.extensions[EXTENSION]
    d = lot.draw(store, AID, now=draw_at)
    assert lottery_entry.settle(ports, store, AID) is False  # winners still to confirm
    mine_of = {e: phone(i) for i, e in enumerate(entries)}

    def as_owner(entry_id):
        c = app.test_client()
        c.set_cookie(COOKIE, seed_session(redis, settings.redis_prefix, mine_of[entry_id]))
        page = c.get("/me?lang=zh-CN").get_data(as_text=True)
        return c, page, re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)

    winner, other_winner, loser = d.seated[0], d.seated[1], d.waiting[0]
    c, page, token = as_owner(loser)  # someone else's winning entry: nothing happens
    c.post(f"/me/lottery/{AID}/{other_winner}/confirm", data={"csrf_token": token})
    assert store.get_draw(AID).confirmed == []
    c, page, token = as_owner(winner)
    assert "确认参加" in page and winner in page
    done = c.post(f"/me/lottery/{AID}/{winner}/confirm", data={"csrf_token": token})
    assert done.status_code == 303 and store.get_draw(AID).confirmed == [winner]
    reg = ports.seats.get_registration(lottery_entry.registration_id(AID, winner))
    assert reg["status"] == "confirmed"
    after = c.get("/me?lang=zh-CN").get_data(as_text=True)
    assert "确认参加" not in after and "查看入场二维码" in after
    assert ports.seats.get_registration(lottery_entry.registration_id(AID, loser)) is None  # not settled yet
