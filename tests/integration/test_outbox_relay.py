"""A 201 is durable in Redis; the relay moves its event to Kafka, also after the broker was down."""

from __future__ import annotations

import json
import threading
import time

from kafka import KafkaAdminClient, KafkaConsumer
from kafka.errors import KafkaTimeoutError

from services.registration.catalogue import activities
from services.registration.seats.store import SeatStore
from services.registration.web.schemas import ActivityIn
from shared.outbox import Relay, cursor_key, stream_key
from shared.tickets import new_registration_id
from shared.topics import ensure_topics
from tests.conftest import activity_doc, distinct_events, wait_for


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
    return distinct_events(out)  # at least once on the topic; once each after dedupe


def test_a_trickle_is_gathered_for_the_linger_and_sent_in_one_step(settings, redis):
    """A step that read less than a full batch waits relay_linger_ms and takes what came meanwhile."""
    store = SeatStore(redis, settings)
    _seed(store, "relay-linger")
    first = store.reserve(_reg("relay-linger", "13800009001"), "")[1]
    relay = Relay(settings.with_overrides(relay_linger_ms=50), redis)
    relay.ensure_topics()
    from shared.kafka import make_producer

    relay.producer = make_producer(settings)
    later = []
    relay.sleep = lambda s: later.append((s, store.reserve(_reg("relay-linger", "13800009002"), "")[1]))
    assert relay.hold_lease()
    assert relay.step() == 3  # ActivityPublished, the first, and the one that came in the linger
    assert [s for s, _ in later] == [0.05]
    got = [e["data"]["registration_id"] for e in _topic_events(settings, "registration-events")]
    assert got[-2:] == [first, later[0][1]]
    relay.sleep = lambda s: (_ for _ in ()).throw(AssertionError("no linger without entries"))
    assert relay.step() == 0
    relay.producer.close()


def test_relay_moves_outbox_entries_to_their_topics_in_order(settings, redis):
    store = SeatStore(redis, settings)
    _seed(store)
    rids = [store.reserve(_reg("relay-imax", f"1380000{i:04d}"), "")[1] for i in range(5)]
    relay = Relay(settings, redis)
    relay.ensure_topics()
    from shared.kafka import make_producer

    relay.producer = make_producer(settings)
    assert relay.hold_lease()  # a step relays only under the lease
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
    assert relay.hold_lease()
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


class _SlowBroker:
    """Wraps the relay's producer: ``flush`` acts like a broker that does not answer until the
    test opens the gate (each call waits its timeout, then times out, as kafka-python does)."""

    def __init__(self, producer, gate):
        self.producer, self.gate = producer, gate
        self.waiting = threading.Event()
        self.sent = 0
        self.closed = False

    def send(self, *args, **kwargs):
        self.sent += 1
        return self.producer.send(*args, **kwargs)

    def flush(self, timeout=None):
        self.waiting.set()
        if not self.gate.wait(timeout):
            raise KafkaTimeoutError("slow broker")
        self.producer.flush(timeout=10)

    def close(self, timeout=None):
        self.closed = True
        self.producer.close(timeout=5)


def _fill(settings, redis, stream, n):
    key = stream_key(settings, stream)
    for i in range(n):  # the relay moves bytes; what they say does not matter here
        envelope = json.dumps({"event_id": f"{stream}-{i}"}).encode()
        redis.xadd(key, {"topic": "activity-events", "key": f"lease-{i}", "envelope": envelope})
    return [e[0] for e in redis.xrange(key)]


def _step_in_thread(relay):
    box = {}
    t = threading.Thread(target=lambda: box.setdefault("moved", relay.step()), daemon=True)
    t.start()
    return t, box


def test_a_relay_slowed_past_its_lease_keeps_it_and_a_second_relay_stays_out(settings, redis):
    stream = "lease1:outbox"
    ids = _fill(settings, redis, stream, 3)
    a = Relay(settings, redis, stream=stream, lease_ms=300, block_ms=10)
    b = Relay(settings, redis, stream=stream, lease_ms=300, block_ms=10)
    a.ensure_topics()
    gate = threading.Event()
    a.producer = slow = _SlowBroker(a._new_producer(), gate)
    assert a.hold_lease()
    t, box = _step_in_thread(a)
    try:
        assert slow.waiting.wait(10), "the step never reached the broker"
        # The broker stalls for several lease lengths; the second relay keeps trying meanwhile.
        tries = []
        stalled_until = time.monotonic() + 4 * a.lease_ms / 1000
        while time.monotonic() < stalled_until:
            tries.append(b.hold_lease())
            time.sleep(0.02)
        assert len(tries) > 10 and not any(tries), "a second relay got in while the first was mid-step"
    finally:
        gate.set()
        t.join(15)
    assert box["moved"] == 3
    assert redis.get(cursor_key(settings, stream)) == ids[-1]
    assert b.hold_lease() is False  # the first relay still holds it after its step
    slow.close()


