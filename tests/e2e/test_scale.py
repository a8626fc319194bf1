"""`sciday up --scale 2`: every web service twice on its own ports, and two members in each
consumer group that share the partitions; when one member is SIGKILLed the other takes over its
partitions; every event is handled once, none is skipped.

The two members are the real worker processes (`python -m services.checkin.consumer`), planned by
`sciday up --scale 2` (Stack._plan) and run against the session's Tansu and redis-server.

Who handled what is observed from outside, through Redis (Tansu's DescribeGroups lists the
members but not their assignments): the consumer loop marks every handled event
(`<prefix>done:checkin-projection:<event_id>`, a plain SET) right after its handler returned.
Redis MONITOR names the client connection of each SET, and psutil maps that connection to a
process.  So a mark set twice means an event was handled twice, and the process that set a mark
is the process that handled the event.
"""

from __future__ import annotations

import os
import signal
import threading
import uuid
from collections import Counter, defaultdict
from datetime import UTC, datetime, timedelta, timezone

import psutil
import pytest
import redis as redis_py
import requests
from kafka import KafkaAdminClient

from sciday import embedded
from sciday.stack import Stack, StackOptions
from services.checkin.consumer import GROUP
from services.checkin.projection import Projection
from shared.envelope import new_event
from shared.kafka import make_producer, send_envelope
from shared.topics import BY_NAME, ensure_topics
from tests.conftest import wait_for

pytestmark = pytest.mark.e2e

# 24 activities: their keys spread over every partition of both topics (checked below).
ACTIVITIES = [f"scale-act-{i:02d}" for i in range(24)]
REGS_PER_ACTIVITY_WAVE1 = 5
REGS_PER_ACTIVITY_WAVE2 = 2


class _Admin(KafkaAdminClient):
    # Tansu reports authorized operation 15, which kafka-python 3.0.12 cannot name; we do not
    # ask for authorized operations, so drop them instead of failing to decode them.
    def _process_acl_operations(self, obj):
        obj.pop("authorized_operations", None)
        return obj


class MarkWatch:
    """Every dedupe mark SET by the consumers, with the client (ip:port) that set it."""

    def __init__(self, redis_url: str, prefix: str):
        self.key_prefix = f"{prefix}done:{GROUP}:"
        self._client = redis_py.Redis.from_url(redis_url)
        self._poke = redis_py.Redis.from_url(redis_url)
        self.marks: list[tuple[str, str]] = []  # (event id, "ip:port")
        self._stop = False
        self._ready = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def __enter__(self):
        self._thread.start()
        assert self._ready.wait(10), "MONITOR did not start"
        return self

    def __exit__(self, *exc):
        self._stop = True
        self._poke.ping()  # wakes the MONITOR reader up so that it sees _stop
        self._thread.join(10)

    def _run(self):
        with self._client.monitor() as m:
            self._ready.set()
            while not self._stop:
                cmd = m.next_command()
                parts = cmd["command"].split(" ")
                if len(parts) >= 2 and parts[0].upper() == "SET" and parts[1].startswith(self.key_prefix):
                    self.marks.append(
                        (parts[1][len(self.key_prefix) :], f"{cmd['client_address']}:{cmd['client_port']}")
                    )


def _redis_clients_of(pid: int, redis_port: int) -> set[str]:
    return {
        f"{c.laddr.ip}:{c.laddr.port}"
        for c in psutil.Process(pid).net_connections(kind="tcp")
        if c.raddr and c.raddr.port == redis_port
    }


def _activity_event(aid: str) -> dict:
    starts = datetime.now(UTC).replace(microsecond=0) + timedelta(days=3)
    return new_event(
        "ActivityPublished",
        aid,
        {
            "activity": {
                "id": aid,
                "kind": "lecture",
                "title": {"zh": "科普讲座", "en": "Science lecture"},
                "venue": {"id": "ln-stm", "name": "辽宁省科学技术馆"},
                "hall": "报告厅",
                "starts_at": starts.isoformat(),
                "ends_at": (starts + timedelta(hours=2)).isoformat(),
                "capacity": 300,
                "max_party_size": 4,
                "status": "scheduled",
            }
        },
        source="test",
    )


def _registration_event(aid: str, rid: str) -> dict:
    return new_event(
        "RegistrationConfirmed",
        aid,
        {
            "registration_id": rid,
            "activity_id": aid,
            "venue_id": "ln-stm",
            "party_size": 2,
            "name": "张三",
            "phone": "13812345678",
            "email": None,
            "locale": "zh-CN",
            "manage_url": f"http://127.0.0.1:8001/r/{rid}?t=x",
            "ticket_code": "SD1.test",
            "ticket_url": f"http://127.0.0.1:8001/t/{rid}?t=x",
        },
        source="test",
    )


