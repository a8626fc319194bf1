"""The Kafka consumer loop every sciday worker runs.

- At least once: offsets are committed only after every record before them was handled (or
  dead-lettered as poison), never automatically.
- Dedupe on ``event_id``: a handled event is remembered in Redis for ``dedupe_ttl`` seconds and
  skipped when it comes again (redelivery after a crash or rebalance, a relay re-send).
- Only poison goes to ``<topic>-dlq`` (with headers naming its origin): a record that is not
  JSON, not an envelope, of an unknown type or version, or whose data fails its schema (the
  decoder says so, or the handler raises :class:`~shared.envelope.PoisonMessage`).
- A known event type at a version newer than this code knows is not poison but early (a producer
  upgraded before its consumers): it is *parked* in ``<topic>-parked`` with the same headers
  (``parked-*``), counted in ``sciday_events_parked_total{group,topic}`` and logged at CRITICAL;
  after the upgrade ``sciday parked replay <topic>`` sends it back (docs/operations.md).
- A handler exception is the code's fault, not the record's: the record is tried again with
  exponential backoff, in place (a partition's records are never skipped, so order holds).
  The loop *halts* when failures persist past a cap: one record failing ``consumer_max_retries``
  retries in a row, or ``consumer_halt_failure_share`` of the last ``consumer_failure_window``
  records needing a retry.  Halting commits nothing past the failing record, logs at CRITICAL,
  sets ``sciday_consumer_halted{group}`` to 1, notes the halt in Redis, and leaves the process
  with exit status 3 (:class:`ConsumerHalted`), so the supervisor restarts it and the operator
  sees it.  After the fix the records are redelivered and handled; nothing is lost.
- The DLQ rate is capped as well (arroyo's guard): more than ``consumer_dlq_max`` poison records
  within ``consumer_dlq_window_s`` seconds halts the loop, so a bad producer deploy cannot drain a
  topic into its DLQ either.
- A Redis outage is not the message's fault: the loop waits for Redis (capped backoff, no retry
  limit), never counts it as a failure and never dead-letters a record because the store was away.
- SIGTERM / SIGINT finish the current record, commit, leave the group and return.

Batches (issue 18).  A poll batch is decoded once and checked against the dedupe marks in one
Redis round trip (``MGET``); the marks of the handled events are written in one pipeline before
the offsets are committed.  A loop given a ``batch_handler`` hands it all fresh events of the poll
batch at once (the handler writes them in one or two round trips, atomically where it can); if
anything in the batch is poison, or the batch handler raises, or Redis goes away, the same batch
is handled again record by record with every rule above (retries, halts, the DLQ), so a batch
never changes an outcome.  Handlers are idempotent upserts, so handling a batch again after a
failed attempt leaves the same state as handling it once.
"""

from __future__ import annotations

import json
import logging
import signal
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from types import FrameType
from typing import Any

from kafka import ConsumerRebalanceListener, KafkaConsumer, KafkaProducer, TopicPartition
from kafka.consumer.fetcher import ConsumerRecord
from kafka.errors import CommitFailedError, KafkaError
from prometheus_client import Counter, Gauge

from shared import worker
from shared.config import Settings
from shared.envelope import NewerVersion, PoisonMessage, decode
from shared.halts import halt_key
from shared.kafka import make_consumer, make_producer
from shared.redis_scripts import OUTAGE as STORE_OUTAGE
from shared.topics import dlq_for, parked_for

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
LAG_EVERY_S = 10.0
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


class _Flag(ConsumerRebalanceListener):  # type: ignore[misc]
    """Notes an assignment; the loop acts on it after poll (no network calls inside the callback)."""

    def __init__(self, loop: ConsumerLoop):
        self.loop = loop

    def on_partitions_revoked(self, revoked: Any) -> None:
        pass

    def on_partitions_assigned(self, assigned: Any) -> None:
        self.loop._reassigned = True


