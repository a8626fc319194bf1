"""Redis SIGKILLed and restarted under a running consumer loop and relay thread.

A store outage is not the message's fault: the loop waits for Redis and handles the same record
when it is back, never dead-letters it; a relay running as a thread keeps going.
The servers here are real: a private redis-server (so the shared one stays up) and the Tansu broker.
"""

from __future__ import annotations

import json
import signal
import threading
import time

import pytest
from kafka import KafkaConsumer
from prometheus_client import REGISTRY

from sciday import embedded
from shared.consumer import ConsumerLoop
from shared.envelope import encode, new_event
from shared.kafka import make_producer
from shared.outbox import Relay, stream_key
from shared.redis_scripts import connect
from shared.topics import ensure_topics
from tests.conftest import wait_for, waitlisted_event


@pytest.fixture
def private_redis(tmp_path):
    port = embedded.free_port()
    box = {"port": port, "dir": tmp_path / "redis"}
    box["proc"] = embedded.start_redis(port, box["dir"], tmp_path / "redis.log")
    box["client"] = connect(f"redis://127.0.0.1:{port}/0", socket_timeout=1, socket_connect_timeout=0.5)
    yield box
    embedded.stop(box["proc"])


def _kill(box):
    box["proc"].send_signal(signal.SIGKILL)
    box["proc"].wait(5)


def _restart(box, tmp_path):
    box["proc"] = embedded.start_redis(box["port"], box["dir"], tmp_path / "redis.log")


def _answers(r) -> bool:
    try:
        return bool(r.ping())
    except Exception:  # still loading its AOF
        return False


def _event(rid):
    return waitlisted_event(rid)


def _dead_lettered(group):
    return (
        REGISTRY.get_sample_value(
            "sciday_events_dead_lettered_total", {"group": group, "topic": "registration-events"}
        )
        or 0.0
    )


def test_consumer_waits_out_a_redis_restart_and_dead_letters_nothing(settings, private_redis, tmp_path):
    ensure_topics(settings.kafka_bootstrap_servers, settings.topic_prefix)
    r = private_redis["client"]
    group = f"g-outage-{settings.redis_prefix.rstrip(':')}"

    def handler(env):  # a real write, which fails while Redis is away
        r.hset("handled", env["data"]["registration_id"], env["event_id"])

    # One retry, 10 ms apart: before the fix a store outage exhausted these at once and
    # dead-lettered the record (or crashed the loop on the dedupe read).
    loop = ConsumerLoop(settings, group, ["registration-events"], handler, r, max_retries=1, backoff_ms=10)
    thread = threading.Thread(target=loop.run, daemon=True)
    thread.start()
    producer = make_producer(settings)

    def send(ev):
        return producer.send(
            settings.topic_prefix + "registration-events",
            key=b"a1",
            value=encode(ev),
        ).get(timeout=10)

    try:
        send(_event("before"))
        wait_for(lambda: r.hget("handled", "before"), timeout=30, what="the first event handled")
        _kill(private_redis)
        during = [_event(f"during-{i}") for i in range(5)]
        for ev in during:
            send(ev)
        wait_for(  # the loop meets the outage many times over
            lambda: (
                (REGISTRY.get_sample_value("sciday_events_store_waits_total", {"group": group}) or 0) >= 5
            ),
            timeout=30,
            what="the consumer loop waiting for redis",
        )
        assert thread.is_alive(), "the consumer loop died with Redis"
        _restart(private_redis, tmp_path)
        wait_for(
            lambda: all(r.hget("handled", ev["data"]["registration_id"]) for ev in during),
            timeout=30,
            what="the events sent during the outage handled after it",
        )
        assert _dead_lettered(group) == 0.0
        assert REGISTRY.get_sample_value("sciday_events_store_waits_total", {"group": group}) >= 1
        assert all(loop.dedupe.seen(ev["event_id"]) for ev in during)
    finally:
        producer.close()
        loop.stopping = True
        thread.join(15)


