"""Fault drills: each drill gets a whole stack of its own (its own redis-server and broker, since
some drills restart them), runs a registration rush, breaks something, and checks the promises.

The broker is Apache Kafka (one KRaft node; ``cluster_drill``: three) unless
``SCIDAY_TEST_BROKER=tansu`` or Java is missing (see tests/conftest.py)."""

from __future__ import annotations

import json
import random
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import pytest
import requests

from sciday import embedded, kafka_broker
from sciday.stack import Stack, StackOptions
from services.checkin.projection import Projection
from services.registration.seats.store import SeatStore
from shared.auth import create_token
from shared.redis_scripts import connect
from tests.conftest import ROOT, TEST_BROKER, activity_doc, say, wait_for

DRILL_ENV = {
    "SCIDAY_RATE_LIMIT_IP_PER_MIN": "0",
    "SCIDAY_RATE_LIMIT_PHONE_PER_MIN": "0",
    "SCIDAY_REQUIRE_VERIFIED_PHONE": "0",  # suites from before verified phones (issue 14)
    "SCIDAY_NOTIFY_SMS_PER_S": "400",
    "SCIDAY_NOTIFY_EMAIL_PER_S": "400",
}


class Supervisor(threading.Thread):
    """Restarts dead children the way `sciday up` does while a drill runs."""

    def __init__(self, stack):
        super().__init__(daemon=True)
        self.stack, self.stopped = stack, threading.Event()

    def run(self):
        while not self.stopped.is_set():
            self.stack.supervise_once()
            time.sleep(0.1)


def drill_stack(tmp_path, broker: str, kafka: str | None = None, extra_env: dict | None = None) -> Stack:
    """A whole stack for one drill: its own redis-server, and its own broker unless ``kafka``."""
    opts = StackOptions(
        var_dir=tmp_path / "var",
        redis_port=embedded.free_port(),
        kafka_port=embedded.free_port(),
        kafka=kafka,
        broker=broker,
        registration_port=embedded.free_port(),
        checkin_port=embedded.free_port(),
        notify_port=embedded.free_port(),
        workers=2,
        threads=4,
        seed=False,
        extra_env={**DRILL_ENV, **embedded.TEST_CLIENT_ENV[broker], **(extra_env or {})},
    )
    return Stack(opts, out=open(tmp_path / "stack.out", "w"))


@contextmanager
def supervised(stack: Stack):
    stack.start()
    sup = Supervisor(stack)
    try:
        assert stack.wait_healthy(90), stack.status_table()
        sup.start()
        yield Drill(stack)
    finally:
        sup.stopped.set()
        if sup.is_alive():  # not started when the stack never became healthy: keep that error
            sup.join(2)
        stack.stop()


@pytest.fixture(scope="session")
def drill_broker():
    return embedded.choose_broker(TEST_BROKER, say)


@pytest.fixture
def drill(tmp_path, drill_broker):
    with supervised(drill_stack(tmp_path, drill_broker)) as d:
        yield d


@pytest.fixture
def kafka_cluster(tmp_path):
    """Three Apache Kafka nodes (each broker and controller), the production settings:
    replication factor 3, min.insync.replicas 2 (kafka_broker.CLUSTER_SETTINGS)."""
    if embedded.choose_broker(TEST_BROKER, say) != "kafka":
        pytest.skip("the three-broker drills need Apache Kafka (Java 17+ and Maven)")
    cluster = kafka_broker.KafkaCluster(
        tmp_path / "kafka",
        [embedded.free_port() for _ in range(3)],
        heap="256m",
        settings={**kafka_broker.CLUSTER_SETTINGS, **kafka_broker.QUICK_FAILOVER},
        say=say,
    )
    try:
        cluster.start()
        yield cluster
    finally:
        cluster.stop()


@pytest.fixture
def cluster_drill(tmp_path, kafka_cluster):
    """A whole stack on the three-broker cluster, topics at replication 3 and min ISR 2."""
    stack = drill_stack(
        tmp_path,
        "kafka",
        kafka=kafka_cluster.bootstrap,
        extra_env={
            "SCIDAY_TOPIC_REPLICATION_FACTOR": kafka_broker.CLUSTER_SETTINGS["default.replication.factor"],
            "SCIDAY_TOPIC_MIN_INSYNC_REPLICAS": kafka_broker.CLUSTER_SETTINGS["min.insync.replicas"],
        },
    )
    with supervised(stack) as d:
        d.cluster = kafka_cluster
        yield d


@dataclass
class Rush:
    statuses: dict = field(default_factory=dict)
    created: dict = field(default_factory=dict)  # registration id -> (phone, party)
    errors: list = field(default_factory=list)
    done: threading.Event = field(default_factory=threading.Event)

    def count(self, code) -> int:
        return self.statuses.get(code, 0)


