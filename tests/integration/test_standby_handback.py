"""Issue 27 item 3's last leg, on real Redis and the real broker: seats handed back that nobody on
the waitlist took go to on-site standby.  Registration's outbox goes through the relay and Kafka
to the check-in projection's consumer; ``SeatsHandedBack`` carries the activity's count with a
revision, and the standby pool takes it at the release.  A waiting party takes the seat instead
(standby gets nothing), and a replay or a rebuild of the log, in any order, gives the same count."""

from __future__ import annotations

import threading
import uuid
from datetime import datetime, timedelta

import pytest
from kafka import KafkaConsumer

from sciday.rebuild import rebuild
from services.checkin import consumer as checkin_consumer
from services.checkin.projection import Projection
from services.checkin.standby import usecases as sb
from services.checkin.standby.store import StandbyStore
from shared import events as ev
from shared.envelope import decode
from shared.outbox import start_relay
from shared.topics import ensure_topics
from tests.conftest import distinct_events, wait_for
from tests.integration.test_checkin_api import door, soon, verdict

POLICY = sb.Policy(opens_before_min=60, release_grace_min=10, max_party_size=4)
HANDBACK = {"handback": "waitlist"}


@pytest.fixture
def flowing(door):
    """The relay and the check-in projection's consumer, on the test's prefixes, as in production."""
    ensure_topics(door.settings.kafka_bootstrap_servers, door.settings.topic_prefix)
    relay = start_relay(door.settings, door.redis, "outbox")
    loop = checkin_consumer.build(door.settings, door.redis)
    thread = threading.Thread(target=loop.run, name="checkin-projection", daemon=True)
    thread.start()
    door.standby = StandbyStore(door.redis, door.settings)
    yield door
    loop.stopping = True
    thread.join(10)
    loop.close()
    relay.close()


def cancel(door, created: dict) -> None:
    token = created["manage_url"].split("t=")[1]
    verdict(door.reg.delete(f"/api/v1/registrations/{created['registration_id']}?token={token}"), 200)


def projected(door, aid: str, rid: str, status: str) -> None:
    def seen():
        got = door.projection.registration(aid, rid)
        return got is not None and got["status"] == status

    wait_for(seen, what=f"{rid} {status} in check-in's projection")


def walk_ins(door, aid: str, *parties: int) -> None:
    now = datetime.now().timestamp()
    for n, party in enumerate(parties, 1):
        sb.join(door.standby, aid, phone_hash=f"h{n}", phone_masked=f"139****000{n}", phone_sealed="SX1.x",
                party_size=party, locale="zh-CN", now=now, policy=POLICY)  # fmt: skip


def release(door, aid: str) -> dict:
    """The release at the start plus the grace period (the time given, not waited for)."""
    starts = datetime.fromisoformat(door.standby.activity(aid)["starts_at"])
    at = starts + timedelta(minutes=POLICY.release_grace_min + 1)
    return sb.release(door.standby, aid, now=at.timestamp(), occurred_at=at.isoformat(), policy=POLICY)


def desk(door, aid: str) -> dict:
    return verdict(door.ck.get(f"/api/v1/activities/{aid}/standby/list", headers=door.steward), 200)


def handed_back_shown(door, aid: str, seats: int) -> None:
    """Wait until the standby desk shows ``seats`` handed back (the activity projected first)."""

    def shown():
        r = door.ck.get(f"/api/v1/activities/{aid}/standby/list", headers=door.steward)
        return r.status_code == 200 and r.get_json()["handed_back"] == seats

    wait_for(shown, what=f"{seats} seats handed back at the standby desk")