def test_relay_thread_outlives_a_redis_restart(settings, private_redis, tmp_path):
    ensure_topics(settings.kafka_bootstrap_servers, settings.topic_prefix)
    r = private_redis["client"]
    relay = Relay(settings, r, stream="t:outbox", block_ms=50)
    stop = threading.Event()
    thread = threading.Thread(target=relay.run, args=(stop,), daemon=True)
    thread.start()
    key = stream_key(settings, "t:outbox")

    def put(rid):
        ev = _event(rid)
        r.xadd(key, {"topic": "registration-events", "key": "a1", "envelope": encode(ev)})

    consumer = KafkaConsumer(
        settings.topic_prefix + "registration-events",
        bootstrap_servers=settings.kafka_bootstrap_servers,
        group_id=None,
        auto_offset_reset="earliest",
        consumer_timeout_ms=300,
    )
    got: list[str] = []

    def arrived(rid):
        got.extend(json.loads(m.value)["data"]["registration_id"] for m in consumer)
        return rid in got

    try:
        put("first")
        wait_for(lambda: arrived("first"), timeout=30, what="the first entry relayed")
        _kill(private_redis)
        wait_for(
            lambda: (
                (REGISTRY.get_sample_value("sciday_outbox_store_waits_total", {"stream": "t:outbox"}) or 0)
                >= 1
            ),
            timeout=30,
            what="the relay waiting for redis",
        )
        assert thread.is_alive(), "the relay thread died with Redis"
        _restart(private_redis, tmp_path)
        wait_for(lambda: _answers(r), timeout=10, what="redis back")
        put("after")
        wait_for(lambda: arrived("after"), timeout=30, what="an entry written after the restart relayed")
        assert got.count("first") >= 1 and got.count("after") >= 1  # at least once on the topic
    finally:
        consumer.close()
        stop.set()
        thread.join(15)


def test_a_replica_during_failover_is_an_outage_waited_out_not_poison(settings, private_redis, tmp_path):
    """Redis 6 reports a Lua write on a replica as a generic script error; the script loader turns
    it into ReadOnlyError, so the loop waits for the promotion instead of dead-lettering."""
    from pathlib import Path

    import redis as redis_lib

    from shared.redis_scripts import OUTAGE, Scripts

    ensure_topics(settings.kafka_bootstrap_servers, settings.topic_prefix)
    r = private_redis["client"]
    folder = tmp_path / "lua"
    folder.mkdir()
    (folder / "mark.lua").write_text("return redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])\n")
    scripts = Scripts(r, Path(folder), ["mark"])
    group = f"g-replica-{settings.redis_prefix.rstrip(':')}"

    def handler(env):
        scripts.mark(keys=["handled"], args=[env["data"]["registration_id"], env["event_id"]])

    ev = _event("during-failover")
    r.replicaof("127.0.0.1", embedded.free_port())  # demoted: a replica of a master not yet there
    with pytest.raises(redis_lib.exceptions.ReadOnlyError):
        scripts.mark(keys=["handled"], args=["x", "y"])
    assert issubclass(redis_lib.exceptions.ReadOnlyError, OUTAGE)
    loop = ConsumerLoop(settings, group, ["registration-events"], handler, r, max_retries=0, backoff_ms=10)
    thread = threading.Thread(target=loop.run, daemon=True)
    thread.start()
    producer = make_producer(settings)
    try:
        producer.send(settings.topic_prefix + "registration-events", key=b"a1", value=encode(ev)).get(10)
        wait_for(
            lambda: (
                (REGISTRY.get_sample_value("sciday_events_store_waits_total", {"group": group}) or 0) >= 3
            ),
            timeout=30,
            what="the loop meeting the read-only replica",
        )
        assert thread.is_alive(), "the consumer loop halted or died on a read-only replica"
        r.replicaof("NO", "ONE")  # promoted
        wait_for(lambda: r.hget("handled", "during-failover"), timeout=30, what="handled after promotion")
        assert _dead_lettered(group) == 0.0
    finally:
        producer.close()
        loop.stopping = True
        thread.join(15)
