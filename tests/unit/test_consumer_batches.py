"""Issue 18: the consumer loop handles a poll batch at once (one dedupe read, one batch handler
call, one mark pipeline, one commit) with the same outcome as record by record; poison or a
failing batch falls back to the record-by-record rules."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st
from kafka import TopicPartition

from shared.envelope import decode, encode
from tests.conftest import waitlisted_event
from tests.unit.test_consumer_caps import TOPIC, Record, _loop


class Counting:
    """Counts the fake Redis calls the loop makes (round trips, with a pipeline as one)."""

    def __init__(self, redis):
        self.redis, self.calls = redis, []

    def __getattr__(self, name):
        self.calls.append(name)
        return getattr(self.redis, name)


def _values(ids, events=None):
    """Encoded events; the same number twice is the same event (a relay re-send)."""
    events = {} if events is None else events
    for i in ids:
        events.setdefault(i, encode(waitlisted_event(f"r{i}")))
    return [events[i] for i in ids]


def _poll(values_by_partition):
    return {
        TopicPartition(TOPIC, p): [Record(TOPIC, p, o, b"k", v) for o, v in enumerate(values)]
        for p, values in values_by_partition.items()
        if values
    }


def _run(polls, batched, premarked=()):
    handled = []
    loop, _ = _loop(lambda env: handled.append(env["event_id"]), f"u-eq-{batched}")
    if batched:
        loop.batch_handler = lambda envs: handled.extend(e["event_id"] for e in envs)
    for eid in premarked:
        loop.dedupe.mark(eid)
    for poll in polls:
        loop._handle_batch(poll)
    marks = {k for k in loop.redis.data if k.startswith(loop.dedupe.key_prefix)}
    return handled, {m[len(loop.dedupe.key_prefix) :] for m in marks}, loop._consumer.commits


@settings(max_examples=200, deadline=None)
@given(
    polls=st.lists(
        st.dictionaries(st.integers(0, 2), st.lists(st.integers(0, 8), max_size=8), max_size=3), max_size=4
    ),
    premarked=st.sets(st.integers(0, 8)),
)
def test_batches_handle_and_mark_the_same_events_as_record_by_record(polls, premarked):
    events: dict[int, bytes] = {}
    batches = [_poll({p: _values(ids, events) for p, ids in poll.items()}) for poll in polls]
    marked = [decode(events[i])["event_id"] for i in premarked if i in events]

    one = _run(batches, batched=False, premarked=marked)
    at_once = _run(batches, batched=True, premarked=marked)
    assert sorted(at_once[0]) == sorted(one[0])
    assert len(set(one[0])) == len(one[0]) and not set(one[0]) & set(marked)  # each once, none pre-marked
    assert at_once[1] == one[1]
    # the same offset committed last for every partition
    assert dict(at_once[2]) == dict(one[2])


def test_a_poll_batch_costs_one_dedupe_read_and_one_mark_pipeline():
    batches_seen = []
    loop, _ = _loop(lambda env: None, "u-rtt")
    loop.batch_handler = batches_seen.append
    loop._handle_batch(_poll({0: _values([100])}))  # the first success clears any old halt note
    loop.redis = loop.dedupe.redis = Counting(loop.redis)
    loop._handle_batch(_poll({0: _values(range(50)), 1: _values(range(50, 80))}))
    assert loop.redis.calls == ["mget", "pipeline"]
    assert [len(b) for b in batches_seen] == [1, 80]
    assert sorted(loop._consumer.commits)[-2:] == [(0, 50), (1, 30)]


def test_duplicates_within_a_batch_reach_the_batch_handler_once():
    got = []
    loop, _ = _loop(lambda env: None, "u-dup")
    loop.batch_handler = got.append
    loop._handle_batch(_poll({0: _values([1, 2, 1, 3, 2])}))
    assert len(got) == 1 and len(got[0]) == 3
    assert loop._consumer.commits == [(0, 5)]


def test_poison_in_a_batch_falls_back_to_record_by_record():
    handled, batch_calls = [], []
    loop, _ = _loop(lambda env: handled.append(env["event_id"]), "u-poison-batch")
    loop.batch_handler = batch_calls.append
    values = _values([1, 2])
    loop._handle_batch(_poll({0: [values[0], b"{not json", values[1]]}))
    assert batch_calls == [] and len(handled) == 2
    assert len(loop._producer.sent) == 1 and loop._consumer.commits == [(0, 3)]


def test_a_failing_batch_is_handled_again_record_by_record():
    handled = []

    def broken_batch(envs):
        raise RuntimeError("a bug only the batch path has")

    loop, sleeps = _loop(lambda env: handled.append(env["event_id"]), "u-broken-batch")
    loop.batch_handler = broken_batch
    loop._handle_batch(_poll({0: _values([1, 2, 3])}))
    assert len(handled) == 3 and sleeps == [] and loop._consumer.commits == [(0, 3)]
    assert all(loop.dedupe.seen(e) for e in handled)
