"""The consumer loop's parts that hold no loop: its metrics, errors, handler types, dedupe marks
and the batch handlers' frame (:func:`in_runs`).  ``shared.consumer`` re-exports them all."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from kafka.consumer.fetcher import ConsumerRecord
from prometheus_client import Counter, Gauge

log = logging.getLogger("sciday.consumer")

HANDLED = Counter("sciday_events_handled_total", "Events handled", ["group", "type"])
DUPLICATES = Counter("sciday_events_duplicate_total", "Redelivered events skipped", ["group"])
DEAD_LETTERED = Counter("sciday_events_dead_lettered_total", "Events sent to a DLQ", ["group", "topic"])
RETRIES = Counter("sciday_events_retried_total", "Handler retries", ["group"])
FAILURES = Counter("sciday_events_handler_failures_total", "Handler exceptions", ["group"])
STORE_WAITS = Counter("sciday_events_store_waits_total", "Waits for Redis to come back", ["group"])
# Issue 24: events of a version newer than this consumer knows, parked in <topic>-parked (alert
# SciDayEventsParked: a consumer older than its producers; upgrade it, then `sciday parked replay`).
PARKED = Counter("sciday_events_parked_total", "Events of a newer version parked", ["group", "topic"])
HALTED = Gauge("sciday_consumer_halted", "1 once the consumer loop halted on persistent failures", ["group"])
LAG = Gauge("sciday_consumer_lag_records", "Records on this member's partitions not yet read", ["group"])
STORE_WAIT_CAP_S = 2.0
RETRY_BACKOFF_CAP_S = 30.0
EXIT_HALTED = 3

Handler = Callable[[dict[str, Any]], object]  # what it returns (a count, the marks) is not used
# Handles a poll batch's fresh events (deduped, in offset order per partition) in one go; must
# leave the same state as calling the per-record handler on each of them in that order.
BatchHandler = Callable[[list[dict[str, Any]]], None]


class TransientError(Exception):
    """Raise from a handler for a failure worth retrying (a provider or store hiccup).

    Any other exception is retried the same way; this one is logged without a traceback."""


class ConsumerHalted(SystemExit):
    """The loop stopped on persistent failures; nothing past the failing record was committed.

    A ``SystemExit``: an entry point that lets it through exits with status 3."""

    def __init__(self, why: str):
        super().__init__(EXIT_HALTED)
        self.why = why

    def __str__(self) -> str:
        return self.why


class Dedupe:
    """Remembers handled event ids per consumer group in Redis."""

    def __init__(self, redis: Any, prefix: str, group: str, ttl_s: int = 7 * 24 * 3600):
        self.redis, self.ttl = redis, ttl_s
        self.key_prefix = f"{prefix}done:{group}:"

    def seen(self, event_id: str) -> bool:
        return bool(self.redis.exists(self.key_prefix + event_id))

    def mark(self, event_id: str) -> None:
        self.redis.set(self.key_prefix + event_id, b"1", ex=self.ttl)

    def seen_many(self, event_ids: list[str]) -> list[bool]:
        """Which of these were handled already: one round trip (MGET) for a whole poll batch."""
        if not event_ids:
            return []
        return [v is not None for v in self.redis.mget([self.key_prefix + e for e in event_ids])]

    def mark_many(self, event_ids: list[str]) -> None:
        """Remember these as handled: one pipelined round trip."""
        if not event_ids:
            return
        pipe = self.redis.pipeline(transaction=False)
        for e in event_ids:
            pipe.set(self.key_prefix + e, b"1", ex=self.ttl)
        pipe.execute()


def in_runs(
    envelopes: list[dict[str, Any]],
    batchable: frozenset[str] | set[str] | tuple[str, ...],
    write_run: BatchHandler,
    handle: Handler,
) -> None:
    """A batch handler's frame: consecutive events of a ``batchable`` type go to ``write_run``
    together; any other event goes to the per-record ``handle`` in its place, after the run
    before it was written.  A handler extended for a new event type so stays correct."""
    run: list[dict[str, Any]] = []
    for envelope in envelopes:
        if envelope["type"] in batchable:
            run.append(envelope)
            continue
        if run:
            write_run(run)
            run = []
        handle(envelope)
    if run:
        write_run(run)


def _at(record: ConsumerRecord) -> tuple[str, int, int]:
    return (record.topic, record.partition, record.offset)
