"""The outbox relay: moves a Redis outbox stream to Kafka, one relay per stream at a time (a lease),
the cursor moved only after Kafka acknowledged (see ``shared.outbox``)."""

from __future__ import annotations

import json
import logging
import os
import threading
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

from kafka import KafkaAdminClient, KafkaProducer
from kafka.errors import KafkaError, KafkaTimeoutError
from prometheus_client import Counter, Gauge

from shared import periodic
from shared.config import Settings
from shared.kafka import make_producer
from shared.outbox_keys import cursor_key as cursor_key  # re-exported: the tests read the keys here
from shared.outbox_keys import stream_key as stream_key
from shared.outbox_topics import RelayTopics
from shared.redis_scripts import OUTAGE as STORE_OUTAGE
from shared.redis_scripts import Scripts

log = logging.getLogger("sciday.outbox")

RELAYED = Counter("sciday_outbox_relayed_total", "Outbox entries sent to Kafka")
STORE_WAITS = Counter("sciday_outbox_store_waits_total", "Relay waits for Redis to come back", ["stream"])
LEASE_LOST = Counter("sciday_outbox_lease_lost_total", "Relay steps abandoned on a lost lease", ["stream"])
LEADER = Gauge("sciday_relay_leader", "1 while this relay holds its stream's lease", ["stream"])


class LeaseLost(Exception):
    """Another relay holds the lease now: this one must not produce or move the cursor."""


