"""The shared consumer loop against the real broker: DLQ, dedupe, retries, commit-after-handle."""

from __future__ import annotations

import json
import threading

import pytest
from kafka import KafkaConsumer

from shared.consumer import ConsumerLoop, TransientError
from shared.envelope import encode, new_event
from shared.kafka import make_producer
from shared.topics import ensure_topics
from tests.conftest import wait_for, waitlisted_event


def _event(aid="a1", rid="r1"):
    return waitlisted_event(rid, aid, party_size=2, name="李四")


def _send(settings, topic, value: bytes, key=b"a1"):
    producer = make_producer(settings)
    producer.send(settings.topic_prefix + topic, key=key, value=value).get(timeout=10)
    producer.close()


def _reader(settings, topic, quiet_ms):
    """Reads ``topic`` from the start; iteration ends after ``quiet_ms`` without a record."""
    return KafkaConsumer(
        settings.topic_prefix + topic,
        bootstrap_servers=settings.kafka_bootstrap_servers,
        auto_offset_reset="earliest",
        enable_auto_commit=False,
        group_id=None,
        consumer_timeout_ms=quiet_ms,
    )


def _read_all(settings, topic, expect: int, timeout=20.0):
    consumer = _reader(settings, topic, 500)
    got = []
    wait_for(
        lambda: got.extend(list(consumer)) or len(got) >= expect,
        timeout=timeout,
        what=f"{expect} records on {topic}",
    )
    consumer.close()
    return got


def _run_in_thread(loop: ConsumerLoop):
    t = threading.Thread(target=loop.run, daemon=True)
    t.start()
    return t


@pytest.fixture
def topics(settings):
    ensure_topics(settings.kafka_bootstrap_servers, settings.topic_prefix)


def test_poison_message_goes_to_dlq_and_the_loop_goes_on(settings, redis, topics):
    handled = []
    loop = ConsumerLoop(
        settings, "g-poison", ["registration-events"], lambda env: handled.append(env["event_id"]), redis
    )
    good = _event(rid="r-after-poison")
    _send(settings, "registration-events", b"{not json")
    _send(settings, "registration-events", encode(dict(_event(), type="NoSuchType")))
    _send(settings, "registration-events", encode(good))
    t = _run_in_thread(loop)
    try:
        wait_for(lambda: good["event_id"] in handled, what="the good event after two poison ones")
        dlq = _read_all(settings, "registration-events-dlq", expect=2)
        headers = [dict(r.headers) for r in dlq]
        assert {h["dlq-origin-topic"] for h in headers} == {b"registration-events"}
        assert all(h["dlq-consumer-group"] == b"g-poison" for h in headers)
        assert any(b"not JSON" in h["dlq-error"] for h in headers)
        assert any(b"unknown event type" in h["dlq-error"] for h in headers)
        assert b"{not json" in {r.value for r in dlq}
        assert handled == [good["event_id"]]
    finally:
        loop.stopping = True
        t.join(15)


def test_a_redelivered_event_is_handled_once(settings, redis, topics):
    handled = []
    ev = _event(rid="r-dup")
    _send(settings, "registration-events", encode(ev))
    _send(settings, "registration-events", encode(ev))  # a relay re-send after a crash
    loop = ConsumerLoop(
        settings, "g-dup", ["registration-events"], lambda env: handled.append(env["event_id"]), redis
    )
    t = _run_in_thread(loop)
    try:
        wait_for(lambda: loop.dedupe.seen(ev["event_id"]), what="the event handled")
        # A new member of another generation re-reads from the start (offsets lost): still once.
    finally:
        loop.stopping = True
        t.join(15)
    loop2 = ConsumerLoop(
        settings, "g-dup-again", ["registration-events"], lambda env: handled.append(env["event_id"]), redis
    )
    loop2.dedupe = loop.dedupe  # same group identity for dedupe, fresh offsets
    t2 = _run_in_thread(loop2)
    try:
        from shared.consumer import DUPLICATES

        wait_for(
            lambda: DUPLICATES.labels("g-dup-again")._value.get() >= 2, what="both copies seen and skipped"
        )
    finally:
        loop2.stopping = True
        t2.join(15)
    assert handled == [ev["event_id"]]


def test_transient_failures_are_retried_in_place_and_never_dead_lettered(settings, redis, topics):
    calls = {"flaky": 0, "after": 0}
    flaky, after = _event(rid="r-flaky"), _event(rid="r-after")

    def handler(env):
        key = "flaky" if env["data"]["registration_id"] == "r-flaky" else "after"
        calls[key] += 1
        if key == "flaky" and calls[key] < 3:
            raise TransientError("provider said 503")

    loop = ConsumerLoop(
        settings, "g-retry", ["registration-events"], handler, redis, max_retries=3, backoff_ms=10
    )
    _send(settings, "registration-events", encode(flaky))
    _send(settings, "registration-events", encode(after))
    t = _run_in_thread(loop)
    try:
        wait_for(lambda: loop.dedupe.seen(after["event_id"]), what="the record after the flaky one")
        assert calls == {"flaky": 3, "after": 1}  # two failures, then success; order kept
        assert loop.dedupe.seen(flaky["event_id"]) and t.is_alive()
        assert _dead_lettered("g-retry") == 0.0
    finally:
        loop.stopping = True
        t.join(15)


