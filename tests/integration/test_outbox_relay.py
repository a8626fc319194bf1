"""A 201 is durable in Redis; the relay moves its event to Kafka, also after the broker was down."""

from __future__ import annotations

import json

from kafka import KafkaAdminClient, KafkaConsumer

from services.registration import activities
from services.registration.schemas import ActivityIn
from services.registration.store import SeatStore
from shared.outbox import Relay, cursor_key
from shared.tickets import new_registration_id
from shared.topics import ensure_topics
from tests.conftest import activity_doc, wait_for


def _reg(aid, phone, party=1):
    rid = new_registration_id()
    return {
        "registration_id": rid,
        "activity_id": aid,
        "venue_id": "ln-stm",
        "name": "赵六",
        "phone": phone,
        "email": None,
        "organization": "x",
        "party_size": party,
        "locale": "zh-CN",
        "manage_token": "t",
        "ticket_code": "SD1.x",
        "ticket_url": "http://x/t",
        "manage_url": "http://x/r",
    }


def _seed(store, aid="relay-imax"):
    doc = activities.to_doc(ActivityIn().load(activity_doc(aid)))
    store.put_activity(
        doc,
        mode="create",
        expected_rev=None,
        event_type="ActivityPublished",
        event_data={"activity": activities.snapshot(doc)},
    )


def _topic_events(settings, topic):
    c = KafkaConsumer(
        settings.topic_prefix + topic,
        bootstrap_servers=settings.kafka_bootstrap_servers,
        group_id=None,
        auto_offset_reset="earliest",
        consumer_timeout_ms=700,
    )
    out = [json.loads(m.value) for m in c]
    c.close()
    return out


def test_relay_moves_outbox_entries_to_their_topics_in_order(settings, redis):
    store = SeatStore(redis, settings)
    _seed(store)
    rids = [store.reserve(_reg("relay-imax", f"1380000{i:04d}"), "")[1] for i in range(5)]
    relay = Relay(settings, redis)
    relay.ensure_topics()
    from shared.kafka import make_producer

    relay.producer = make_producer(settings)
    assert relay.step() == 6  # ActivityPublished + 5 confirmations
    assert relay.step() == 0
    events = _topic_events(settings, "registration-events")
    assert [e["data"]["registration_id"] for e in events] == rids
    assert [e["type"] for e in _topic_events(settings, "activity-events")] == ["ActivityPublished"]
    relay.producer.close()


def test_relay_resends_the_outbox_when_the_broker_lost_its_topics(settings, redis):
    """Tansu forgets everything on restart: the relay recreates the topics and re-sends."""
    store = SeatStore(redis, settings)
    _seed(store, "relay-wipe")
    rid = store.reserve(_reg("relay-wipe", "13900000001"), "")[1]
    relay = Relay(settings, redis)
    relay.ensure_topics()
    from shared.kafka import make_producer

    relay.producer = make_producer(settings)
    assert relay.step() == 2
    assert redis.get(cursor_key(settings)) != b"0-0"

    admin = KafkaAdminClient(bootstrap_servers=settings.kafka_bootstrap_servers)
    admin.delete_topics([settings.topic_prefix + t for t in ("registration-events", "activity-events")])
    admin.close()
    wait_for(lambda: not _topic_exists(settings, "registration-events"), what="the topic to be gone")

    # someone else (a consumer starting) recreates the topics first: the relay still notices
    from shared.topics import ensure_topics

    ensure_topics(settings.kafka_bootstrap_servers, settings.topic_prefix)
    relay.ensure_topics()  # what run(), every 2 s of running, and a failed step() do
    assert redis.get(cursor_key(settings)) == b"0-0"
    assert relay.step() == 2
    events = _topic_events(settings, "registration-events")
    assert [e["data"]["registration_id"] for e in events] == [rid]
    relay.producer.close()


def _topic_exists(settings, topic):
    admin = KafkaAdminClient(bootstrap_servers=settings.kafka_bootstrap_servers)
    try:
        return settings.topic_prefix + topic in admin.list_topics()
    finally:
        admin.close()


def test_only_one_relay_per_stream_holds_the_lease(settings, redis):
    a, b = Relay(settings, redis), Relay(settings, redis)
    assert a.hold_lease() is True
    assert b.hold_lease() is False  # a second process waits
    assert a.hold_lease() is True  # the holder renews
    redis.delete(a.lease_key)  # the holder died and its lease ran out
    assert b.hold_lease() is True
    assert a.hold_lease() is False
