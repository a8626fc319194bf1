"""No personal data in clear for a lottery either (issue 16 for issue 15 §1).

Two real-name parties enter a lottery with a verified phone (one with an email), the draw seats
one and waitlists the other, the draw becomes registrations, the outcomes are published and the
notify worker sends them.  Then every topic and every Redis key of the test is read, and none may
hold a phone, an ID number, an email, a name, an entry's confirmation token or a registration's
manage token in clear (the same dumps and transforms as test_personal_data.py).
"""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from services.registration.app import create_app
from services.registration.bootstrap import EXTENSION
from services.registration.lottery import draw as lot
from services.registration.lottery import entry as lottery_entry
from shared import events as ev
from shared.auth import create_token
from shared.envelope import decode
from shared.outbox import stream_key
from tests.conftest import activity_doc, wait_for
from tests.fair_support import member, resident_id
from tests.integration.notify_support import gateway, mailbox, notify_settings
from tests.integration.test_personal_data import (
    EMAIL,
    NAMES,
    OTHER_PHONE,
    PHONE,
    flowing,
    leaks,
    redis_dump,
    topic_dump,
    verified,
)

AID = "lot-pii"
TZ = ZoneInfo("Asia/Shanghai")


@pytest.mark.usefixtures("v1_lottery")  # issue 27: a v1 lottery (its draw and settlement)
def test_a_lottery_keeps_no_phone_id_email_name_or_token_in_clear(flowing, redis, gateway, mailbox):
    settings = flowing
    app = create_app(settings, redis_client=redis)
    client = app.test_client()
    org = {"Authorization": "Bearer " + create_token(redis, settings.redis_prefix, "organizer", "t")}
    doc = activity_doc(AID, capacity=2, allocation="lottery", real_name=True)
    assert client.post("/api/v1/activities", json=doc, headers=org).status_code == 201
    now = datetime.now(TZ).replace(microsecond=0)
    window = {
        "opens_at": (now - timedelta(minutes=5)).isoformat(),
        "closes_at": (now + timedelta(hours=1)).isoformat(),
        "draw_at": (now + timedelta(hours=2)).isoformat(),
    }
    assert client.post(f"/api/v1/activities/{AID}/lottery", json=window, headers=org).status_code == 201

    first = {
        "name": NAMES[0],
        "organization": "中国科学院",
        "party_size": 2,
        "email": EMAIL,
        "members": [member(1, NAMES[0]), member(2, NAMES[1])],
    }
    second = {
        "name": NAMES[2],
        "organization": "辽宁省科协",
        "party_size": 1,
        "members": [member(3, NAMES[2])],
    }
    entries = {}
    for body, phone in ((first, PHONE), (second, OTHER_PHONE)):
        r = client.post(f"/api/v1/activities/{AID}/lottery/entries", json=body, headers=verified(app, phone))
        assert r.status_code == 201, r.get_json()
        entries[phone] = r.get_json()

    # Capacity 2 for parties of 2 and 1: whichever is drawn first is seated, the other waits.
    store, ports = app.extensions["sciday.lotteries"], app.extensions[EXTENSION]
    d = lot.draw(store, AID, now=datetime.fromisoformat(window["draw_at"]).timestamp())
    assert (len(d.seated), len(d.waiting)) == (1, 1)
    assert sum(lottery_entry.register_outcomes(ports, store, AID).values()) == 2
    assert lot.publish(store, d) >= 1

    # The registrations made from sealed entries are whole: opened on read, with their tickets.
    regs = {
        e: ports.seats.get_registration(lottery_entry.registration_id(AID, e)) for e in d.seated + d.waiting
    }
    assert {r["phone"] for r in regs.values()} == {PHONE, OTHER_PHONE}
    assert regs[d.seated[0]]["status"] == "confirmed" and regs[d.seated[0]]["ticket_code"]
    assert {r["name"] for r in regs.values()} == {NAMES[0], NAMES[2]}
    # The entry's confirmation token still confirms (it is opened from the sealed entry).
    assert {store.entry(AID, entries[p]["entry_id"])["token"] for p in entries} == {
        entries[p]["token"] for p in entries
    }

    # Notify opened the sealed outcome to send it: each entrant's SMS, and the email.
    for phone in (PHONE, OTHER_PHONE):
        sms = wait_for(
            lambda phone=phone: [
                m for m in gateway.messages if m["phone"] == phone and "lottery" in m["template_id"]
            ],
            what=f"the lottery SMS to {phone[-4:]}",
        )
        assert "/me" in sms[0]["text"], "the link to 我的报名 reached the entrant"
    mail = wait_for(
        lambda: [m for m in mailbox.messages if EMAIL.lower() in m["to"].lower()], what="the email"
    )
    assert mail
    sent = [decode(f[b"envelope"]) for _id, f in redis.xrange(stream_key(settings))]
    outcomes = [e for e in sent if e["type"] in (ev.LOTTERY_ENTRY_WON, ev.LOTTERY_ENTRY_WAITLISTED)]
    assert len(outcomes) == 2 and {e["version"] for e in outcomes} == {ev.SHREDDED_VERSION}

    tokens = [entries[p]["token"] for p in entries] + [r["manage_token"] for r in regs.values()]
    on_topics, records = topic_dump(settings)
    at_rest, keys = redis_dump(redis, settings.redis_prefix)
    assert records >= 6 and keys >= 10, (records, keys)  # the dumps did read what was written
    found = {"topics": leaks(on_topics, tokens), "redis": leaks(at_rest, tokens)}
    third = resident_id(3)  # leaks() covers the IDs of members 1 and 2
    found["topics"] += [f"ID number: {third!r}"] * (third in on_topics)
    found["redis"] += [f"ID number: {third!r}"] * (third in at_rest)
    assert found == {"topics": [], "redis": []}, "personal data in clear"
    assert "SK1.lot-pii." in on_topics and "SX1.registration." in at_rest  # sealed, not dropped (issue 23)


