"""The transactional outbox: events written to a Redis stream in the same Lua call that changes
state, and a relay process that moves them to Kafka.

A 201 therefore means "durable in Redis"; the relay makes sure the event reaches Kafka later,
even if the broker was down at that moment.  The relay is at least once (it re-sends from its
cursor after a crash); consumers dedupe on ``event_id``.

Stream entries have fields ``topic``, ``key`` and ``envelope`` (JSON bytes); an entry may carry its
record in ``value`` instead (a dead letter is not an envelope) and Kafka headers in ``headers``
(JSON ``[[name, value], ...]``).
"""

from __future__ import annotations

import json
import logging
import os
import signal
import time
import uuid

from kafka.errors import KafkaError
from prometheus_client import Counter

from shared.config import Settings
from shared.kafka import make_producer
from shared.redis_scripts import OUTAGE as STORE_OUTAGE
from shared.topics import TOPICS, ensure_topics

log = logging.getLogger("sciday.outbox")

RELAYED = Counter("sciday_outbox_relayed_total", "Outbox entries sent to Kafka")


# Renew the lease only if we still hold it (a paused relay must not steal it back).
_RENEW = """
if redis.call('GET', KEYS[1]) == ARGV[1] then
  return redis.call('PEXPIRE', KEYS[1], ARGV[2])
end
return 0
"""


def stream_key(settings: Settings, name: str = "outbox") -> str:
    """The outbox stream of one producing service: ``outbox`` (registration), ``ck:outbox`` (check-in)."""
    return f"{settings.redis_prefix}{name}"


def cursor_key(settings: Settings, name: str = "outbox") -> str:
    return f"{settings.redis_prefix}{name}:cursor"


