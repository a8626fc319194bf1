"""shared/lag.py on the real Redis and broker (issue 24): what a relay has not sent is what lies
after its cursor, aged by its oldest entry; what a consumer group has not committed is the end
offsets minus its commits. The workers' metrics and the operator's CLI both read these."""

from __future__ import annotations

import json
import time

from shared.consumer import ConsumerLoop
from shared.kafka import make_producer, security
from shared.lag import consumer_lag, outbox_lag
from shared.outbox import cursor_key, stream_key
from shared.topics import ensure_topics
from tests.conftest import wait_for


def test_outbox_lag_counts_what_lies_after_the_cursor(settings, redis):
    key = stream_key(settings)
    now_ms = int(time.time() * 1000)
    ids = [
        redis.xadd(key, {"topic": "activity-events", "envelope": b"{}"}, id=f"{now_ms - s * 1000}-0")
        for s in (30, 20, 10)
    ]
    assert outbox_lag(redis, settings, now=now_ms / 1000).entries == 3
    redis.set(cursor_key(settings), ids[0])  # the first one was sent
    behind = outbox_lag(redis, settings, now=now_ms / 1000)
    assert (behind.entries, behind.age_s) == (2, 20.0)
    redis.set(cursor_key(settings), ids[-1])
    assert outbox_lag(redis, settings, now=now_ms / 1000) == type(behind)("outbox", 0, 0.0)


def test_consumer_lag_is_what_the_group_has_not_committed(settings, redis):
    ensure_topics(settings.kafka_bootstrap_servers, settings.topic_prefix, client_config=security(settings))
    producer = make_producer(settings)
    for i in range(3):
        producer.send(
            settings.topic_prefix + "activity-events", key=b"lag", value=json.dumps({"i": i}).encode()
        )
    producer.flush(10)
    producer.close(5)
    assert consumer_lag(settings, "lag-probe", ["activity-events"]) == {"activity-events": 3}
    seen: list[dict] = []
    loop = ConsumerLoop(settings, "lag-probe", ["activity-events"], seen.append, redis)
    # The records are not envelopes: the loop dead-letters them and commits past them.
    wait_for(
        lambda: (
            loop.run(max_batches=1)
            or consumer_lag(settings, "lag-probe", ["activity-events"])["activity-events"] == 0
        ),
        timeout=60,
        what="committed",
    )


def test_a_consumer_loop_reports_its_members_lag(settings, redis, monkeypatch):
    from prometheus_client import REGISTRY

    from shared import consumer

    monkeypatch.setattr(consumer, "LAG_EVERY_S", 0.0)  # look at every poll, not every 10 s
    ensure_topics(settings.kafka_bootstrap_servers, settings.topic_prefix, client_config=security(settings))
    producer = make_producer(settings)
    for i in range(3):  # one key: one partition
        producer.send(
            settings.topic_prefix + "activity-events", key=b"lag", value=json.dumps({"i": i}).encode()
        )
    producer.flush(10)
    producer.close(5)
    loop = ConsumerLoop(
        settings,
        "lag-member",
        ["activity-events"],
        lambda _e: None,
        redis,
        consumer_overrides={"max_poll_records": 1},
    )
    loop.run(max_batches=1)  # one record handled, two fetched but not yet read
    assert REGISTRY.get_sample_value("sciday_consumer_lag_records", {"group": "lag-member"}) == 2
