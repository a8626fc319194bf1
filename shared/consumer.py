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

import signal
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from types import FrameType
from typing import Any

from kafka import ConsumerRebalanceListener, KafkaConsumer, KafkaProducer
from kafka.consumer.fetcher import ConsumerRecord

from shared import worker
from shared.config import Settings
from shared.consumer_batches import Batches
from shared.consumer_kit import (
    DEAD_LETTERED,
    DUPLICATES,
    EXIT_HALTED,
    FAILURES,
    HALTED,
    HANDLED,
    LAG,
    PARKED,
    RETRIES,
    RETRY_BACKOFF_CAP_S,
    STORE_WAIT_CAP_S,
    STORE_WAITS,
    BatchHandler,
    ConsumerHalted,
    Dedupe,
    Handler,
    TransientError,
    _at,
    in_runs,
    log,
)
from shared.envelope import NewerVersion, PoisonMessage, decode
from shared.halts import halt_key
from shared.kafka import make_consumer, make_producer
from shared.redis_scripts import OUTAGE as STORE_OUTAGE

__all__ = [
    "DEAD_LETTERED",
    "DUPLICATES",
    "EXIT_HALTED",
    "HALTED",
    "HANDLED",
    "LAG",
    "PARKED",
    "STORE_WAIT_CAP_S",
    "BatchHandler",
    "ConsumerHalted",
    "ConsumerLoop",
    "Dedupe",
    "Handler",
    "TransientError",
    "halt_key",
    "in_runs",
]

LAG_EVERY_S = 10.0


class _Flag(ConsumerRebalanceListener):  # type: ignore[misc]
    """Notes an assignment; the loop acts on it after poll (no network calls inside the callback)."""

    def __init__(self, loop: ConsumerLoop):
        self.loop = loop

    def on_partitions_revoked(self, revoked: Any) -> None:
        pass

    def on_partitions_assigned(self, assigned: Any) -> None:
        self.loop._reassigned = True


@dataclass
class ConsumerLoop(Batches):
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
