"""Provider outages: retried with backoff and delivered once the gateway recovers, none lost or
doubled; a message that keeps failing ends as NotificationFailed plus a dead letter."""

from __future__ import annotations

import json
from collections import Counter

from kafka import KafkaConsumer

from services.notify.delivery.intents import Deliveries
from shared import sealed
from tests.conftest import distinct_events, wait_for
from tests.integration.notify_support import (
    activity_event,
    by_ref,
    gateway,
    mailbox,
    notify_settings,
    phone,
    produce,
    registration_event,
    rid,
    snapshot,
    start_worker,
    topics,
)


def _read(settings, topic: str, expect: int) -> list:
    consumer = KafkaConsumer(
        settings.topic_prefix + topic,
        bootstrap_servers=settings.kafka_bootstrap_servers,
        group_id=None,
        auto_offset_reset="earliest",
        consumer_timeout_ms=300,
    )
    got: list = []
    try:
        wait_for(lambda: got.extend(consumer) or len(got) >= expect, what=f"{expect} records on {topic}")
    finally:
        consumer.close()
    return got


def test_gateway_outage_messages_are_retried_and_delivered_once(
    notify_settings, redis, topics, gateway, mailbox
):
    aid, n = "imax-outage", 6
    people = [(rid(i), phone(i)) for i in range(n)]
    # Down for the first 5 requests, then 4 more that it takes but answers 500 (the nasty case: a
    # retry of those must not send again), then up.
    gateway.state.fail(plan=["before"] * 5 + ["after"] * 4)
    worker = start_worker(notify_settings, redis)
    try:
        produce(
            notify_settings,
            [activity_event("ActivityPublished", snapshot(aid))]
            + [registration_event("RegistrationConfirmed", aid, r, ph) for r, ph in people],
        )
        wait_for(lambda: len(gateway.messages) >= n, what="every SMS once the gateway is back")
        deliveries = worker.deliveries
        wait_for(
            lambda: all(e["status"] == "sent" for r, _ in people for e in deliveries.entries(r)),
            what="every delivery recorded as sent",
        )
    finally:
        worker.shutdown()
    assert Counter(m["phone"] for m in gateway.messages) == Counter(ph for _r, ph in people)
    assert all(len(v) == 1 for v in by_ref(gateway).values())
    entries = [e for r, _ in people for e in deliveries.entries(r)]
    assert sum(e["attempts"] for e in entries) == n + 9  # each injected failure cost one retry
    assert gateway.state.snapshot()["requests"] == n + 9
    assert all("gateway answered 500" in e.get("last_error", "") for e in entries if e["attempts"] > 1)


def test_gateway_down_for_a_while_nothing_is_lost(notify_settings, redis, topics, gateway, mailbox):
    aid, n = "imax-while", 3
    people = [(rid(i), phone(i)) for i in range(n)]
    gateway.state.fail(seconds=3600)  # down until we say so
    worker = start_worker(notify_settings, redis)
    try:
        produce(
            notify_settings,
            [activity_event("ActivityPublished", snapshot(aid))]
            + [registration_event("RegistrationConfirmed", aid, r, ph) for r, ph in people],
        )
        wait_for(lambda: gateway.state.snapshot()["requests"] >= 2 * n, what="requests refused and retried")
        assert gateway.messages == []
        gateway.state.fail(seconds=0)  # back up
        wait_for(lambda: len(gateway.messages) >= n, what="every SMS after the outage")
        wait_for(lambda: worker.deliveries.queued("sms") == 0, what="the SMS queue drained")
    finally:
        worker.shutdown()
    assert sorted(m["phone"] for m in gateway.messages) == sorted(ph for _r, ph in people)


def test_a_message_that_keeps_failing_is_reported_and_dead_lettered(
    settings, notify_settings, redis, topics, gateway, mailbox
):
    notify_settings = notify_settings.with_overrides(notify_max_attempts=3)
    gateway.state.fail(count=1000)
    aid, r = "imax-down", rid(1)
    worker = start_worker(notify_settings, redis)
    try:
        produce(
            notify_settings,
            [
                activity_event("ActivityPublished", snapshot(aid)),
                registration_event("RegistrationConfirmed", aid, r, phone(1), email="ok@example.org"),
            ],
        )
        dlq = _read(notify_settings, "notification-events-dlq", 1)
        events = distinct_events(
            [json.loads(m.value) for m in _read(notify_settings, "notification-events", 2)]
        )
    finally:
        worker.shutdown()
    failed = [e for e in events if e["type"] == "NotificationFailed"]
    sent = [e for e in events if e["type"] == "NotificationSent"]
    assert [(e["data"]["channel"], e["data"]["attempts"]) for e in failed] == [("sms", 3)]
    assert "gateway answered 500" in failed[0]["data"]["error"]
    assert [e["data"]["channel"] for e in sent] == ["email"]  # the other channel was not held up
    headers = {k: v.decode() for k, v in dlq[0].headers}
    assert headers["dlq-origin-topic"] == "registration-events" and headers["dlq-consumer-group"] == "notify"
    assert headers["dlq-attempts"] == "3" and headers["dlq-channel"] == "sms"
    dead = json.loads(dlq[0].value)
    assert dead["registration_id"] == r and dead["template"] == "confirmed"
    ring = sealed.sealer(notify_settings, sealed.NOTIFY)  # the recipient travels sealed (issue 16)
    assert phone(1) not in dlq[0].value.decode() and ring.open(dead["recipient"]) == phone(1)
    assert gateway.state.snapshot()["requests"] == 3 and gateway.messages == []
    log = {e["channel"]: e for e in Deliveries(redis, settings.redis_prefix, sealer=ring).entries(r)}
    assert log["sms"]["status"] == "failed" and log["sms"]["attempts"] == 3
    assert log["email"]["status"] == "sent"
