"""The outcome events of a lottery group, counted per (entry, round): read from the outbox (a Redis
no relay drains) or from the lottery-events topic after the stack's relay moved them
(bench/lottery_group_stack.py). Each party must be told exactly once per round."""

from __future__ import annotations

import json
import time
from collections import Counter
from typing import Any

from shared.events import LOTTERY_ENTRY_WAITLISTED, LOTTERY_ENTRY_WON

OUTCOMES = (LOTTERY_ENTRY_WON, LOTTERY_ENTRY_WAITLISTED)


def of_group(env: dict, gid: str) -> bool:
    return (env.get("data") or {}).get("group_id") == gid and env.get("type") in OUTCOMES


def told_per_round(envelopes: list[dict], gid: str) -> dict:
    """Outcome events per (entry, round) of the group: how many pairs were told once, more, never."""
    per: Counter = Counter()
    for env in envelopes:
        if of_group(env, gid):
            per[(env["data"]["entry_id"], env["data"].get("round"))] += 1
    by_round = Counter(r for _e, r in per)
    return {
        "events": sum(per.values()),
        "pairs": len(per),
        "told_twice_or_more": sum(1 for n in per.values() if n > 1),
        "per_round": {str(k): n for k, n in sorted(by_round.items(), key=str)},
    }


def outbox_envelopes(redis, stream: str) -> list[dict]:
    """Every envelope in the outbox stream, 10,000 a round trip."""
    out: list[dict] = []
    last: Any = "-"
    while True:
        batch = redis.xrange(stream, min=last, count=10_000)
        if last != "-":
            batch = batch[1:]
        if not batch:
            return out
        out += [json.loads(f[b"envelope"]) for _id, f in batch if b"envelope" in f]
        last = batch[-1][0]


def told_cursor(redis, settings, gid: str) -> int:
    """How many outcome events the group's tellers say they wrote (group_tell.lua's cursors)."""
    meta = redis.hgetall(f"{settings.redis_prefix}lotg:{{{gid}}}")
    return sum(int(n) for k, n in meta.items() if k.decode().startswith("told:"))


def topic_envelopes(settings, gid: str, expected: int, max_s: float = 900.0) -> list[dict]:
    """The group's outcome events as the lottery-events topic holds them, once the relay has
    moved ``expected`` of them (or ``max_s`` passed): what notify consumes."""
    from kafka import KafkaConsumer

    from shared.topics import LOTTERY_EVENTS

    c = KafkaConsumer(
        settings.topic_prefix + LOTTERY_EVENTS,
        bootstrap_servers=settings.kafka_bootstrap_servers,
        group_id=None,
        auto_offset_reset="earliest",
    )
    out: list[dict] = []
    start, settle_until = time.monotonic(), None
    try:  # once all are in, read 3 s more: anything told twice would follow
        while time.monotonic() - start < max_s and (settle_until is None or time.monotonic() < settle_until):
            for records in c.poll(timeout_ms=500).values():
                out += [e for e in (json.loads(m.value) for m in records) if of_group(e, gid)]
            if settle_until is None and len(out) >= expected:
                settle_until = time.monotonic() + 3
    finally:
        c.close()
    return out