def test_a_relay_that_lost_its_lease_while_paused_stops_before_producing(settings, redis):
    stream = "lease2:outbox"
    ids = _fill(settings, redis, stream, 2)
    a = Relay(settings, redis, stream=stream, block_ms=10)
    b = Relay(settings, redis, stream=stream, block_ms=10)
    a.ensure_topics()
    a.producer = slow = _SlowBroker(a._new_producer(), threading.Event())
    slow.gate.set()
    assert a.hold_lease()
    redis.delete(a.lease_key)  # a paused past its lease (a GC pause, SIGSTOP) ...
    assert b.hold_lease()  # ... and b took over
    assert a.step() == 0
    assert slow.sent == 0  # nothing produced by the relay without the lease
    assert redis.get(cursor_key(settings, stream)) is None
    b.producer = b._new_producer()
    assert b.step() == 2 and redis.get(cursor_key(settings, stream)) == ids[-1]
    b.producer.close()
    a.producer.close()


def test_a_relay_that_loses_its_lease_mid_step_gives_the_batch_up_without_moving_the_cursor(settings, redis):
    from prometheus_client import REGISTRY

    stream = "lease3:outbox"
    _fill(settings, redis, stream, 2)
    a = Relay(settings, redis, stream=stream, lease_ms=300, block_ms=10)
    b = Relay(settings, redis, stream=stream, lease_ms=300, block_ms=10)
    a.ensure_topics()
    a.producer = slow = _SlowBroker(a._new_producer(), threading.Event())
    assert a.hold_lease()
    t, box = _step_in_thread(a)
    try:
        assert slow.waiting.wait(10)
        redis.delete(a.lease_key)  # the lease lapsed (say Redis lost it) and b took over
        assert b.hold_lease()
        t.join(15)
    finally:
        slow.gate.set()
    assert box["moved"] == 0
    assert slow.closed and a.producer is not slow  # its buffer dropped, a fresh producer
    assert redis.get(cursor_key(settings, stream)) is None
    lost = REGISTRY.get_sample_value("sciday_outbox_lease_lost_total", {"stream": stream})
    assert lost == 1.0
    a.producer.close()


class _DownThenBack:
    """A producer whose broker is away: sends are buffered and flushes time out until ``back``;
    then the buffer is acknowledged, as kafka-python delivers it once the broker returns."""

    def __init__(self):
        from kafka.future import Future

        self.future, self.sent, self.back = Future, 0, False
        self.buffered: list = []

    def send(self, topic, key=None, headers=None, value=None):
        self.sent += 1
        f = self.future()
        self.buffered.append(f)
        return f

    def flush(self, timeout=None):
        if not self.back:
            raise KafkaTimeoutError("broker away")
        for f in self.buffered:
            f.success(None)
        self.buffered = []

    def close(self, timeout=None):
        pass


def test_an_outage_never_buffers_a_second_copy_of_a_batch(settings, redis):
    """Each failed step used to send the batch again into the producer's buffer, and every copy
    was delivered when the broker came back (the broker drill's re-send storm)."""
    stream = "outage1:outbox"
    ids = _fill(settings, redis, stream, 3)
    relay = Relay(settings, redis, stream=stream, block_ms=10)
    relay.step_budget_s, relay.sleep = 0.05, lambda s: None
    relay.ensure_topics = lambda timeout_s=0: None  # the broker is away
    relay.producer = down = _DownThenBack()
    assert relay.hold_lease()
    for _ in range(4):  # four steps during the outage
        assert relay.step() == 0
    assert down.sent == 3  # one copy of the batch, kept in the buffer
    assert redis.get(cursor_key(settings, stream)) is None
    down.back = True
    assert relay.step() == 3  # acknowledged: the cursor moves, nothing was sent twice
    assert down.sent == 3 and redis.get(cursor_key(settings, stream)) == ids[-1]
