"""The consumer loop's poll batch: decoded once, deduped in one round trip, handled at once by a
``batch_handler`` or record by record, marked in one pipeline, then committed (see
``shared.consumer``)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from kafka import KafkaConsumer, TopicPartition
from kafka.consumer.fetcher import ConsumerRecord
from kafka.errors import CommitFailedError, KafkaError

from shared.consumer_kit import (
    DUPLICATES,
    HANDLED,
    LAG,
    STORE_WAIT_CAP_S,
    STORE_WAITS,
    BatchHandler,
    ConsumerHalted,
    Dedupe,
    _at,
    log,
)
from shared.consumer_outcomes import Outcomes
from shared.envelope import PoisonMessage, decode
from shared.redis_scripts import OUTAGE as STORE_OUTAGE


class Batches(Outcomes):
    """A poll batch's handling, mixed into :class:`shared.consumer.ConsumerLoop`."""

    stopping: bool
    backoff: int
    sleep: Callable[[float], None]
    batch_handler: BatchHandler | None
    dedupe: Dedupe
    _consumer: KafkaConsumer | None
    _decoded: dict[tuple[str, int, int], dict[str, Any] | PoisonMessage]
    _seen: set[str]
    _unmarked: dict[str, None]
    _reassigned: bool

    def handle_record(self, record: ConsumerRecord) -> None:
        raise NotImplementedError  # ConsumerLoop's

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