@dataclass
class ConsumerLoop:
    settings: Settings
    group: str
    topics: list[str]
    handler: Handler
    redis: Any
    max_retries: int | None = None
    backoff_ms: int | None = None
    poll_timeout_ms: int = 500
    consumer_overrides: dict[str, Any] = field(default_factory=dict)
    stopping: bool = False
    # Injected so unit tests neither sleep through backoffs nor wait out the DLQ window.
    clock: Callable[[], float] = time.monotonic
    sleep: Callable[[float], None] = time.sleep
    # Optional: handle a poll batch's fresh events at once (see the module docstring).
    batch_handler: BatchHandler | None = None

    def __post_init__(self) -> None:
        s = self.settings
        self.retries: int = s.consumer_max_retries if self.max_retries is None else self.max_retries
        self.backoff: int = s.consumer_backoff_ms if self.backoff_ms is None else self.backoff_ms
        self.dedupe = Dedupe(self.redis, s.redis_prefix, self.group)
        # 1 for each recent record that needed a retry, 0 for one handled at the first attempt.
        self._recent: deque[int] = deque(maxlen=max(1, s.consumer_failure_window))
        self._dead_letters: deque[float] = deque()
        self._consumer: KafkaConsumer | None = None
        self._producer: KafkaProducer | None = None
        self._reassigned = False
        # A halt noted by an earlier process is cleared by this one's first success.
        self._halt_noted = True
        # Per poll batch: decoded envelopes (or the poison's reason) by record position, which
        # event ids were handled before, and the ids handled in this batch not yet marked.
        self._decoded: dict[tuple[str, int, int], dict[str, Any] | PoisonMessage] = {}
        self._seen: set[str] = set()
        self._unmarked: dict[str, None] = {}

    # -- lifecycle -------------------------------------------------------------------------
    def install_signal_handlers(self) -> None:
        def _stop(signum: int, _frame: FrameType | None) -> None:
            log.info("signal %s: stopping after the current record", signum)
            self.stopping = True

        signal.signal(signal.SIGTERM, _stop)
        signal.signal(signal.SIGINT, _stop)

    def run(self, max_batches: int | None = None) -> None:
        """Consume until ``stopping``; raises :class:`ConsumerHalted` on persistent failures."""
        self._reassigned = False
        self._consumer = make_consumer(
            self.settings, self.group, self.topics, listener=_Flag(self), **self.consumer_overrides
        )
        self._producer = make_producer(self.settings, client_id=f"sciday-{self.group}-dlq")
        batches = 0
        loop_name = f"consumer:{self.group}"
        # A batch may retry a record up to `retries` times, each backoff at most the cap.
        within = (
            self.poll_timeout_ms / 1000 + self.settings.worker_stall_s + self.retries * RETRY_BACKOFF_CAP_S
        )
        lag_at = 0.0
        try:
            while not self.stopping and (max_batches is None or batches < max_batches):
                worker.beat(loop_name, within)
                batch = self._consumer.poll(timeout_ms=self.poll_timeout_ms)
                if self.clock() - lag_at >= LAG_EVERY_S:
                    lag_at = self.clock()
                    self._note_lag()
                if self._reassigned:
                    batch = self._rewind_uncommitted(batch)
                if not batch:
                    continue
                batches += 1
                self._handle_batch(batch)
        finally:
            worker.forget(loop_name)
            self.close()

    def _note_lag(self) -> None:
        """This member's lag from what its fetches already told it: no request of its own."""
        consumer = self._consumer
        if consumer is None:
            return
        total = 0
        try:
            for tp in consumer.assignment():
                end = consumer.highwater(tp)
                if end is not None:
                    total += max(0, end - consumer.position(tp))
        except Exception:  # a rebalance under way: the next turn looks again
            return
        LAG.labels(self.group).set(total)

    def _rewind_uncommitted(self, batch: dict[TopicPartition, list[ConsumerRecord]]) -> dict[Any, Any]:
        """After a (re)assignment, a partition the group has no committed offset for is read from
        the beginning, whatever position this member held.

        kafka-python keeps a partition's position across a rejoin. When the broker lost its data
        (Tansu restarts empty) the topics are recreated and the outbox re-sent into them; a member
        carrying its old offsets into the new topics would skip the re-sent events below them.
        Records already fetched from such a partition are dropped and read again in order.
        """
        self._reassigned = False
        consumer = self._consumer
        assert consumer is not None
        for tp in consumer.assignment():
            if consumer.committed(tp) is None and consumer.position(tp):
                log.warning(
                    "%s has no committed offset but this member was at %s: reading it from the start",
                    tp,
                    consumer.position(tp),
                )
                consumer.seek_to_beginning(tp)
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
    def _handle_batch(self, batch: dict[TopicPartition, list[ConsumerRecord]]) -> None:
        self._prefetch(batch)
        try:
            at_once = self.batch_handler is not None and self.settings.consumer_batch_handlers
            if at_once and not self.stopping and self._handle_at_once(batch):
                return
            self._handle_one_by_one(batch)
        finally:
            self._decoded, self._seen = {}, set()

    def _prefetch(self, batch: dict[TopicPartition, list[ConsumerRecord]]) -> None:
        """Decode the poll batch once and read its dedupe marks in one round trip."""
        ids: list[str] = []
        for records in batch.values():
            for record in records:
                try:
                    envelope = decode(record.value)
                except PoisonMessage as exc:
                    self._decoded[_at(record)] = exc
                    continue
                self._decoded[_at(record)] = envelope
                ids.append(envelope["event_id"])
        try:
            self._seen = {e for e, seen in zip(ids, self.dedupe.seen_many(ids), strict=True) if seen}
        except STORE_OUTAGE:
            self._decoded = {}  # Redis away: handle_record reads each mark itself, waiting for it

    def _handle_at_once(self, batch: dict[TopicPartition, list[ConsumerRecord]]) -> bool:
        """The whole poll batch through ``batch_handler``; False (nothing marked or committed) when
        it has to be handled record by record instead."""
        assert self.batch_handler is not None
        fresh: list[dict[str, Any]] = []
        ids: set[str] = set()
        duplicates = 0
        for records in batch.values():
            for record in records:
                envelope = self._decoded.get(_at(record))
                if not isinstance(envelope, dict):
                    return False  # poison (or not decoded): the record-by-record rules apply
                event_id = envelope["event_id"]
                if event_id in self._seen or event_id in ids:
                    duplicates += 1
                    continue
                ids.add(event_id)
                fresh.append(envelope)
        try:
            if fresh:
                self.batch_handler(fresh)
            self.dedupe.mark_many([e["event_id"] for e in fresh])
        except STORE_OUTAGE as exc:
            log.warning(
                "redis unavailable during a batch of %d, handling it record by record: %s", len(fresh), exc
            )
            return False
        except Exception as exc:
            log.warning("batch of %d failed (%r), handling it record by record", len(fresh), exc)
            return False
        if duplicates:
            DUPLICATES.labels(self.group).inc(duplicates)
        for envelope in fresh:
            HANDLED.labels(self.group, envelope["type"]).inc()
        self._recent.extend([0] * len(fresh))
        if fresh and self._halt_noted:
            try:
                self._clear_halt()
            except STORE_OUTAGE:  # the batch stands; a later success clears the note
                self._halt_noted = True
        self._commit({tp: records[-1].offset + 1 for tp, records in batch.items() if records})
        return True

    def _handle_one_by_one(self, batch: dict[TopicPartition, list[ConsumerRecord]]) -> None:
        for tp, records in batch.items():
            next_offset = None
            try:
                for record in records:
                    if self.stopping:
                        break
                    self.handle_record(record)
                    next_offset = record.offset + 1
            except ConsumerHalted:
                # The records before the failing one were handled: commit them, not it.
                self._flush_marks()
                if next_offset is not None:
                    self._commit({tp: next_offset})
                raise
            finally:
                self._flush_marks()
            if next_offset is not None:
                self._commit({tp: next_offset})
            if self.stopping:
                break

    def _flush_marks(self) -> None:
        """Write the dedupe marks of the records handled so far in one round trip, before their
        offsets are committed; while Redis is away, wait for it (as handle_record does)."""
        waited = 0
        while self._unmarked:
            try:
                self.dedupe.mark_many(list(self._unmarked))
                self._seen.update(self._unmarked)  # a later partition of this batch may repeat one
                self._unmarked = {}
            except STORE_OUTAGE as exc:
                if self.stopping:
                    # Uncommitted or not, the state is written: a redelivery re-applies upserts.
                    log.warning("could not mark %d handled events (redis away): %s", len(self._unmarked), exc)
                    self._seen.update(self._unmarked)
                    self._unmarked = {}
                    return
                waited += 1
                STORE_WAITS.labels(self.group).inc()
                self.sleep(min(STORE_WAIT_CAP_S, self.backoff * (2 ** min(waited - 1, 10)) / 1000.0))

    def _commit(self, offsets: dict[TopicPartition, int]) -> None:
        from kafka.structs import OffsetAndMetadata

        assert self._consumer is not None
        try:
            self._consumer.commit({tp: OffsetAndMetadata(o, "", -1) for tp, o in offsets.items()})
        except (CommitFailedError, KafkaError) as exc:
            # A rebalance took the partition away: the new owner re-reads and dedupes.
            log.warning("commit of %s failed: %s", offsets, exc)

    def handle_record(self, record: ConsumerRecord) -> None:
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
                delay = min(STORE_WAIT_CAP_S, self.backoff * (2 ** min(waited - 1, 10)) / 1000.0)
                log.warning(
                    "redis unavailable while handling %s[%s]@%s (wait %d), trying again in %.2fs: %s",
                    record.topic,
                    record.partition,
                    record.offset,
                    waited,
                    delay,
                    exc,
                )
                self.sleep(delay)

    def _handle_once(self, record: ConsumerRecord) -> None:
        origin = record.topic[len(self.settings.topic_prefix) :]
        decoded = self._decoded.get(_at(record))
        try:
            envelope = decode(record.value) if decoded is None else decoded
            if isinstance(envelope, PoisonMessage):
                raise envelope
        except NewerVersion as exc:
            self._park(record, origin, str(exc))
            return
        except PoisonMessage as exc:
            self._dead_letter(record, origin, str(exc))
            return
        event_id = envelope["event_id"]
        known = event_id in self._seen or event_id in self._unmarked
        if known or (decoded is None and self.dedupe.seen(event_id)):
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
            except PoisonMessage as exc:  # the handler found the data invalid: poison after all
                self._dead_letter(record, origin, f"rejected by the handler: {exc}")
                return
            except Exception as exc:
                attempt += 1
                FAILURES.labels(self.group).inc()
                where = f"{origin}[{record.partition}]@{record.offset} ({envelope['type']} {event_id})"
                if self.stopping:
                    # Leave it uncommitted: the next owner of the partition retries it.
                    raise SystemExit(0) from exc
                if attempt > self.retries:
                    self._halt(record, origin, f"{where} still fails after {attempt} attempts: {exc!r}")
                if attempt == 1 and len(self._recent) == self._recent.maxlen:
                    self._check_share(record, origin, where)
                delay = min(RETRY_BACKOFF_CAP_S, self.backoff * (2 ** (attempt - 1)) / 1000.0)
                if isinstance(exc, TransientError):
                    log.warning(
                        "transient failure on %s (attempt %d), retry in %.2fs: %s", where, attempt, delay, exc
                    )
                else:
                    log.exception("handler failed on %s (attempt %d), retry in %.2fs", where, attempt, delay)
                RETRIES.labels(self.group).inc()
                self.sleep(delay)
        self._recent.append(1 if attempt else 0)
        if decoded is None:
            self.dedupe.mark(event_id)  # outside a prefetched batch (Redis was away): at once
        else:
            self._unmarked[event_id] = None
        HANDLED.labels(self.group, envelope["type"]).inc()
        if self._halt_noted:
            self._clear_halt()

    def _check_share(self, record: ConsumerRecord, origin: str, where: str) -> None:
        """Halt when too many recent records needed a retry (counting this one)."""
        window = list(self._recent)[1:] + [1]
        share = sum(window) / len(window)
        if share >= self.settings.consumer_halt_failure_share:
            self._halt(
                record,
                origin,
                f"{where} fails, and {share:.0%} of the last {len(window)} records needed a retry",
            )

    # -- poison --------------------------------------------------------------------------------
    def _dead_letter(self, record: ConsumerRecord, origin: str, error: str) -> None:
        now = self.clock()
        window_s = self.settings.consumer_dlq_window_s
        while self._dead_letters and self._dead_letters[0] <= now - window_s:
            self._dead_letters.popleft()
        if len(self._dead_letters) >= self.settings.consumer_dlq_max:
            self._halt(
                record,
                origin,
                f"more than {self.settings.consumer_dlq_max} poison records within {window_s:g}s "
                f"(a bad producer?); the latest: {error[:300]}",
            )
        self._dead_letters.append(now)
        DEAD_LETTERED.labels(self.group, origin).inc()
        log.error("dead-lettering %s[%s]@%s: %s", origin, record.partition, record.offset, error[:500])
        headers = [
            ("dlq-origin-topic", origin.encode()),
            ("dlq-origin-partition", str(record.partition).encode()),
            ("dlq-origin-offset", str(record.offset).encode()),
            ("dlq-consumer-group", self.group.encode()),
            ("dlq-error", error[:1000].encode("utf-8", "replace")),
        ]
        assert self._producer is not None
        future = self._producer.send(
            self.settings.topic_prefix + dlq_for(origin), key=record.key, value=record.value, headers=headers
        )
        future.get(timeout=10)  # the DLQ write must land before the offset moves past it

    def _park(self, record: ConsumerRecord, origin: str, why: str) -> None:
        """Not poison but early: kept whole in ``<topic>-parked`` for a replay after the upgrade."""
        PARKED.labels(self.group, origin).inc()
        log.critical(
            "PARKED %s[%s]@%s (group %s): %s. Upgrade this consumer, then: sciday parked replay %s",
            origin,
            record.partition,
            record.offset,
            self.group,
            why,
            origin,
        )
        headers = [
            ("parked-origin-topic", origin.encode()),
            ("parked-origin-partition", str(record.partition).encode()),
            ("parked-origin-offset", str(record.offset).encode()),
            ("parked-consumer-group", self.group.encode()),
            ("parked-reason", why[:1000].encode("utf-8", "replace")),
        ]
        assert self._producer is not None
        future = self._producer.send(
            self.settings.topic_prefix + parked_for(origin),
            key=record.key,
            value=record.value,
            headers=headers,
        )
        future.get(timeout=10)  # parked before the offset moves past it

    # -- halting -------------------------------------------------------------------------------
    def _halt(self, record: ConsumerRecord, origin: str, why: str) -> None:
        HALTED.labels(self.group).set(1)
        log.critical(
            "CONSUMER HALTED (group %s): %s. Nothing past %s[%s]@%s is committed; fix the cause and "
            "restart: the records are redelivered.",
            self.group,
            why,
            origin,
            record.partition,
            record.offset,
        )
        note = {
            "group": self.group,
            "topic": origin,
            "partition": record.partition,
            "offset": record.offset,
            "why": why[:1000],
            "at": time.time(),
        }
        try:
            self.redis.set(
                halt_key(self.settings.redis_prefix, self.group), json.dumps(note, ensure_ascii=False)
            )
        except Exception:  # the halt itself must not fail on a second fault
            log.warning("could not note the halt in redis", exc_info=True)
        raise ConsumerHalted(why)

    def _clear_halt(self) -> None:
        self._halt_noted = False
        self.redis.delete(halt_key(self.settings.redis_prefix, self.group))
        HALTED.labels(self.group).set(0)


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
