"""Issue 24 §9: a consumer that meets an event version newer than it knows parks it (not poison:
it goes to ``<topic>-parked``, not the DLQ), and `sciday parked replay` sends it back after the
upgrade, where the groups that already handled it skip it (dedupe on event_id).

Before, an older consumer dead-lettered a v3 RegistrationConfirmed in all three groups during a
rolling upgrade, and its SMS was never sent.
"""

from __future__ import annotations

import threading

import pytest
from kafka import KafkaConsumer

from sciday import dlq
from shared import events
from shared.consumer import DUPLICATES, PARKED, ConsumerLoop
from shared.envelope import encode
from shared.kafka import make_producer
from shared.topics import ensure_topics
from tests.conftest import wait_for, waitlisted_event

TOPIC = "registration-events"
TYPE = "RegistrationWaitlisted"


def _send(settings, value: bytes) -> None:
    producer = make_producer(settings)
    producer.send(settings.topic_prefix + TOPIC, key=b"a1", value=value).get(timeout=10)
    producer.close()


def _count(settings, topic: str) -> int:
    consumer = KafkaConsumer(
        bootstrap_servers=settings.kafka_bootstrap_servers, group_id=None, enable_auto_commit=False
    )
    try:
        from kafka import TopicPartition

        name = settings.topic_prefix + topic
        parts = [TopicPartition(name, p) for p in consumer.partitions_for_topic(name) or ()]
        return sum(consumer.end_offsets(parts).values())
    finally:
        consumer.close()


def _loop(settings, redis, group: str, handled: list) -> tuple[ConsumerLoop, threading.Thread]:
    loop = ConsumerLoop(settings, group, [TOPIC], lambda env: handled.append(env["event_id"]), redis)
    t = threading.Thread(target=loop.run, daemon=True)
    t.start()
    return loop, t


def _stop(*loops: tuple[ConsumerLoop, threading.Thread]) -> None:
    for loop, _t in loops:
        loop.stopping = True
    for _, t in loops:
        t.join(15)


@pytest.fixture
def topics(settings):
    ensure_topics(settings.kafka_bootstrap_servers, settings.topic_prefix)


def test_a_newer_version_is_parked_not_dead_lettered_and_replays_after_the_upgrade(
    settings, redis, topics, monkeypatch
):
    newer = dict(waitlisted_event(rid="r-v99"), version=99)
    after = waitlisted_event(rid="r-after")
    _send(settings, encode(newer))
    _send(settings, encode(after))

    handled_old: list[str] = []
    old = _loop(settings, redis, "g-old", handled_old)
    try:
        wait_for(lambda: after["event_id"] in handled_old, what="the event after the v99 one")
        wait_for(lambda: _count(settings, TOPIC + "-parked") == 1, what="the v99 event parked")
        assert _count(settings, TOPIC + "-dlq") == 0
        assert handled_old == [after["event_id"]]
        assert PARKED.labels("g-old", TOPIC)._value.get() == 1
        [held] = dlq.list_held(settings, TOPIC, "parked")
        assert held.headers["parked-consumer-group"] == "g-old"
        assert "newer than this consumer knows" in held.headers["parked-reason"]
        assert held.value == encode(newer)

        # The upgrade: this code now knows v99.  A group upgraded first handled it at once.
        monkeypatch.setitem(events.SCHEMAS, (TYPE, 99), events.SCHEMAS[(TYPE, 1)])
        handled_new: list[str] = []
        new = _loop(settings, redis, "g-new", handled_new)
        try:
            wait_for(lambda: len(handled_new) == 2, what="the upgraded group handles both")
            sent, skipped = dlq.replay(settings, TOPIC, "parked")
            assert (sent, skipped) == (1, [])
            wait_for(lambda: newer["event_id"] in handled_old, what="the parked event handled after replay")
            wait_for(
                lambda: DUPLICATES.labels("g-new")._value.get() >= 1, what="the upgraded group skips the copy"
            )
            assert sorted(handled_new) == sorted([newer["event_id"], after["event_id"]])
            assert dlq.replay(settings, TOPIC, "parked") == (0, [])  # nothing sent twice
        finally:
            _stop(new)
    finally:
        _stop(old)
    assert handled_old == [after["event_id"], newer["event_id"]]


def test_dead_letters_are_listed_and_replayed_to_their_topic(settings, redis, topics):
    """A handler that refused an event (a bug since fixed) gets it again after `sciday dlq replay`."""
    from shared.envelope import PoisonMessage

    refused = waitlisted_event(rid="r-refused")
    broken = {"on": True}
    handled: list[str] = []

    def handler(env):
        if broken["on"]:
            raise PoisonMessage("a bug in this handler")
        handled.append(env["event_id"])

    _send(settings, encode(refused))
    loop = ConsumerLoop(settings, "g-fixed", [TOPIC], handler, redis)
    t = threading.Thread(target=loop.run, daemon=True)
    t.start()
    try:
        wait_for(lambda: _count(settings, TOPIC + "-dlq") == 1, what="the refused event dead-lettered")
        [held] = dlq.list_held(settings, TOPIC, "dlq")
        assert held.origin == TOPIC and "a bug in this handler" in held.summary()
        broken["on"] = False  # the fix is deployed
        assert dlq.replay(settings, TOPIC, "dlq") == (1, [])
        wait_for(lambda: handled == [refused["event_id"]], what="the replayed event handled")
    finally:
        _stop((loop, t))