@pytest.fixture
def scaled(servers, tmp_path):
    """Two checkin-consumer processes of `sciday up --scale 2`, in one group, fresh prefixes."""
    tag = uuid.uuid4().hex[:8]
    opts = StackOptions(
        var_dir=tmp_path,
        redis_url=servers["redis_url"],
        kafka=servers["kafka"],
        seed=False,
        scale=2,
        registration_port=embedded.free_port(),
        checkin_port=embedded.free_port(),
        notify_port=embedded.free_port(),
        extra_env={
            "SCIDAY_REDIS_PREFIX": f"sc{tag}:",
            "SCIDAY_TOPIC_PREFIX": f"sc{tag}.",
            **servers["client_env"],
        },
    )
    stack = Stack(opts, out=open(tmp_path / "stack.out", "w"))
    settings = stack.settings()
    ensure_topics(settings.kafka_bootstrap_servers, settings.topic_prefix)
    stack.logs.mkdir(parents=True, exist_ok=True)
    members = [c for c in stack._plan() if c.name.startswith("checkin-consumer")]
    assert [c.name for c in members] == ["checkin-consumer-1", "checkin-consumer-2"]
    try:
        for c in members:
            stack.children.append(c)
            stack._spawn(c)
        yield stack, settings, members
    finally:
        stack.stop()


def test_two_consumers_share_partitions_and_the_survivor_takes_over_exactly_once(scaled, servers):
    stack, settings, members = scaled
    redis = redis_py.Redis.from_url(settings.redis_url)
    projection = Projection(redis, settings.redis_prefix)
    admin = _Admin(bootstrap_servers=settings.kafka_bootstrap_servers, client_id="test-scale")
    producer = make_producer(settings)

    group_id = settings.topic_prefix + GROUP  # shared/kafka.py: group ids carry the topic prefix

    def group_members() -> int:
        group = admin.describe_groups([group_id])[group_id]
        return len(group["members"]) if group["group_state"] == "Stable" else -1

    def produce(events: list[dict]) -> dict[str, tuple[str, int]]:
        futures = []
        for env in events:
            topic = "activity-events" if env["type"].startswith("Activity") else "registration-events"
            futures.append((env["event_id"], topic, send_envelope(producer, settings, topic, env)))
        producer.flush(10)
        return {eid: (topic, f.get(timeout=10).partition) for eid, topic, f in futures}

    def marks_present(event_ids) -> int:
        pipe = redis.pipeline(transaction=False)
        for eid in event_ids:
            pipe.exists(f"{settings.redis_prefix}done:{GROUP}:{eid}")
        return sum(pipe.execute())

    redis_port = servers["redis_port"]
    try:
        with MarkWatch(settings.redis_url, settings.redis_prefix) as watch:
            # Both members joined one group.
            wait_for(lambda: group_members() == 2, timeout=60, what="a stable group of two members")

            # -- wave 1: both members alive ----------------------------------------------------
            wave1 = [_activity_event(a) for a in ACTIVITIES]
            rids = {a: [f"r-{a}-{i}" for i in range(REGS_PER_ACTIVITY_WAVE1)] for a in ACTIVITIES}
            wave1 += [_registration_event(a, r) for a in ACTIVITIES for r in rids[a]]
            where = produce(wave1)
            for topic in ("activity-events", "registration-events"):
                used = {p for t, p in where.values() if t == topic}
                assert used == set(range(BY_NAME[topic].partitions)), f"{topic}: traffic on {used} only"
            wait_for(
                lambda: marks_present(where) == len(where),
                timeout=60,
                what=f"{len(where)} wave-1 events handled",
            )
            wait_for(lambda: len(watch.marks) >= len(where), timeout=10, what="MONITOR to catch up")

            pids = {c.name: c.proc.pid for c in members}
            client_pid = {addr: pid for pid in pids.values() for addr in _redis_clients_of(pid, redis_port)}
            handled_by: dict[tuple[str, int], set[int]] = defaultdict(set)
            for eid, addr in watch.marks:
                assert addr in client_pid, f"a mark from {addr}, not a consumer connection"
                handled_by[where[eid]].add(client_pid[addr])
            # Every partition with traffic was handled by exactly one member, and both members
            # own some: the partitions are shared.
            assert all(len(p) == 1 for p in handled_by.values()), dict(handled_by)
            owner = {tp: next(iter(p)) for tp, p in handled_by.items()}
            assert set(owner.values()) == set(pids.values()), f"one member owns everything: {owner}"

            # -- kill one member; wave 2 lands on its partitions too ---------------------------
            victim, survivor = members[0].proc, members[1].proc
            victim_partitions = {tp for tp, pid in owner.items() if pid == victim.pid}
            os.kill(victim.pid, signal.SIGKILL)
            victim.wait(10)
            more = {a: [f"r2-{a}-{i}" for i in range(REGS_PER_ACTIVITY_WAVE2)] for a in ACTIVITIES}
            wave2 = [_registration_event(a, r) for a in ACTIVITIES for r in more[a]]
            where2 = produce(wave2)
            assert {tp for tp in where2.values()} & victim_partitions, (
                "wave 2 must hit the victim's partitions"
            )
            wait_for(
                lambda: marks_present(where2) == len(where2),
                timeout=90,
                what=f"{len(where2)} wave-2 events handled by the survivor",
            )
            wait_for(
                lambda: len(watch.marks) >= len(where) + len(where2), timeout=10, what="MONITOR to catch up"
            )
            wait_for(lambda: group_members() == 1, timeout=60, what="the group to drop the killed member")

            survivor_clients = _redis_clients_of(survivor.pid, redis_port)
            late = [(eid, addr) for eid, addr in watch.marks if eid in where2]
            assert late and all(
                addr in survivor_clients or client_pid.get(addr) == survivor.pid for _eid, addr in late
            ), "wave 2 was handled by the survivor only"
            took_over = {where2[eid] for eid, _addr in late} & victim_partitions
            assert took_over, "the survivor handled events on the killed member's partitions"

        # -- exactly once: each event marked once, none missing --------------------------------
        times = Counter(eid for eid, _addr in watch.marks)
        expected = set(where) | set(where2)
        assert set(times) == expected, (
            f"missing: {len(expected - set(times))}, extra: {set(times) - expected}"
        )
        assert max(times.values()) == 1, f"handled twice: {[e for e, n in times.items() if n > 1]}"
        done = sum(1 for _ in redis.scan_iter(f"{settings.redis_prefix}done:{GROUP}:*", count=1000))
        assert done == len(expected)
        for aid in ACTIVITIES:
            assert projection.activity(aid)["id"] == aid
            for rid in rids[aid] + more[aid]:
                reg = projection.registration(aid, rid)
                assert reg is not None and reg["status"] == "confirmed", (aid, rid, reg)
    finally:
        producer.close(timeout=5)
        admin.close()