class Drill:
    def __init__(self, stack):
        self.stack = stack
        self.cluster: kafka_broker.KafkaCluster | None = None  # the three-broker drills
        self.settings = stack.settings()
        self.redis = connect(self.settings.redis_url)
        self.reg = f"http://127.0.0.1:{stack.opts.registration_port}"
        self.org = {
            "Authorization": "Bearer "
            + create_token(self.redis, self.settings.redis_prefix, "organizer", "drill")
        }

    def child(self, name):
        return next(c for c in self.stack.children if c.name == name)

    def activity(self, aid="drill", capacity=150):
        r = requests.post(
            f"{self.reg}/api/v1/activities",
            headers=self.org,
            timeout=10,
            json=activity_doc(
                aid, capacity=capacity, audience="public", waitlist={"enabled": False, "max_length": 0}
            ),
        )
        assert r.status_code == 201, r.text

    def rush(self, aid="drill", attempts=600, threads=24, pace_s=0.0, seed=1) -> Rush:
        """Start a rush in the background; returns at once. `pace_s` spaces each thread's attempts."""
        rng = random.Random(seed)
        plan = [(f"1{5_500_000_000 + i:010d}", rng.randint(1, 4)) for i in range(attempts)]
        out = Rush()
        lock = threading.Lock()

        def attempt(item):
            phone, party = item
            try:
                r = requests.post(
                    f"{self.reg}/api/v1/activities/{aid}/registrations",
                    timeout=30,
                    json={"name": "演练", "phone": phone, "party_size": party},
                )
                code = r.status_code
                body = r.json()
            except (requests.RequestException, ValueError) as exc:
                code, body = "connection_error", {"error": str(exc)[:200]}
            with lock:
                out.statuses[code] = out.statuses.get(code, 0) + 1
                if code == 201:
                    out.created[body["registration_id"]] = (phone, party)
                elif code not in (409, 503, "connection_error"):
                    out.errors.append((code, body))
            if pace_s:
                time.sleep(pace_s)

        def run():
            with ThreadPoolExecutor(threads) as pool:
                list(pool.map(attempt, plan))
            out.done.set()

        threading.Thread(target=run, daemon=True).start()
        return out

    def confirmed(self, aid="drill") -> list[dict]:
        return [
            g for g in SeatStore(self.redis, self.settings).registrations(aid) if g["status"] == "confirmed"
        ]

    def gateway_messages(self) -> list[dict]:
        gw = self.child("sms-gateway")
        return requests.get(f"{gw.url}/api/v1/sms", timeout=5).json()["messages"]

    def check_promises(self, rush: Rush, aid="drill", capacity=150, name="drill") -> dict:
        """After recovery: no 201 lost, seats exact, one notification and one projection entry each."""
        assert rush.done.wait(120), "the rush did not finish"
        assert not rush.errors, rush.errors[:5]  # no 5xx, no unexpected answers
        store = SeatStore(self.redis, self.settings)
        doc, counts = store.get_activity(aid)
        confirmed = self.confirmed(aid)
        ids = {g["registration_id"] for g in confirmed}
        lost = [rid for rid in rush.created if rid not in ids]
        assert not lost, f"{len(lost)} registrations that got a 201 are gone"
        people = sum(g["party_size"] for g in confirmed)
        assert people == int(counts["taken"]) <= capacity

        phones = {g["phone"] for g in confirmed}

        def sms_by_phone():
            per = {}
            for m in self.gateway_messages():
                if m["phone"] in phones:
                    per[m["phone"]] = per.get(m["phone"], 0) + 1
            return per

        per = wait_for(
            lambda: (lambda p: len(p) == len(phones) and p)(sms_by_phone()),
            timeout=90,
            what=f"one confirmation SMS for each of {len(phones)} confirmed registrations",
        )
        time.sleep(1.0)  # a duplicate would arrive right behind the first copy
        per = sms_by_phone()
        duplicated = {p: n for p, n in per.items() if n != 1}
        assert not duplicated, f"{len(duplicated)} people got more than one confirmation"

        proj = Projection(self.redis, self.settings.redis_prefix)
        wait_for(
            lambda: all(proj.registration(aid, rid) for rid in ids),
            timeout=60,
            what="the check-in projection",
        )
        entries = self.redis.hlen(proj.regs_key(aid))
        assert entries == len(confirmed)
        figures = {
            "drill": name,
            "attempted": sum(rush.statuses.values()),
            "answers": {str(k): v for k, v in rush.statuses.items()},
            "got_201": len(rush.created),
            "confirmed_in_redis": len(confirmed),
            "seats_taken": people,
            "capacity": capacity,
            "lost": len(lost),
            "duplicated_notifications": len(duplicated),
            "projection_entries": entries,
        }
        out = ROOT / "var" / "faults"
        out.mkdir(parents=True, exist_ok=True)
        (out / f"{name}.json").write_text(json.dumps(figures, indent=2))
        print(f"\n{name}: {figures}")
        return figures


def topic_event_ids(settings, topic: str) -> list[str]:
    """Every record's ``event_id`` in ``topic``, duplicates included (Apache Kafka's end offsets
    are right, so this reads up to them; on Tansu they are not)."""
    from kafka import KafkaConsumer, TopicPartition

    from shared.envelope import decode

    consumer = KafkaConsumer(
        bootstrap_servers=settings.kafka_bootstrap_servers, enable_auto_commit=False, group_id=None
    )
    try:
        name = settings.topic_prefix + topic
        parts = [TopicPartition(name, p) for p in consumer.partitions_for_topic(name)]
        consumer.assign(parts)
        consumer.seek_to_beginning(*parts)
        ends = consumer.end_offsets(parts)
        ids: list[str] = []
        deadline = time.monotonic() + 60
        while any(consumer.position(tp) < ends[tp] for tp in parts):
            assert time.monotonic() < deadline, "could not read the topic to its end"
            for records in consumer.poll(500).values():
                ids.extend(decode(r.value)["event_id"] for r in records)
        return ids
    finally:
        consumer.close()