def test_a_seat_nobody_waits_for_is_not_booked_online_and_standby_lets_one_more_walk_in(flowing):
    door, aid = flowing, "sbh-free"
    door.activity(soon(aid, capacity=2, waitlist={"enabled": False}, **HANDBACK))
    holder = door.register(aid, phone="13800000001", party=1)
    other = door.register(aid, phone="13800000002", party=1)
    cancel(door, holder)
    friend = door.reg.post(
        f"/api/v1/activities/{aid}/registrations",
        json={"name": "李四", "phone": "13800000009", "organization": "科学院", "party_size": 1},
    )
    assert verdict(friend, 409)["reason"] == "sold_out"  # not bookable online
    handed_back_shown(door, aid, 1)
    projected(door, aid, other["registration_id"], "confirmed")
    verdict(door.scan(other["ticket"]["code"]), 201)  # the other holder came: no unscanned seat
    walk_ins(door, aid, 1, 1)
    assert desk(door, aid)["seats_free"] == 0  # before the release the waitlist might still take it
    assert release(door, aid) == {"released": 0, "handed_back": 1, "registrations": 0, "replayed": False}
    assert desk(door, aid)["seats_free"] == 1
    calls = f"/api/v1/activities/{aid}/standby/calls"
    called = verdict(door.ck.post(calls, json={"most": 0}, headers=door.steward), 201)
    assert called == [{"number": 1, "party_size": 1}]  # one more walk-in, and only one
    admissions = f"/api/v1/activities/{aid}/standby/admissions"
    verdict(door.ck.post(admissions, json={"number": 1, "gate": "1号门"}, headers=door.steward), 201)
    shown = desk(door, aid)
    assert (shown["seats_free"], shown["admitted"], shown["waiting"]) == (0, 1, 1)


def test_with_a_waiting_party_the_seat_goes_to_it_and_standby_gets_nothing(flowing):
    door, aid = flowing, "sbh-wait"
    door.activity(soon(aid, capacity=1, **HANDBACK))
    holder = door.register(aid, phone="13800000001", party=1)
    waiting = door.register(aid, phone="13800000002", party=1)
    assert waiting["status"] == "waitlisted"
    cancel(door, holder)
    projected(door, aid, waiting["registration_id"], "confirmed")  # promoted, told to check-in
    token = waiting["manage_url"].split("t=")[1]
    now_hers = verdict(door.reg.get(f"/api/v1/registrations/{waiting['registration_id']}?token={token}"), 200)
    verdict(door.scan(now_hers["ticket"]["code"]), 201)
    walk_ins(door, aid, 1)
    assert release(door, aid)["handed_back"] == 0
    shown = desk(door, aid)
    assert (shown["handed_back"], shown["seats_free"]) == (0, 0)
    assert verdict(door.ck.post(f"/api/v1/activities/{aid}/standby/calls", json={"most": 0},
                                headers=door.steward), 201) == []  # fmt: skip


def handed_back_events(door, aid: str) -> list[dict]:
    consumer = KafkaConsumer(
        door.settings.topic_prefix + "registration-events",
        bootstrap_servers=door.settings.kafka_bootstrap_servers,
        group_id=None,
        auto_offset_reset="earliest",
        consumer_timeout_ms=1500,
    )
    got = [decode(r.value) for r in consumer]
    consumer.close()
    return [e for e in distinct_events(got) if e["type"] == ev.SEATS_HANDED_BACK and e["activity_id"] == aid]


def test_a_replay_and_a_rebuild_of_the_log_give_the_same_count_in_any_order(flowing):
    door, aid = flowing, "sbh-replay"
    door.activity(soon(aid, capacity=4, waitlist={"enabled": False}, **HANDBACK))
    holders = [door.register(aid, phone=f"1380000000{n}", party=1) for n in (1, 2, 3)]
    for holder in holders[:2]:
        cancel(door, holder)
    handed_back_shown(door, aid, 2)
    walk_ins(door, aid, 1)
    assert release(door, aid)["handed_back"] == 2
    before = desk(door, aid)
    assert before["seats_free"] == 3  # the third holder's unscanned seat and the two handed back

    rebuild("checkin", door.settings, door.redis, out=None)  # over the live state: nothing moves
    assert desk(door, aid) == before

    sent = wait_for(
        lambda: (got := handed_back_events(door, aid)) and len(got) == 2 and got, what="the events"
    )
    assert [(e["data"]["handed_back"], e["data"]["revision"]) for e in sent] == [(1, 1), (2, 2)]
    for order in (sent, sent[::-1], [sent[1], sent[0], sent[1]]):
        other = door.settings.with_overrides(
            redis_prefix=f"{door.settings.redis_prefix}r{uuid.uuid4().hex[:6]}:"
        )
        fresh = Projection(door.redis, other.redis_prefix)
        fresh.replay(list(order))
        assert StandbyStore(door.redis, other).board(aid)["handed_back"] == 2
    lost = door.settings.with_overrides(redis_prefix=f"{door.settings.redis_prefix}lost:")
    rebuild("checkin", lost, door.redis, out=None)  # check-in's Redis lost: rebuilt from the log
    assert StandbyStore(door.redis, lost).board(aid)["handed_back"] == 2
