"""What the consumer loop does with a record it cannot handle: dead-letter poison, park an
event of a newer version, halt on persistent failures (the rules are in ``shared.consumer``)."""

from __future__ import annotations

import json
import time
from collections import deque
from collections.abc import Callable
from typing import Any

from kafka import KafkaProducer
from kafka.consumer.fetcher import ConsumerRecord

from shared.config import Settings
from shared.consumer_kit import DEAD_LETTERED, HALTED, PARKED, ConsumerHalted, log
from shared.halts import halt_key
from shared.topics import dlq_for, parked_for


class Outcomes:
    """The loop's failure paths, mixed into :class:`shared.consumer.ConsumerLoop`."""

    settings: Settings
    group: str
    redis: Any
    clock: Callable[[], float]
    _recent: deque[int]
    _dead_letters: deque[float]
    _producer: KafkaProducer | None
    _halt_noted: bool

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
