"""The Kafka consumer loop every sciday worker runs.

- At least once: offsets are committed only after every record of the batch was handled
  (or dead-lettered), never automatically.
- Dedupe on ``event_id``: a handled event is remembered in Redis for ``dedupe_ttl`` seconds and
  skipped when it comes again (redelivery after a crash or rebalance, a relay re-send).
- Transient failures are retried with exponential backoff, at most ``max_retries`` times.
- A Redis outage is not the message's fault: the loop waits for Redis (capped backoff, no retry
  limit) and never dead-letters a record because the store was away.
- Poison (bad JSON, bad envelope, unknown type, or a handler that keeps failing) goes to
  ``<topic>-dlq`` with headers naming its origin; the loop goes on.
- SIGTERM / SIGINT finish the current record, commit, leave the group and return.
"""

from __future__ import annotations

import logging
import signal
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from kafka import ConsumerRebalanceListener, TopicPartition
from kafka.errors import CommitFailedError, KafkaError
from prometheus_client import Counter

from shared.config import Settings
from shared.envelope import PoisonMessage, decode
from shared.kafka import make_consumer, make_producer
from shared.redis_scripts import OUTAGE as STORE_OUTAGE
from shared.topics import dlq_for

log = logging.getLogger("sciday.consumer")

HANDLED = Counter("sciday_events_handled_total", "Events handled", ["group", "type"])
DUPLICATES = Counter("sciday_events_duplicate_total", "Redelivered events skipped", ["group"])
DEAD_LETTERED = Counter("sciday_events_dead_lettered_total", "Events sent to a DLQ", ["group", "topic"])
RETRIES = Counter("sciday_events_retried_total", "Handler retries", ["group"])
STORE_WAITS = Counter("sciday_events_store_waits_total", "Waits for Redis to come back", ["group"])
STORE_WAIT_CAP_S = 2.0


class TransientError(Exception):
    """Raise from a handler for a failure worth retrying (a provider or store hiccup)."""


class Dedupe:
    """Remembers handled event ids per consumer group in Redis."""

    def __init__(self, redis, prefix: str, group: str, ttl_s: int = 7 * 24 * 3600):
        self.redis, self.ttl = redis, ttl_s
        self.key_prefix = f"{prefix}done:{group}:"

    def seen(self, event_id: str) -> bool:
        return bool(self.redis.exists(self.key_prefix + event_id))

    def mark(self, event_id: str) -> None:
        self.redis.set(self.key_prefix + event_id, b"1", ex=self.ttl)


Handler = Callable[[dict], None]


class _Flag(ConsumerRebalanceListener):
    """Notes an assignment; the loop acts on it after poll (no network calls inside the callback)."""

    def __init__(self, loop: ConsumerLoop):
        self.loop = loop

    def on_partitions_revoked(self, revoked):
        pass

    def on_partitions_assigned(self, assigned):
        self.loop._reassigned = True