def _dead_lettered(group):
    from prometheus_client import REGISTRY

    value = REGISTRY.get_sample_value(
        "sciday_events_dead_lettered_total", {"group": group, "topic": "registration-events"}
    )
    return value or 0.0


def _committed(settings, group, topic):
    """The group's committed offsets per partition of ``topic`` (None where nothing was committed)."""
    from kafka import TopicPartition

    c = KafkaConsumer(
        bootstrap_servers=settings.kafka_bootstrap_servers,
        group_id=settings.topic_prefix + group,
        enable_auto_commit=False,
    )
    try:
        parts = c.partitions_for_topic(settings.topic_prefix + topic) or set()
        return {p: c.committed(TopicPartition(settings.topic_prefix + topic, p)) for p in parts}
    finally:
        c.close()


def test_a_broken_deploy_halts_and_does_not_drain_the_topic_into_the_dlq(settings, redis, topics):
    """A handler that always raises: the loop halts on the first record, dead-letters nothing and
    commits nothing; the fixed handler in the same group then handles every record exactly once."""
    from shared.consumer import HALTED, ConsumerHalted, halt_key

    group = "g-broken-deploy"
    sent = [_event(rid=f"r-bd-{i}") for i in range(6)]
    for ev in sent:
        _send(settings, "registration-events", encode(ev))
    attempts = []

    def broken(env):
        attempts.append(env["event_id"])
        raise AttributeError("'NoneType' object has no attribute 'phone'")

    loop = ConsumerLoop(settings, group, ["registration-events"], broken, redis, max_retries=2, backoff_ms=5)
    with pytest.raises(ConsumerHalted) as halted:
        loop.run()
    assert halted.value.code == 3  # the process exits non-zero: the supervisor restarts it
    assert set(attempts) == {sent[0]["event_id"]} and len(attempts) == 3  # stuck on the first
    assert HALTED.labels(group)._value.get() == 1
    assert redis.get(halt_key(settings.redis_prefix, group)) is not None
    noted = f'sciday_consumer_halt_noted{{group="{group}"}} 1.0'
    assert noted in _web_metrics(settings, redis)  # scraped from any web service, the process gone
    assert _dead_lettered(group) == 0.0
    # the same reader sees the source topic's records (at least once each), so an empty DLQ is real
    assert {json.loads(r.value)["event_id"] for r in _read_topic(settings, "registration-events")} >= {
        ev["event_id"] for ev in sent
    }
    assert _read_topic(settings, "registration-events-dlq") == []
    assert set(_committed(settings, group, "registration-events").values()) == {None}

    handled = []
    fixed = ConsumerLoop(
        settings, group, ["registration-events"], lambda env: handled.append(env["event_id"]), redis
    )
    t = _run_in_thread(fixed)
    try:
        wait_for(lambda: len(handled) >= len(sent), what="every record handled after the fix")
        wait_for(
            lambda: redis.get(halt_key(settings.redis_prefix, group)) is None, what="the halt note cleared"
        )
    finally:
        fixed.stopping = True
        t.join(15)
    assert sorted(handled) == sorted(ev["event_id"] for ev in sent)  # each once, none lost
    assert noted not in _web_metrics(settings, redis)
    assert HALTED.labels(group)._value.get() == 0
    assert _read_topic(settings, "registration-events-dlq") == []


def _web_metrics(settings, redis) -> str:
    from shared.web import make_app

    app, _api = make_app("t", settings, title="t", description="t", redis_client=redis)
    return app.test_client().get("/metrics").get_data(as_text=True)


def _read_topic(settings, topic):
    """What a topic holds now: read from the start until a poll brings nothing."""
    c = _reader(settings, topic, 1500)
    try:
        return list(c)
    finally:
        c.close()


def test_offsets_are_committed_only_after_handling(settings, redis, topics):
    """A member that dies mid-batch leaves the unhandled records to the next member."""
    first = [_event(rid=f"r{i}") for i in range(5)]
    for ev in first:
        _send(settings, "registration-events", encode(ev))
    seen = []

    def dies_on_third(env):
        if env["data"]["registration_id"] == "r2":
            raise SystemExit("simulated crash before handling r2")
        seen.append(env["data"]["registration_id"])

    loop = ConsumerLoop(settings, "g-commit", ["registration-events"], dies_on_third, redis)
    with pytest.raises(SystemExit):
        loop.run()
    resumed = []
    loop2 = ConsumerLoop(
        settings,
        "g-commit",
        ["registration-events"],
        lambda env: resumed.append(env["data"]["registration_id"]),
        redis,
    )
    t = _run_in_thread(loop2)
    try:
        wait_for(lambda: "r4" in resumed, what="the rest handled by the next member")
    finally:
        loop2.stopping = True
        t.join(15)
    assert seen == ["r0", "r1"]
    # r0 and r1 may be redelivered (the crash came before the commit) but are skipped by dedupe.
    assert resumed == ["r2", "r3", "r4"]
