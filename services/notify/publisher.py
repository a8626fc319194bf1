"""Notify's own outbox: NotificationSent / NotificationFailed events and dead letters reach Kafka
even if the worker dies right after recording an outcome.

The sender writes the event into the Redis stream ``{p}nt:outbox`` in the same MULTI as the
outcome (see :meth:`Deliveries.mark_sent`), and this publisher moves entries to Kafka, advancing
its cursor only after the broker acknowledged them: at least once, and consumers dedupe on the
event id, which is derived from the notification id.  Unlike the registration relay, entries may
carry Kafka headers: dead letters name their origin as the consumer loop does.

Entries: topic (without the topic prefix), key, value (bytes), headers (JSON [[name, value]]).
With several workers (``sciday up --scale``), one publishes at a time: it holds a lease in Redis
(``{p}nt:outbox:lock``) that it renews while it runs, and another takes over when it lapses.
"""
from __future__ import annotations

import json
import logging
import time
import uuid
from datetime import datetime

from kafka.errors import KafkaError
from redis.exceptions import LockError

from shared.envelope import encode, new_event
from shared.kafka import make_producer
from shared.topics import dlq_for, ensure_topics

log = logging.getLogger("sciday.notify.publisher")
_NS = uuid.UUID("6f1c5b1e-9a43-4f3e-8d7c-2b1a7e0c9d55")


def outcome_event(kind: str, intent: dict, now: datetime, **extra) -> dict:
    """A NotificationSent / NotificationFailed envelope; its id is stable per notification."""
    data = {"notification_id": intent["notification_id"], "cause_event_id": intent["event_id"],
            "registration_id": intent.get("registration_id"), "channel": intent["channel"],
            "template": intent["template"], **extra}
    return new_event(kind, intent["activity_id"], data, source="notify",
                     event_id=str(uuid.uuid5(_NS, f"{kind}|{intent['notification_id']}")), occurred_at=now)


class Publisher:
    def __init__(self, settings, redis, *, retention_s: int = 24 * 3600, block_ms: int = 200):
        self.settings, self.redis = settings, redis
        self.stream = f"{settings.redis_prefix}nt:outbox"
        self.cursor_key = f"{settings.redis_prefix}nt:outbox:cursor"
        self.lock = redis.lock(f"{settings.redis_prefix}nt:outbox:lock", timeout=5, thread_local=False)
        self.retention_s, self.block_ms = retention_s, block_ms
        self.producer = None
        self._last_trim = 0.0

    # -- writing (called inside the sender's MULTI) -----------------------------------------------
    def add_event(self, pipe, envelope: dict) -> None:
        pipe.xadd(self.stream, {"topic": "notification-events", "key": envelope["activity_id"],
                                "value": encode(envelope), "headers": "[]"})

    def add_dead_letter(self, pipe, intent: dict, error: str, attempts: int) -> None:
        """The undeliverable notification itself, so an operator can see and re-queue it."""
        cause = intent["cause_type"]  # where the message came from: a topic, or notify's own sources
        cause_topic = {"ReminderDue": "reminders", "OrganizerNotice": "organizer-notices"}.get(
            cause, "activity-events" if cause.startswith("Activity") else "registration-events")
        value = json.dumps({k: intent.get(k) for k in (
            "notification_id", "event_id", "cause_type", "occurred_at", "activity_id", "registration_id",
            "channel", "recipient", "template", "locale", "reg", "context")}, ensure_ascii=False)
        headers = [["dlq-origin-topic", cause_topic], ["dlq-origin-partition", "-1"],
                   ["dlq-origin-offset", "-1"], ["dlq-consumer-group", "notify"],
                   ["dlq-error", error[:1000]], ["dlq-attempts", str(attempts)],
                   ["dlq-channel", intent["channel"]], ["dlq-cause-event-id", intent["event_id"]]]
        pipe.xadd(self.stream, {"topic": dlq_for("notification-events"), "key": intent["activity_id"],
                                "value": value.encode("utf-8"), "headers": json.dumps(headers, ensure_ascii=False)})

    # -- moving to Kafka ----------------------------------------------------------------------------
    def cursor(self) -> bytes:
        return self.redis.get(self.cursor_key) or b"0-0"

    def ensure_topics(self, timeout_s: float = 30.0) -> None:
        """Create missing topics; if the broker had lost them (Tansu restarted), send what we kept."""
        created = ensure_topics(self.settings.kafka_bootstrap_servers, self.settings.topic_prefix,
                                timeout_s=timeout_s)
        if created and self.cursor() != b"0-0":
            log.warning("broker lost topics %s: re-sending the retained notification events", created)
            self.redis.set(self.cursor_key, b"0-0")

    def start(self) -> None:
        self.ensure_topics()
        self.producer = make_producer(self.settings, client_id="sciday-notify-publisher")

    def leader(self) -> bool:
        """Take or renew the publishing lease; False while another worker holds it."""
        try:
            if self.lock.owned():
                self.lock.reacquire()
                return True
        except LockError:
            return False
        return bool(self.lock.acquire(blocking=False))

    def run(self, stop) -> None:
        while not stop.is_set():
            try:
                if not self.leader():
                    stop.wait(1.0)
                    continue
                if self.producer is None:
                    self.start()
                if self.step() == 0:
                    self._trim()
            except Exception:
                log.exception("publisher: unexpected error; trying again")
                stop.wait(1.0)
        self.close()
        try:
            self.lock.release()
        except LockError:
            pass

    def step(self) -> int:
        entries = self.redis.xread({self.stream: self.cursor()}, count=500, block=self.block_ms)
        if not entries:
            return 0
        records = entries[0][1]
        try:
            futures = [self.producer.send(
                self.settings.topic_prefix + f[b"topic"].decode(), key=f[b"key"], value=f[b"value"],
                headers=[(n, v.encode("utf-8")) for n, v in json.loads(f[b"headers"])])
                for _id, f in records]
            self.producer.flush(timeout=10)
            for fut in futures:
                fut.get(timeout=10)
        except (KafkaError, OSError) as exc:
            log.warning("broker unavailable, %d notification events wait in Redis: %s", len(records), exc)
            time.sleep(1.0)
            try:
                self.ensure_topics(timeout_s=3.0)
            except RuntimeError:
                pass  # still down: the next step tries again
            return 0
        self.redis.set(self.cursor_key, records[-1][0])
        return len(records)

    def _trim(self) -> None:
        now = time.time()
        if now - self._last_trim < 60:
            return
        self._last_trim = now
        cursor = self.cursor().decode()
        oldest_kept = f"{int((now - self.retention_s) * 1000)}-0"
        min_id = min(cursor, oldest_kept, key=lambda s: tuple(int(p) for p in s.split("-")))
        self.redis.xtrim(self.stream, minid=min_id, approximate=True)

    def close(self) -> None:
        if self.producer is not None:
            try:
                self.producer.flush(timeout=5)
                self.producer.close(timeout=5)
            except Exception:
                log.warning("producer close failed", exc_info=True)
            self.producer = None