class Relay(RelayTopics):
    def __init__(
        self,
        settings: Settings,
        redis: Any,
        batch: int = 500,
        block_ms: int = 200,
        retention_s: int = 24 * 3600,
        stream: str = "outbox",
        lease_ms: int = 10000,
    ):
        self.settings, self.redis = settings, redis
        self.stream = stream
        self.batch, self.block_ms, self.retention_s = batch, block_ms, retention_s
        self.producer: Any = None
        self._last_trim = 0.0
        # One relay per stream works at a time, however many processes run one: a lease in Redis.
        # A step renews it every third of its length while it waits on the broker, checks it
        # before producing, and moves the cursor only while holding it (relay_advance.lua).
        self.lease_key = f"{settings.redis_prefix}{stream}:relay-lease"
        self.lease_ms = lease_ms
        # The longest a step waits for the broker before it gives the batch up for now.
        self.step_budget_s = 10.0
        # A batch the broker did not acknowledge in time, still in the producer's buffer: it is
        # settled before anything else is read, so an outage never buffers a second copy of it.
        self._inflight: tuple[bytes, list[Any], list[Any]] | None = None
        self.holder = f"{os.getpid()}-{uuid.uuid4().hex[:8]}"
        self._scripts = Scripts(redis, Path(__file__).parent, ["relay_lease", "relay_advance"])
        self._renewed_at = 0.0
        self._leads = False  # whether the last look at the lease found this relay holding it
        LEADER.labels(stream).set(0)
        self._checked_ids_at = 0.0
        self._admin: KafkaAdminClient | None = None
        self.clock: Callable[[], float] = time.monotonic
        self.sleep: Callable[[float], None] = time.sleep

    def hold_lease(self) -> bool:
        """Take the lease, or renew it if this relay holds it. Another relay takes over within
        ``lease_ms`` of this one dying."""
        return self._lease("take")

    def _lease(self, mode: str) -> bool:
        held = bool(self._scripts.relay_lease(keys=[self.lease_key], args=[self.holder, self.lease_ms, mode]))
        self._leads = held
        if held:
            self._renewed_at = self.clock()
        return held

    def _keep_lease(self) -> None:
        """Inside a step: renew when a third of the lease has passed; raise if it was lost."""
        if self.clock() - self._renewed_at >= self.lease_ms / 3000.0 and not self._lease("renew"):
            raise LeaseLost(self.lease_key)

    def run(self, stop: threading.Event | None = None) -> None:
        """Relay until the optional ``stop`` event is set: turns of the one periodic loop
        (shared/periodic.py) with no pause between them, since a turn waits by itself (on the
        stream, ``block_ms``; on the lease, a second). A Redis outage waits a second and goes on (a
        relay running as a thread must not die with Redis); any other error ends the run, and
        ``outbox.run_relay`` starts a new relay with a new producer."""
        self.ensure_topics()
        self.producer = self._new_producer()
        try:
            periodic.every(f"relay:{self.stream}", 0.0, self._guarded_turn, stop or threading.Event(),
                           self.settings, pass_s=self.lease_ms / 1000 + 2 * self.step_budget_s,
                           retry_s=1.0, backoff_max_s=1.0, fatal=(Exception,))  # fmt: skip
        finally:
            LEADER.labels(self.stream).set(0)
            # Stop in order: whatever was read but not acknowledged is simply read again next
            # start, because the cursor only moves after Kafka acknowledged.
            try:
                self.producer.flush(timeout=5)
                self.producer.close(timeout=5)
                if self._admin is not None:
                    self._admin.close()
            except Exception:
                log.warning("producer close failed", exc_info=True)

    def _guarded_turn(self) -> None:
        LEADER.labels(self.stream).set(1 if self._leads else 0)
        try:
            self._turn()
        except STORE_OUTAGE:  # Redis restarting: nothing moved, the cursor is where it was
            STORE_WAITS.labels(self.stream).inc()
            raise

    def _new_producer(self) -> KafkaProducer:
        # A send blocked on metadata must come back in time to renew the lease.
        return make_producer(
            self.settings,
            client_id=f"sciday-relay-{self.stream.replace(':', '-')}",
            max_block_ms=max(100, min(10000, self.lease_ms // 3)),
            batch_size=self.settings.relay_batch_bytes,
        )

    def _turn(self) -> None:
        if not self.hold_lease():
            self.sleep(1.0)
            return
        if self.clock() - self._checked_ids_at > 2.0:
            self._check_quietly()
            if not self.hold_lease():  # the check can take seconds: hold the lease again first
                return
        moved = self.step()
        if moved == 0:
            self._trim()

    def step(self) -> int:
        """Relay one batch; returns how many entries moved (0 when idle, on failure or when the
        lease was lost)."""
        key = stream_key(self.settings, self.stream)
        cursor = self.cursor()
        if self._inflight is not None:
            return self._settle(cursor)
        entries = self.redis.xread({key: cursor}, count=self.batch, block=self.block_ms)
        if not entries:
            return 0
        records = entries[0][1]
        linger_s = self.settings.relay_linger_ms / 1000
        if len(records) < self.batch and linger_s > 0:  # a trickle: gather a little more first
            self.sleep(linger_s)
            more = self.redis.xread({key: records[-1][0]}, count=self.batch - len(records))
            if more:
                records = records + more[0][1]
        if not self._lease("renew"):  # lost while idle or paused: stop before producing anything
            LEASE_LOST.labels(self.stream).inc()
            log.warning("relay lease on %s lost before the step: %d entries left", self.stream, len(records))
            return 0
        try:
            if not self._produce(records, cursor):
                return 0
        except LeaseLost:
            self._abandon(len(records))
            return 0
        return self._advance(records)

    def _settle(self, cursor: bytes) -> int:
        """The batch left in the producer's buffer by a broker outage: wait for its acks instead
        of sending it again (each failed step used to buffer one more copy, all delivered when the
        broker came back).  Sent from the cursor again only once the producer gave it up."""
        read_at, records, futures = self._inflight  # type: ignore[misc]
        if cursor != read_at:  # rewound meanwhile (topics recreated): that batch goes again anyway
            self._drop_buffered()
            return 0
        if not self._lease("renew"):
            self._abandon(len(records))
            return 0
        try:
            self.producer.flush(timeout=max(0.01, self.lease_ms / 3000.0))
        except KafkaTimeoutError:
            self.sleep(1.0)
            return 0  # still buffered: the producer keeps retrying it
        self._inflight = None
        if any(f.failed() for f in futures):  # given up by the producer: read and send it again
            log.warning("the producer gave up %d entries after the outage; sending them again", len(records))
            return 0
        return self._advance(records)

    def _advance(self, records: list[Any]) -> int:
        last_id = records[-1][0]
        if not self._scripts.relay_advance(
            keys=[self.lease_key, cursor_key(self.settings, self.stream)],
            args=[self.holder, last_id, self.lease_ms],
        ):
            # Sent, but another relay holds the lease now: it sends them again (consumers dedupe).
            LEASE_LOST.labels(self.stream).inc()
            log.warning(
                "relay lease lost before the cursor moved; %d entries will be sent again", len(records)
            )
            return 0
        self._renewed_at = self.clock()
        RELAYED.inc(len(records))
        return len(records)

    def _produce(self, records: list[Any], read_at: bytes = b"") -> bool:
        """Send the batch and wait for the broker's acks, renewing the lease meanwhile.
        False if the broker is away (the entries wait in the outbox); LeaseLost if the lease went."""
        deadline = self.clock() + self.step_budget_s
        futures = []
        try:
            for _entry_id, fields in records:
                self._keep_lease()
                topic = self.settings.topic_prefix + fields[b"topic"].decode()
                headers = (
                    [(n, v.encode("utf-8")) for n, v in json.loads(fields[b"headers"])]
                    if b"headers" in fields
                    else []
                )
                futures.append(
                    self.producer.send(
                        topic,
                        key=fields[b"key"],
                        headers=headers,
                        value=fields.get(b"envelope") or fields[b"value"],
                    )
                )
            slice_s = self.lease_ms / 3000.0
            while True:
                self._keep_lease()
                try:
                    self.producer.flush(timeout=max(0.01, min(slice_s, deadline - self.clock())))
                    break
                except KafkaTimeoutError:
                    if self.clock() >= deadline:
                        raise
            for f in futures:
                f.get(timeout=max(0.01, deadline - self.clock()))
        except (KafkaError, OSError) as exc:
            log.warning("broker unavailable, %d entries wait in the outbox: %s", len(records), exc)
            if futures and not all(f.is_done for f in futures):
                self._inflight = (read_at, records, futures)  # settled before the next read
            self.sleep(1.0)
            try:
                self.ensure_topics(timeout_s=3.0)
            except RuntimeError:
                pass  # still down: the next step tries again
            return False
        return True

    def _abandon(self, count: int) -> None:
        """The lease went to another relay mid-step: drop whatever this one still buffers, so the
        two never produce side by side, and start again with a fresh producer."""
        LEASE_LOST.labels(self.stream).inc()
        log.warning("relay lease on %s lost mid-step: %d entries left to the new holder", self.stream, count)
        self._drop_buffered()

    def _drop_buffered(self) -> None:
        """Abort whatever the producer still buffers and start again with a fresh one."""
        self._inflight = None
        try:
            self.producer.close(timeout=0)
        except KafkaTimeoutError:  # close(0) flushes first and gives up: abort what is buffered
            sender = getattr(self.producer, "_sender", None)
            if sender is not None:
                sender.force_close()
        except Exception:
            log.warning("producer close failed", exc_info=True)
        self.producer = self._new_producer()

    def _trim(self) -> None:
        now = time.time()
        if now - self._last_trim < 60:
            return
        self._last_trim = now
        cursor = self.cursor().decode()
        oldest_kept = f"{int((now - self.retention_s) * 1000)}-0"
        # Never trim past the cursor: unrelayed entries stay whatever their age.
        min_id = min(cursor, oldest_kept, key=lambda s: tuple(int(p) for p in s.split("-")))
        self.redis.xtrim(stream_key(self.settings, self.stream), minid=min_id, approximate=True)