class Relay:
    def __init__(
        self,
        settings: Settings,
        redis,
        batch: int = 500,
        block_ms: int = 200,
        retention_s: int = 24 * 3600,
        stream: str = "outbox",
    ):
        self.settings, self.redis = settings, redis
        self.stream = stream
        self.batch, self.block_ms, self.retention_s = batch, block_ms, retention_s
        self.stopping = False
        self.producer = None
        self._last_trim = 0.0
        # One relay per stream works at a time, however many processes run one: a lease in Redis.
        self.lease_key = f"{settings.redis_prefix}{stream}:relay-lease"
        self.lease_ms = 10000  # longer than one step can take with the broker down (~4 s)
        self.holder = f"{os.getpid()}-{uuid.uuid4().hex[:8]}"
        self._checked_ids_at = 0.0
        self._admin = None

    def _check_quietly(self) -> None:
        self._checked_ids_at = time.monotonic()
        try:
            current = self.topic_ids()
            if len(current) < len(TOPICS):
                self.ensure_topics(timeout_s=3.0)  # recreate the missing topics, then compare ids
            else:
                self.check_topic_ids(current)
        except Exception as exc:  # the broker is down: the send path reports and retries
            log.debug("topic id check failed: %s", exc)

    def hold_lease(self) -> bool:
        """Take the lease, or renew it if this relay holds it. Another relay takes over within
        ``lease_ms`` of this one dying."""
        if self.redis.set(self.lease_key, self.holder, nx=True, px=self.lease_ms):
            return True
        return bool(self.redis.eval(_RENEW, 1, self.lease_key, self.holder, self.lease_ms))

    def install_signal_handlers(self) -> None:
        def _stop(signum, _frame):
            self.stopping = True

        signal.signal(signal.SIGTERM, _stop)
        signal.signal(signal.SIGINT, _stop)

    def cursor(self) -> bytes:
        return self.redis.get(cursor_key(self.settings, self.stream)) or b"0-0"

    def ensure_topics(self, timeout_s: float = 30.0) -> None:
        """Create missing topics; if the broker lost what it had, re-send the retained outbox.

        An in-memory broker (Tansu) forgets every topic and message on restart, and whoever
        reconnects first recreates the topics. A recreated topic has a new topic id, so the relay
        remembers the ids of its topics in Redis and, when one changes, rewinds its cursor to the
        oldest retained entry: events relayed before the loss but perhaps never consumed are sent
        again. Consumers dedupe on ``event_id``, so re-sending is harmless. This also covers a
        whole `make run` restart, where Tansu starts empty and Redis remembers everything.
        """
        ensure_topics(self.settings.kafka_bootstrap_servers, self.settings.topic_prefix, timeout_s=timeout_s)
        self.check_topic_ids()

    def topic_ids(self) -> dict[str, str]:
        """The id of every registered topic that exists, through one admin client kept open."""
        from kafka import KafkaAdminClient

        names = [self.settings.topic_prefix + t.name for t in TOPICS]
        try:
            if self._admin is None:
                self._admin = KafkaAdminClient(
                    bootstrap_servers=self.settings.kafka_bootstrap_servers,
                    client_id="sciday-relay-check",
                    request_timeout_ms=5000,
                )
            return {
                d["name"]: str(d["topic_id"])
                for d in self._admin.describe_topics(names)
                if not d.get("error_code")
            }
        except Exception:
            if self._admin is not None:
                self._admin.close()
                self._admin = None
            raise

    def check_topic_ids(self, current: dict[str, str] | None = None) -> bool:
        """Compare the topics' ids with the ones remembered; rewind if any changed. True if rewound."""
        current = self.topic_ids() if current is None else current
        key = f"{self.settings.redis_prefix}{self.stream}:topic-ids"
        known = {k.decode(): v.decode() for k, v in self.redis.hgetall(key).items()}
        changed = sorted(t for t, tid in known.items() if current.get(t) not in (None, tid))
        rewound = False
        if changed and self.cursor() != b"0-0":
            log.warning(
                "topics %s were recreated (the broker lost its data): re-sending the retained outbox", changed
            )
            self.redis.set(cursor_key(self.settings, self.stream), b"0-0")
            rewound = True
        if current:
            self.redis.hset(key, mapping=current)
        return rewound

    def run(self, stop=None) -> None:
        """Relay until SIGTERM (``stopping``) or until the optional ``stop`` event is set."""
        self.ensure_topics()
        self.producer = make_producer(
            self.settings, client_id=f"sciday-relay-{self.stream.replace(':', '-')}"
        )
        try:
            while not self.stopping and not (stop is not None and stop.is_set()):
                try:
                    self._turn()
                except STORE_OUTAGE as exc:
                    # Redis restarting: nothing moved, the cursor is where it was. Wait and go on;
                    # a relay running as a thread must not die with Redis.
                    log.warning("redis unavailable, relay waits: %s", exc)
                    time.sleep(1.0)
        finally:
            # Stop in order: whatever was read but not acknowledged is simply read again next
            # start, because the cursor only moves after Kafka acknowledged.
            try:
                self.producer.flush(timeout=5)
                self.producer.close(timeout=5)
                if self._admin is not None:
                    self._admin.close()
            except Exception:
                log.warning("producer close failed", exc_info=True)

    def _turn(self) -> None:
        if not self.hold_lease():
            time.sleep(1.0)
            return
        if time.monotonic() - self._checked_ids_at > 2.0:
            self._check_quietly()
        moved = self.step()
        if moved == 0:
            self._trim()

    def step(self) -> int:
        """Relay one batch; returns how many entries moved (0 when idle or on failure)."""
        key = stream_key(self.settings, self.stream)
        cursor = self.cursor()
        entries = self.redis.xread({key: cursor}, count=self.batch, block=self.block_ms)
        if not entries:
            return 0
        records = entries[0][1]
        futures = []
        try:
            for _entry_id, fields in records:
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
            self.producer.flush(timeout=10)
            for f in futures:
                f.get(timeout=10)
        except (KafkaError, OSError) as exc:
            log.warning("broker unavailable, %d entries wait in the outbox: %s", len(records), exc)
            time.sleep(1.0)
            try:
                self.ensure_topics(timeout_s=3.0)
            except RuntimeError:
                pass  # still down: the next step tries again
            return 0
        last_id = records[-1][0]
        self.redis.set(cursor_key(self.settings, self.stream), last_id)
        RELAYED.inc(len(records))
        return len(records)

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
