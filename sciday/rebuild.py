"""``sciday rebuild checkin|notify``: rebuild a service's state from the log (issue 18).

After a Redis loss, or for a new consumer, the service's projection is rebuilt by reading its
topics from the beginning, in batches, through the service's batch handler in replay mode:

- **idempotent**: every write is an upsert keyed by id, so a second rebuild changes nothing;
- **safe while the service runs**: the rebuild reads with no consumer group (it commits nothing
  and leaves the live consumer's offsets and dedupe marks alone), and its replay never moves
  state backwards: an activity snapshot older than the stored one and a registration event behind
  the stored status are skipped, so an event the live consumer handled meanwhile is never
  undone by an older one read from the log;
- **notify records no messages**: only its projection and the reminders are rebuilt; what the log
  called for was sent already (``services.notify.delivery.batches.Replay``).

It reads up to the end of each partition as it was at the start (the live consumer handles what
comes after), and stops when a poll finds nothing more (on Tansu the end offsets are too low,
``docs/kafka-and-redis-facts.md``), printing a progress bar with the rate to stderr.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TextIO

from kafka import KafkaConsumer, TopicPartition

from shared import events as ev
from shared.clock import SYSTEM_CLOCK
from shared.config import Settings
from shared.envelope import PoisonMessage, decode
from shared.kafka import security
from shared.topics import CHECKIN_EVENTS, TOPICS

GROUPS = {"checkin": "checkin-projection", "notify": "notify"}
# Topics a rebuild reads besides its group's: the check-in service's own events give back the
# door's admissions (services/checkin/door/readmit.py).
OWN_TOPICS = {"checkin": (CHECKIN_EVENTS,), "notify": ()}
ADMISSION_TYPES = (ev.CHECKIN_RECORDED, ev.CHECKIN_REVERTED)


@dataclass
class Outcome:
    read: int = 0
    applied: int = 0
    skipped: int = 0  # older than what the live consumer stored meanwhile
    poison: int = 0  # left to the live consumer's DLQ
    seconds: float = 0.0
    cpu_seconds: float = 0.0  # this process's CPU (decoding, the handler's Python, the Kafka client)

    @property
    def rate(self) -> float:
        return self.read / self.seconds if self.seconds else 0.0


def replayer(service: str, settings: Settings, redis: Any) -> Callable[[list[dict[str, Any]]], int]:
    """The service's replay handler: takes a batch of envelopes, returns how many it skipped."""
    if service == "checkin":
        from services.checkin.door.readmit import Admissions
        from services.checkin.projection import Projection

        project = Projection(redis, settings.redis_prefix).replay
        readmit = Admissions(redis, settings).replay

        def both(envelopes: list[dict[str, Any]]) -> int:
            # checkin-events (the door's admissions, issue 24 §8) are the check-in service's own.
            own = [e for e in envelopes if e["type"] in ADMISSION_TYPES]
            rest = [e for e in envelopes if e["type"] not in ADMISSION_TYPES]
            return project(rest) + (readmit(own) if own else 0)

        return both
    if service == "notify":
        from services.notify.delivery.batches import Replay
        from services.notify.delivery.intents import Deliveries
        from services.notify.projection import Projection as NotifyProjection
        from services.notify.reminders.schedule import Reminders, parse_offsets

        p = settings.redis_prefix
        projection = NotifyProjection(redis, p)
        reminders = Reminders(
            redis,
            p,
            parse_offsets(settings.reminder_offsets_min),
            projection,
            Deliveries(redis, p),
            SYSTEM_CLOCK,
        )
        return Replay(projection, reminders, SYSTEM_CLOCK)
    raise ValueError(f"no rebuild for {service!r}: one of {sorted(GROUPS)}")


class Progress:
    """``[#######.........]  45,000 / 100,000 events  12,345 events/s`` on one line, redrawn."""

    def __init__(self, total: int, out: TextIO = sys.stderr, width: int = 30, every_s: float = 0.2):
        self.total, self.out, self.width, self.every_s = total, out, width, every_s
        self.t0 = time.monotonic()
        self._drawn = 0.0

    def line(self, done: int, now: float) -> str:
        share = min(1.0, done / self.total) if self.total else 1.0
        bar = "#" * round(share * self.width)
        rate = done / (now - self.t0) if now > self.t0 else 0.0
        return f"[{bar:<{self.width}}] {done:>9,} / {max(done, self.total):,} events  {rate:>8,.0f} events/s"

    def update(self, done: int, final: bool = False) -> None:
        now = time.monotonic()
        if final or now - self._drawn >= self.every_s:
            self._drawn = now
            self.out.write("\r" + self.line(done, now) + ("\n" if final else ""))
            self.out.flush()


def rebuild(
    service: str,
    settings: Settings,
    redis: Any,
    *,
    batch: int = 2000,
    out: TextIO | None = sys.stderr,
    consumer: KafkaConsumer | None = None,
) -> Outcome:
    handle = replayer(service, settings, redis)
    names = [settings.topic_prefix + t.name for t in TOPICS if GROUPS[service] in t.consumers]
    names += [settings.topic_prefix + t for t in OWN_TOPICS[service]]
    consumer = consumer or KafkaConsumer(
        bootstrap_servers=settings.kafka_bootstrap_servers,
        group_id=None,
        enable_auto_commit=False,
        auto_offset_reset="earliest",
        max_poll_records=batch,
        fetch_max_wait_ms=100,
        client_id=f"sciday-rebuild-{service}",
        **security(settings),  # the operator's login (sciday/cli.py), as `sciday topics` uses
    )
    try:
        parts = [TopicPartition(n, p) for n in names for p in sorted(consumer.partitions_for_topic(n) or ())]
        consumer.assign(parts)
        consumer.seek_to_beginning(*parts)
        start, end = consumer.beginning_offsets(parts), consumer.end_offsets(parts)
        total = sum(max(0, end[tp] - start[tp]) for tp in parts)
        progress = Progress(total, out) if out is not None else None
        result, t0, cpu0 = Outcome(), time.monotonic(), time.process_time()
        while True:
            polled = consumer.poll(timeout_ms=500, max_records=batch)
            if not polled:
                if all(consumer.position(tp) >= end[tp] for tp in parts):
                    break
                continue
            envelopes = []
            for records in polled.values():
                for record in records:
                    try:
                        envelopes.append(decode(record.value))
                    except PoisonMessage:
                        result.poison += 1
            result.read += sum(len(r) for r in polled.values())
            skipped = handle(envelopes)
            result.skipped += skipped
            result.applied += len(envelopes) - skipped
            if progress is not None:
                progress.update(result.read)
        result.seconds = time.monotonic() - t0
        result.cpu_seconds = time.process_time() - cpu0
        if progress is not None:
            progress.update(result.read, final=True)
        return result
    finally:
        consumer.close(autocommit=False)
