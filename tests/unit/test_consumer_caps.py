"""The consumer loop's rules, with in-memory fakes: only poison is dead-lettered, a failing handler
halts the loop without committing past its record, and the DLQ rate is capped."""

from __future__ import annotations

import json
from dataclasses import dataclass

import pytest
from kafka import TopicPartition

from shared.config import load
from shared.consumer import EXIT_HALTED, HALTED, ConsumerHalted, ConsumerLoop, TransientError, halt_key
from shared.envelope import PoisonMessage, encode
from tests.conftest import waitlisted_event

TOPIC = "registration-events"


@dataclass
class Record:
    topic: str
    partition: int
    offset: int
    key: bytes
    value: bytes


class FakeRedis:
    def __init__(self):
        self.data = {}

    def exists(self, key):
        return int(key in self.data)

    def set(self, key, value, ex=None):
        self.data[key] = value

    def delete(self, key):
        self.data.pop(key, None)

    def mget(self, keys):
        return [self.data.get(k) for k in keys]

    def pipeline(self, transaction=True):
        return FakePipeline(self)


class FakePipeline:
    """Queues calls and runs them on ``execute`` (the loop marks a batch in one pipeline)."""

    def __init__(self, redis):
        self.redis, self.calls = redis, []

    def __getattr__(self, name):
        return lambda *a, **kw: self.calls.append((name, a, kw))

    def execute(self):
        return [getattr(self.redis, name)(*a, **kw) for name, a, kw in self.calls]


class FakeFuture:
    def get(self, timeout=None):
        return None


class FakeProducer:
    def __init__(self):
        self.sent = []

    def send(self, topic, key=None, value=None, headers=None):
        self.sent.append((topic, value, dict(headers or [])))
        return FakeFuture()


class FakeConsumer:
    def __init__(self):
        self.commits = []

    def commit(self, offsets):
        self.commits.extend((tp.partition, o.offset) for tp, o in offsets.items())


class Clock:
    def __init__(self):
        self.t = 1000.0

    def __call__(self):
        return self.t


def _event(rid):
    return waitlisted_event(rid)


def _records(values, partition=0):
    return [Record(TOPIC, partition, i, b"a1", v) for i, v in enumerate(values)]


def _loop(handler, group, **settings):
    sleeps = []
    loop = ConsumerLoop(
        load(settings, environ={}),
        group,
        [TOPIC],
        handler,
        FakeRedis(),
        backoff_ms=100,
        clock=Clock(),
        sleep=sleeps.append,
    )
    loop._producer, loop._consumer = FakeProducer(), FakeConsumer()
    return loop, sleeps


def _batch(records):
    return {TopicPartition(TOPIC, records[0].partition): records}


def test_a_handler_that_always_raises_halts_without_dead_lettering_or_committing():
    calls = []

    def broken(env):
        calls.append(env["event_id"])
        raise KeyError("a bug in the new deploy")

    loop, sleeps = _loop(broken, "u-broken", consumer_max_retries=3)
    with pytest.raises(ConsumerHalted) as halted:
        loop._handle_batch(_batch(_records([encode(_event(f"r{i}")) for i in range(5)])))
    assert halted.value.code == EXIT_HALTED
    assert len(calls) == 4  # the first try and three retries, all on the first record
    assert sleeps == [0.1, 0.2, 0.4]  # exponential backoff, no real sleeping
    assert loop._producer.sent == [] and loop._consumer.commits == []
    assert HALTED.labels("u-broken")._value.get() == 1
    note = json.loads(loop.redis.data[halt_key(loop.settings.redis_prefix, "u-broken")])
    assert (note["topic"], note["offset"]) == (TOPIC, 0) and "KeyError" in note["why"]


def test_the_records_before_a_failing_one_are_committed_and_it_is_not():
    def fails_on_r2(env):
        if env["data"]["registration_id"] == "r2":
            raise RuntimeError("boom")

    loop, _ = _loop(fails_on_r2, "u-prefix", consumer_max_retries=1)
    with pytest.raises(ConsumerHalted):
        loop._handle_batch(_batch(_records([encode(_event(f"r{i}")) for i in range(4)])))
    assert loop._consumer.commits == [(0, 2)]  # r0 and r1 handled; r2 is read again after the fix


def test_a_flaky_handler_is_retried_in_place_and_not_dead_lettered():
    failures = {"left": 2}

    def flaky(env):
        if failures["left"]:
            failures["left"] -= 1
            raise TransientError("provider said 503")

    loop, sleeps = _loop(flaky, "u-flaky", consumer_max_retries=3)
    ev = _event("r-flaky")
    loop._handle_batch(_batch(_records([encode(ev)])))
    assert sleeps == [0.1, 0.2] and loop._producer.sent == []
    assert loop.dedupe.seen(ev["event_id"]) and loop._consumer.commits == [(0, 1)]