def test_a_group_of_one_keeps_no_phone_id_email_name_or_token_in_clear(flowing, redis, gateway):
    """Issue 27: the same for a new lottery, a v2 group of one entered over the API, frozen, drawn
    on the recorded beacon and told: nothing personal in clear in Redis or on the topics."""
    from services.registration.lottery import group_edge, groups, rounds_settle
    from services.registration.lottery.group_rounds_store import GroupRoundsStore

    settings = flowing
    app = create_app(settings, redis_client=redis)
    client = app.test_client()
    org = {"Authorization": "Bearer " + create_token(redis, settings.redis_prefix, "organizer", "t")}
    doc = activity_doc(AID, capacity=2, allocation="lottery", real_name=True)
    assert client.post("/api/v1/activities", json=doc, headers=org).status_code == 201
    now = datetime.now(TZ).replace(microsecond=0)
    times = {"opens_at": now - timedelta(minutes=5), "closes_at": now + timedelta(hours=1),
             "draw_at": now + timedelta(hours=2)}  # fmt: skip
    window = {k: t.isoformat() for k, t in times.items()}
    assert client.post(f"/api/v1/activities/{AID}/lottery", json=window, headers=org).status_code == 201
    bodies = (
        (PHONE, {"name": NAMES[0], "organization": "中国科学院", "party_size": 2, "email": EMAIL,
                 "members": [member(1, NAMES[0]), member(2, NAMES[1])]}),
        (OTHER_PHONE, {"name": NAMES[2], "organization": "辽宁省科协", "party_size": 1,
                       "members": [member(3, NAMES[2])]}),
    )  # fmt: skip
    tokens = []
    for phone, body in bodies:
        r = client.post(f"/api/v1/activities/{AID}/lottery/entries", json=body, headers=verified(app, phone))
        assert r.status_code == 201, r.get_json()
        tokens.append(r.get_json()["token"])
    with app.test_request_context():
        assert groups.freeze(group_edge.engine(), AID, times["closes_at"].timestamp() + 1)
    rounds = GroupRoundsStore(redis, settings)
    rounds_settle.step(app.extensions[EXTENSION], rounds, AID, now=times["draw_at"].timestamp() + 1)
    assert rounds.round(AID, 1) is not None
    for phone in (PHONE, OTHER_PHONE):
        wait_for(
            lambda phone=phone: [
                m for m in gateway.messages if m["phone"] == phone and "lottery" in m["template_id"]
            ],
            what=f"the lottery SMS to {phone[-4:]}",
        )

    on_topics, records = topic_dump(settings)
    at_rest, keys = redis_dump(redis, settings.redis_prefix)
    assert records >= 4 and keys >= 10, (records, keys)  # the dumps did read what was written
    found = {"topics": leaks(on_topics, tokens), "redis": leaks(at_rest, tokens)}
    third = resident_id(3)
    found["topics"] += [f"ID number: {third!r}"] * (third in on_topics)
    found["redis"] += [f"ID number: {third!r}"] * (third in at_rest)
    assert found == {"topics": [], "redis": []}, "personal data in clear"
