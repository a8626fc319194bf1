"""Notify's own outbox: NotificationSent / NotificationFailed events and dead letters reach Kafka
even if the worker dies right after recording an outcome.

The sender writes the event into the Redis stream ``{p}nt:outbox`` in the same MULTI as the
outcome (see :meth:`Deliveries.mark_sent`), and this publisher moves entries to Kafka, advancing
its cursor only after the broker acknowledged them: at least once, and consumers dedupe on the
event id, which is derived from the notification id.  Unlike the registration relay, entries may
carry Kafka headers: dead letters name their origin as the consumer loop does.

Entries: topic (without the topic prefix), key, value (bytes), headers (JSON [[name, value]]).
The moving is done by the shared relay (shared/outbox.py): with several workers one publishes at a
time under its lease, and a broker that lost its topics gets the retained entries again.
"""

from __future__ import annotations

import hashlib
import json
import uuid
from datetime import datetime

from shared.envelope import encode, new_event
from shared.outbox import run_relay
from shared.outbox_keys import stream_key
from shared.topics import NOTIFICATION_EVENTS, dlq_for, origin_of

_NS = uuid.UUID("6f1c5b1e-9a43-4f3e-8d7c-2b1a7e0c9d55")


def public_id(intent: dict) -> str:
    """The notification's id on notify's topics: a hash of (event, channel, registration).  The id
    notify keeps (deliveries.notification_id) hashes the address in, one message per address; on a
    topic that hash gave the phone back to whoever tried the phones (issue 23)."""
    key = f"{intent['event_id']}|{intent['channel']}|{intent.get('registration_id') or ''}"
    return hashlib.sha256(key.encode()).hexdigest()[:32]


def outcome_event(kind: str, intent: dict, now: datetime, **extra) -> dict:
    """A NotificationSent / NotificationFailed envelope; its id is stable per notification."""
    nid = public_id(intent)
    data = {
        "notification_id": nid,
        "cause_event_id": intent["event_id"],
        "registration_id": intent.get("registration_id"),
        "channel": intent["channel"],
        "template": intent["template"],
        **extra,
    }
    return new_event(
        kind,
        intent["activity_id"],
        data,
        source="notify",
        event_id=str(uuid.uuid5(_NS, f"{kind}|{nid}")),
        occurred_at=now,
    )


class Publisher:
    def __init__(self, settings, redis):
        self.settings, self.redis = settings, redis
        self.stream = stream_key(settings, "nt:outbox")

    # -- writing (called inside the sender's MULTI) -----------------------------------------------
    def add_event(self, pipe, envelope: dict) -> None:
        pipe.xadd(
            self.stream,
            {
                "topic": NOTIFICATION_EVENTS,
                "key": envelope["activity_id"],
                "value": encode(envelope),
                "headers": "[]",
            },
        )

    def add_dead_letter(self, pipe, intent: dict, error: str, attempts: int) -> None:
        """The undeliverable notification itself, so an operator can see and re-queue it."""
        cause = intent["cause_type"]  # where the message came from: a topic, or notify's own sources
        cause_topic = origin_of(cause)  # the topic registry says which topic carries which type
        at_rest = {**intent, **(intent.get("at_rest") or {}), "notification_id": public_id(intent)}
        value = json.dumps(
            {
                k: at_rest.get(k)  # recipient and registrant sealed, the id without the address
                for k in (
                    "notification_id",
                    "event_id",
                    "cause_type",
                    "occurred_at",
                    "activity_id",
                    "registration_id",
                    "channel",
                    "recipient",
                    "template",
                    "locale",
                    "reg",
                    "context",
                )
            },
            ensure_ascii=False,
        )
        headers = [
            ["dlq-origin-topic", cause_topic],
            ["dlq-origin-partition", "-1"],
            ["dlq-origin-offset", "-1"],
            ["dlq-consumer-group", "notify"],
            ["dlq-error", error[:1000]],
            ["dlq-attempts", str(attempts)],
            ["dlq-channel", intent["channel"]],
            ["dlq-cause-event-id", intent["event_id"]],
        ]
        pipe.xadd(
            self.stream,
            {
                "topic": dlq_for(NOTIFICATION_EVENTS),
                "key": intent["activity_id"],
                "value": value.encode("utf-8"),
                "headers": json.dumps(headers, ensure_ascii=False),
            },
        )

    # -- moving to Kafka ----------------------------------------------------------------------------
    def run(self, stop) -> None:
        """Move the outbox to Kafka with the shared relay (lease, cursor, lost-broker re-send)."""
        run_relay(self.settings, self.redis, "nt:outbox", stop)
