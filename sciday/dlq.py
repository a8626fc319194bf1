"""`sciday dlq list|replay <topic>` and `sciday parked list|replay <topic>` (issue 24).

Dead letters (``<topic>-dlq``: poison, shared/consumer.py) and parked events (``<topic>-parked``:
a version newer than a consumer knew) keep the original record and headers naming where it came
from.  ``list`` shows them; ``replay`` sends each one back to the topic it came from, unchanged
(same key, same envelope, same ``event_id``), so the consumer groups that handled it already skip
it (they dedupe on ``event_id``) and the others handle it now.  ``replay`` remembers how far it
went (the group ``sciday-replay``), so running it twice sends nothing twice; ``--from-start``
sends everything again, which dedupe still makes harmless.
"""

from __future__ import annotations

import argparse
import json
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from shared.config import Settings
from shared.topics import BY_NAME, dlq_for, parked_for

REPLAY_GROUP = "sciday-replay"
KINDS = {"dlq": dlq_for, "parked": parked_for}


@dataclass
class Held:
    partition: int
    offset: int
    key: bytes | None
    value: bytes
    headers: dict[str, str]
    origin: str

    def summary(self) -> str:
        try:
            env = json.loads(self.value)
            what = f"{env['type']} v{env['version']} {env['event_id']}"
        except (ValueError, TypeError, KeyError):
            what = f"{len(self.value or b'')} bytes, not an envelope"
        h = self.headers
        kind = "dlq" if "dlq-origin-topic" in h else "parked"
        where = (
            f"{self.origin}[{h.get(kind + '-origin-partition', '?')}]@{h.get(kind + '-origin-offset', '?')}"
        )
        why = h.get("dlq-error") or h.get("parked-reason") or ""
        return f"{self.offset}  {where}  {h.get(kind + '-consumer-group', '?')}  {what}  {why[:160]}"


def _consumer(settings: Settings, group: str | None) -> Any:
    from kafka import KafkaConsumer

    from shared.kafka import security

    return KafkaConsumer(
        bootstrap_servers=settings.kafka_bootstrap_servers,
        **security(settings),
        group_id=settings.topic_prefix + group if group else None,
        enable_auto_commit=False,
        auto_offset_reset="earliest",
        allow_auto_create_topics=False,
        client_id="sciday-dlq",
    )


def read(settings: Settings, topic: str, kind: str, consumer: Any, from_start: bool) -> Iterator[Held]:
    """Every held record of ``topic`` (from the replay group's offset unless ``from_start``)."""
    from kafka import TopicPartition

    name = settings.topic_prefix + KINDS[kind](topic)
    parts = [TopicPartition(name, p) for p in sorted(consumer.partitions_for_topic(name) or ())]
    if not parts:
        raise LookupError(f"no topic {name} on {settings.kafka_bootstrap_servers}")
    consumer.assign(parts)
    for tp in parts:
        committed = None if from_start or consumer.config["group_id"] is None else consumer.committed(tp)
        if committed is None:
            consumer.seek_to_beginning(tp)
        else:
            consumer.seek(tp, committed)
    end = consumer.end_offsets(parts)
    while any(consumer.position(tp) < end[tp] for tp in parts):
        for records in consumer.poll(timeout_ms=1000).values():
            for r in records:
                headers = {k: v.decode("utf-8", "replace") for k, v in (r.headers or [])}
                origin = headers.get(f"{kind}-origin-topic", topic)
                yield Held(r.partition, r.offset, r.key, r.value, headers, origin)


def list_held(settings: Settings, topic: str, kind: str) -> list[Held]:
    consumer = _consumer(settings, None)
    try:
        return list(read(settings, topic, kind, consumer, from_start=True))
    finally:
        consumer.close(autocommit=False)


def replay(settings: Settings, topic: str, kind: str, from_start: bool = False) -> tuple[int, list[Held]]:
    """Send the held records back to their topics; returns (sent, those whose origin is no topic)."""
    from kafka import TopicPartition
    from kafka.structs import OffsetAndMetadata

    from shared.kafka import make_producer

    consumer = _consumer(settings, REPLAY_GROUP)
    producer = make_producer(settings, client_id="sciday-replay")
    sent, skipped = 0, []
    try:
        name = settings.topic_prefix + KINDS[kind](topic)
        for held in read(settings, topic, kind, consumer, from_start):
            if held.origin not in BY_NAME:  # notify's own causes (reminders…) have no topic
                skipped.append(held)
            else:
                source = f"{KINDS[kind](held.origin)}@{held.offset}".encode()
                producer.send(
                    settings.topic_prefix + held.origin,
                    key=held.key,
                    value=held.value,
                    headers=[("replayed-from", source)],
                ).get(timeout=10)
                sent += 1
            consumer.commit(
                {TopicPartition(name, held.partition): OffsetAndMetadata(held.offset + 1, "", -1)}
            )
    finally:
        producer.close(timeout=5)
        consumer.close(autocommit=False)
    return sent, skipped


def cmd(args: argparse.Namespace) -> int:
    from sciday.cli import _settings

    settings = _settings(args)
    if args.action == "list":
        held = list_held(settings, args.topic, args.kind)
        for h in held:
            print(h.summary())
        print(f"{len(held)} in {KINDS[args.kind](args.topic)}")
        return 0
    sent, skipped = replay(settings, args.topic, args.kind, from_start=args.from_start)
    print(f"replayed {sent} from {KINDS[args.kind](args.topic)} to their topics")
    for h in skipped:
        print(f"not replayed (its origin {h.origin!r} is no topic): {h.summary()}")
    return 0


def register(sub: Any) -> None:
    for kind, what in (("dlq", "dead letters (poison)"), ("parked", "events of a newer version, parked")):
        p = sub.add_parser(kind, help=f"{what}: list them, or replay them to their topics")
        p.add_argument("action", choices=["list", "replay"])
        p.add_argument(
            "topic", choices=sorted(t for t in BY_NAME if not BY_NAME[t].dlq and not BY_NAME[t].parked)
        )
        p.add_argument("--from-start", action="store_true", help="replay: everything, not only the new ones")
        p.add_argument("--kafka", help="bootstrap servers")
        p.set_defaults(func=cmd, kind=kind)