@dataclass
class ConsumerLoop:
    settings: Settings
    group: str
    topics: list[str]
    handler: Handler
    redis: object
    max_retries: int | None = None
    backoff_ms: int | None = None
    poll_timeout_ms: int = 500
    consumer_overrides: dict = field(default_factory=dict)
    stopping: bool = False

    def __post_init__(self):
        self.max_retries = (
            self.settings.consumer_max_retries if self.max_retries is None else self.max_retries
        )
        self.backoff_ms = self.settings.consumer_backoff_ms if self.backoff_ms is None else self.backoff_ms
        self.dedupe = Dedupe(self.redis, self.settings.redis_prefix, self.group)
        self._consumer = None
        self._producer = None

    # -- lifecycle -------------------------------------------------------------------------
    def install_signal_handlers(self) -> None:
        def _stop(signum, _frame):
            log.info("signal %s: stopping after the current record", signum)
            self.stopping = True

        signal.signal(signal.SIGTERM, _stop)
        signal.signal(signal.SIGINT, _stop)

    def run(self, max_batches: int | None = None) -> None:
        self._reassigned = False
        self._consumer = make_consumer(
            self.settings, self.group, self.topics, listener=_Flag(self), **self.consumer_overrides
        )
        self._producer = make_producer(self.settings, client_id=f"sciday-{self.group}-dlq")
        batches = 0
        try:
            while not self.stopping and (max_batches is None or batches < max_batches):
                batch = self._consumer.poll(timeout_ms=self.poll_timeout_ms)
                if self._reassigned:
                    batch = self._rewind_uncommitted(batch)
                if not batch:
                    continue
                batches += 1
                self._handle_batch(batch)
        finally:
            self.close()

    def _rewind_uncommitted(self, batch: dict) -> dict:
        """After a (re)assignment, a partition the group has no committed offset for is read from
        the beginning, whatever position this member held.

        kafka-python keeps a partition's position across a rejoin. When the broker lost its data
        (Tansu restarts empty) the topics are recreated and the outbox re-sent into them; a member
        carrying its old offsets into the new topics would skip the re-sent events below them.
        Records already fetched from such a partition are dropped and read again in order.
        """
        self._reassigned = False
        for tp in self._consumer.assignment():
            if self._consumer.committed(tp) is None and self._consumer.position(tp):
                log.warning(
                    "%s has no committed offset but this member was at %s: reading it from the start",
                    tp,
                    self._consumer.position(tp),
                )
                self._consumer.seek_to_beginning(tp)
                batch.pop(tp, None)
        return batch

    def close(self) -> None:
        if self._consumer is not None:
            try:
                self._consumer.close(autocommit=False)
            except Exception:  # closing after a broker loss must not mask the real exit
                log.warning("consumer close failed", exc_info=True)
            self._consumer = None
        if self._producer is not None:
            try:
                self._producer.flush(timeout=5)
                self._producer.close(timeout=5)
            except Exception:
                log.warning("producer close failed", exc_info=True)
            self._producer = None

    # -- one batch ---------------------------------------------------------------------------
    def _handle_batch(self, batch: dict) -> None:
        for tp, records in batch.items():
            next_offset = None
            for record in records:
                if self.stopping:
                    break
                self.handle_record(record)
                next_offset = record.offset + 1
            if next_offset is not None:
                self._commit(tp, next_offset)
            if self.stopping:
                break

    def _commit(self, tp: TopicPartition, offset: int) -> None:
        from kafka.structs import OffsetAndMetadata

        try:
            self._consumer.commit({tp: OffsetAndMetadata(offset, "", -1)})
        except (CommitFailedError, KafkaError) as exc:
            # A rebalance took the partition away: the new owner re-reads and dedupes.
            log.warning("commit of %s@%s failed: %s", tp, offset, exc)

    def handle_record(self, record) -> None:
        """Handle one record; while Redis is away, wait for it and try the same record again."""
        waited = 0
        while True:
            try:
                return self._handle_once(record)
            except STORE_OUTAGE as exc:
                if self.stopping:
                    # Leave it uncommitted: the next owner of the partition handles it.
                    raise SystemExit(0) from exc
                waited += 1
                STORE_WAITS.labels(self.group).inc()
                delay = min(STORE_WAIT_CAP_S, self.backoff_ms * (2 ** min(waited - 1, 10)) / 1000.0)
                log.warning(
                    "redis unavailable while handling %s[%s]@%s (wait %d), trying again in %.2fs: %s",
                    record.topic,
                    record.partition,
                    record.offset,
                    waited,
                    delay,
                    exc,
                )
                time.sleep(delay)

    def _handle_once(self, record) -> None:
        origin = record.topic[len(self.settings.topic_prefix) :]
        try:
            envelope = decode(record.value)
        except PoisonMessage as exc:
            self._dead_letter(record, origin, str(exc))
            return
        event_id = envelope["event_id"]
        if self.dedupe.seen(event_id):
            DUPLICATES.labels(self.group).inc()
            log.debug("skip duplicate %s", event_id)
            return
        attempt = 0
        while True:
            try:
                self.handler(envelope)
                break
            except STORE_OUTAGE:
                raise  # not this message's fault: handle_record waits for Redis
            except TransientError as exc:
                attempt += 1
                RETRIES.labels(self.group).inc()
                if attempt > self.max_retries or self.stopping:
                    if self.stopping:
                        # Leave it uncommitted: the next owner of the partition retries it.
                        raise SystemExit(0) from exc
                    self._dead_letter(record, origin, f"gave up after {attempt} attempts: {exc}")
                    return
                delay = self.backoff_ms * (2 ** (attempt - 1)) / 1000.0
                log.warning(
                    "transient failure on %s (attempt %d), retrying in %.2fs: %s",
                    event_id,
                    attempt,
                    delay,
                    exc,
                )
                time.sleep(delay)
            except Exception as exc:  # a handler bug on this message: poison, not a crash loop
                log.exception("handler failed on %s", event_id)
                self._dead_letter(record, origin, f"{type(exc).__name__}: {exc}")
                return
        self.dedupe.mark(event_id)
        HANDLED.labels(self.group, envelope["type"]).inc()

    def _dead_letter(self, record, origin: str, error: str) -> None:
        DEAD_LETTERED.labels(self.group, origin).inc()
        log.error("dead-lettering %s[%s]@%s: %s", origin, record.partition, record.offset, error[:500])
        headers = [
            ("dlq-origin-topic", origin.encode()),
            ("dlq-origin-partition", str(record.partition).encode()),
            ("dlq-origin-offset", str(record.offset).encode()),
            ("dlq-consumer-group", self.group.encode()),
            ("dlq-error", error[:1000].encode("utf-8", "replace")),
        ]
        future = self._producer.send(
            self.settings.topic_prefix + dlq_for(origin), key=record.key, value=record.value, headers=headers
        )
        future.get(timeout=10)  # the DLQ write must land before the offset moves past it