def test_a_halt_noted_earlier_is_cleared_by_the_next_success():
    loop, _ = _loop(lambda env: None, "u-clear")
    loop.redis.data[halt_key(loop.settings.redis_prefix, "u-clear")] = b"{}"
    HALTED.labels("u-clear").set(1)
    loop._handle_batch(_batch(_records([encode(_event("r-ok"))])))
    assert halt_key(loop.settings.redis_prefix, "u-clear") not in loop.redis.data
    assert HALTED.labels("u-clear")._value.get() == 0


def test_too_large_a_share_of_recent_records_needing_retries_halts():
    """Every other record fails once, then succeeds: no record exhausts its retries, but half of
    the recent records needing a retry is a broken deploy, not bad luck."""
    tries = {}

    def every_other_fails_once(env):
        rid = env["data"]["registration_id"]
        tries[rid] = tries.get(rid, 0) + 1
        if int(rid[1:]) % 2 and tries[rid] == 1:
            raise RuntimeError("half broken")

    loop, _ = _loop(
        every_other_fails_once,
        "u-share",
        consumer_max_retries=5,
        consumer_failure_window=10,
        consumer_halt_failure_share=0.5,
    )
    with pytest.raises(ConsumerHalted, match="50% of the last 10"):
        loop._handle_batch(_batch(_records([encode(_event(f"r{i}")) for i in range(30)])))
    # r0..r10 handled; r11 halts it: r3, r5, r7, r9 and r11 are 5 of the last 10 records
    assert loop._consumer.commits == [(0, 11)]
    assert loop._producer.sent == []


def test_a_low_share_of_retried_records_does_not_halt():
    tries = {}

    def one_in_five_fails_once(env):
        rid = env["data"]["registration_id"]
        tries[rid] = tries.get(rid, 0) + 1
        if int(rid[1:]) % 5 == 0 and tries[rid] == 1:
            raise RuntimeError("a hiccup")

    loop, _ = _loop(one_in_five_fails_once, "u-low", consumer_failure_window=10)
    loop._handle_batch(_batch(_records([encode(_event(f"r{i}")) for i in range(40)])))
    assert loop._consumer.commits == [(0, 40)]


@pytest.mark.parametrize(
    "value, why",
    [
        (b"{not json", b"not JSON"),
        (encode(dict(_event("r"), type="NoSuchType")), b"unknown event type"),
        (encode(dict(_event("r"), data={"registration_id": 5})), b"bad data"),
    ],
    ids=["undecodable", "unknown-type", "schema-invalid"],
)
def test_only_poison_goes_to_the_dlq(value, why):
    handled = []
    loop, _ = _loop(lambda env: handled.append(env), "u-poison")
    loop._handle_batch(_batch(_records([value])))
    [(topic, sent, headers)] = loop._producer.sent
    assert topic.endswith(f"{TOPIC}-dlq") and sent == value and why in headers["dlq-error"]
    assert handled == [] and loop._consumer.commits == [(0, 1)]


def test_a_newer_version_is_parked_not_dead_lettered():
    """Issue 24: a version this consumer does not know yet is early, not poison."""
    handled = []
    loop, _ = _loop(lambda env: handled.append(env), "u-parks")
    newer = encode(dict(_event("r"), version=9))
    loop._handle_batch(_batch(_records([newer])))
    [(topic, sent, headers)] = loop._producer.sent
    assert topic.endswith(f"{TOPIC}-parked") and sent == newer
    assert headers["parked-consumer-group"] == b"u-parks" and b"newer than" in headers["parked-reason"]
    assert handled == [] and loop._consumer.commits == [(0, 1)]


def test_a_handler_may_declare_a_record_poison():
    def rejects(env):
        raise PoisonMessage("activity id does not match its data")

    loop, _ = _loop(rejects, "u-rejects")
    loop._handle_batch(_batch(_records([encode(_event("r"))])))
    [(_t, _v, headers)] = loop._producer.sent
    assert b"rejected by the handler" in headers["dlq-error"]


def test_the_dlq_rate_is_capped_and_the_window_slides():
    loop, _ = _loop(lambda env: None, "u-dlq-rate", consumer_dlq_max=3, consumer_dlq_window_s=60)
    clock = loop.clock
    loop._handle_batch(_batch(_records([b"x"] * 3)))
    assert len(loop._producer.sent) == 3
    clock.t += 59
    with pytest.raises(ConsumerHalted, match="more than 3 poison records within 60s"):
        loop._handle_batch(_batch([Record(TOPIC, 0, 3, b"a1", b"y")]))
    assert len(loop._producer.sent) == 3 and loop._consumer.commits == [(0, 3)]  # the 4th stays
    clock.t += 1.5  # the first three fall out of the window
    loop._handle_batch(_batch([Record(TOPIC, 0, 3, b"a1", b"y")]))
    assert len(loop._producer.sent) == 4 and loop._consumer.commits[-1] == (0, 4)
