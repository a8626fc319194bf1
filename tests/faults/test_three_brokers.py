"""Three Apache Kafka brokers (replication 3, min.insync.replicas 2, producers at acks=all):
the leader of registration-events killed mid-rush, then two of the three brokers stopped.

What holds, both times: every registration that got a 201 reaches the check-in projection and
notify, nobody gets a second confirmation, and nobody restarts the consumers by hand.
"""

from __future__ import annotations

import time
from collections import Counter

from kafka import KafkaAdminClient

from shared.outbox import cursor_key, stream_key
from tests.conftest import wait_for

TOPIC = "registration-events"


def partitions(drill, topic: str = TOPIC) -> dict[int, dict]:
    """``{partition: {"leader": id, "isr": [ids]}}`` as the running brokers see it."""
    up = [n.address for n in drill.cluster.nodes if n.proc and n.proc.poll() is None]
    admin = KafkaAdminClient(bootstrap_servers=up, request_timeout_ms=5000)
    try:
        [desc] = admin.describe_topics([drill.settings.topic_prefix + topic])
    finally:
        admin.close()
    return {
        p["partition_index"]: {"leader": p["leader_id"], "isr": sorted(p["isr_nodes"])}
        for p in desc["partitions"]
    }


def partitions_or_none(drill) -> dict[int, dict] | None:
    """:func:`partitions`, or None while the client still tries the broker that went away."""
    try:
        return partitions(drill)
    except Exception:
        return None


def all_in_sync(drill) -> bool:
    nodes = sorted(n.node_id for n in drill.cluster.nodes)
    now = partitions_or_none(drill)
    return bool(now) and all(p["isr"] == nodes for p in now.values())


def new_leaders(drill, led: list[int], gone: int) -> dict[int, int] | None:
    now = partitions_or_none(drill)
    if not now or any(now[k]["leader"] in (gone, -1) for k in led):
        return None
    return {k: now[k]["leader"] for k in led}


def worker_pids(drill) -> dict[str, int]:
    return {c.name: c.proc.pid for c in drill.stack.children if not c.url}


def test_sigkill_the_leader_of_registration_events_mid_rush(cluster_drill):
    drill = cluster_drill
    drill.activity(capacity=400)
    workers = worker_pids(drill)
    before = partitions(drill)
    leaders = Counter(p["leader"] for p in before.values())
    victim_id = leaders.most_common(1)[0][0]
    led = sorted(k for k, p in before.items() if p["leader"] == victim_id)
    victim = next(n for n in drill.cluster.nodes if n.node_id == victim_id)

    rush = drill.rush(attempts=800, pace_s=0.02)
    wait_for(lambda: len(rush.created) >= 40, what="the rush under way")
    t_kill = time.monotonic()
    drill.cluster.kill_node(victim)  # SIGKILL
    moved = wait_for(
        lambda: new_leaders(drill, led, victim_id),
        timeout=60,
        what=f"new leaders for partitions {led} of broker {victim_id}",
    )
    failover_s = time.monotonic() - t_kill
    assert rush.done.wait(180), "the rush did not finish"
    figures = drill.check_promises(rush, capacity=400, name="kafka3-kill-leader")
    # The consumers and the relay found the new leaders themselves: none was restarted.
    assert worker_pids(drill) == workers
    assert all(c.restarts == 0 for c in drill.stack.children)

    t_back = time.monotonic()
    drill.cluster.start_node(victim)
    wait_for(
        lambda: all_in_sync(drill), timeout=120, interval=0.5, what="the restarted broker back in the ISR"
    )
    print(
        f"\nkafka3-kill-leader: broker {victim_id} led partitions {led}; new leaders "
        f"{moved} after {failover_s:.1f}s; back in sync "
        f"{time.monotonic() - t_back:.1f}s after its restart; {figures['got_201']} registrations"
    )


def test_two_of_three_brokers_stopped_registrations_still_answer_201(cluster_drill):
    drill = cluster_drill
    drill.activity(capacity=8000)  # seats remain through the outage
    # ~4 attempts a second for well over a minute: the rush outlasts the outage
    rush = drill.rush(attempts=400, threads=2, pace_s=0.5)
    wait_for(lambda: len(rush.created) >= 10, what="the rush under way")
    first, second, third = drill.cluster.nodes
    for node in (second, third):
        node.proc.terminate()  # both at once: the second would wait for the quorum the first left
    for node in (second, third):
        drill.cluster.stop_node(node, timeout=30)
    created_before = len(rush.created)
    counted_before = dict(rush.statuses)
    # One broker of three: below min.insync.replicas, every acks=all write is refused.
    wait_for(
        lambda: len(rush.created) >= created_before + 10, timeout=60, what="201s with one broker of three"
    )
    during = {k: rush.statuses.get(k, 0) - counted_before.get(k, 0) for k in rush.statuses}
    assert not rush.done.is_set(), "the rush ended before the outage did"

    # The relay's producer is refused (NotEnoughReplicas) or times out; the events wait in the
    # outbox behind the relay's cursor.
    def entry(raw: bytes) -> tuple[int, ...]:
        return tuple(int(x) for x in raw.split(b"-"))

    last = drill.redis.xrevrange(stream_key(drill.settings), count=1)[0][0]
    cursor = drill.redis.get(cursor_key(drill.settings))
    assert entry(cursor) < entry(last), "the outbox was not holding events"
    wait_for(
        lambda: "broker unavailable" in (drill.stack.logs / "relay.log").read_text(errors="replace"),
        timeout=60,
        what="the relay's sends refused or timed out",
    )

    drill.cluster.start_node(second)  # a second broker returns: two in sync, writes flow again
    figures = drill.check_promises(rush, capacity=2000, name="kafka3-two-down")
    drill.cluster.start_node(third)
    wait_for(lambda: all_in_sync(drill), timeout=120, interval=0.5, what="all three brokers in sync")
    print(f"\nkafka3-two-down: answers during the outage {during}; {figures['got_201']} registrations")