def test_sciday_up_scale_2_serves_every_instance_on_its_own_port(servers, tmp_path):
    """The whole `sciday up --scale 2` (external Redis and broker): 2 of each web service, each
    healthy on base port + 10*k, 2 consumers per group, 1 relay, all in the status table."""
    tag = uuid.uuid4().hex[:8]
    base = {name: embedded.free_port() for name in ("registration", "checkin", "notify")}
    opts = StackOptions(
        var_dir=tmp_path,
        redis_url=servers["redis_url"],
        kafka=servers["kafka"],
        seed=False,
        scale=2,
        registration_port=base["registration"],
        checkin_port=base["checkin"],
        notify_port=base["notify"],
        workers=1,
        threads=2,
        extra_env={
            "SCIDAY_REDIS_PREFIX": f"su{tag}:",
            "SCIDAY_TOPIC_PREFIX": f"su{tag}.",
            **servers["client_env"],
        },
    )
    stack = Stack(opts, out=open(tmp_path / "stack.out", "w"))
    try:
        stack.start()
        assert stack.wait_healthy(timeout=90), stack.status_table()
        table = stack.status_table()
        for name, port in base.items():
            for k in range(2):
                url = f"http://127.0.0.1:{port + 10 * k}"
                assert f"{name}-{k + 1}" in table and url in table, table
                r = requests.get(f"{url}/healthz", timeout=5)
                assert r.status_code == 200 and r.json()["service"] == name
        names = [c.name for c in stack.children]
        for group in ("checkin-consumer", "notify-consumer"):
            assert [n for n in names if n.startswith(group)] == [f"{group}-1", f"{group}-2"]
            assert all(stack.health_of(c) == "running" for c in stack.children if c.name.startswith(group))
        assert names.count("relay") == 1
    finally:
        stack.stop()
