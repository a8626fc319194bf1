"""The one topic registry: used to create topics and to document them (docs/topics.md).

Topic names are kebab-case after the producing stream; each has a ``-dlq`` twin that holds
poison messages with headers naming their origin.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from shared import events as ev
from shared.events import SCHEMAS
from shared.topic_admin import create_topics, replication

# Topic names: the one place they are written.
ACTIVITY_EVENTS = "activity-events"
REGISTRATION_EVENTS = "registration-events"
CHECKIN_EVENTS = "checkin-events"
NOTIFICATION_EVENTS = "notification-events"
LOTTERY_EVENTS = "lottery-events"
NOSHOW_EVENTS = "noshow-events"
STANDBY_EVENTS = "standby-events"
DLQ_SUFFIX = "-dlq"
# Issue 24: events of a version newer than a consumer knows wait here until it is upgraded.
PARKED_SUFFIX = "-parked"


def dlq_for(topic: str) -> str:
    return f"{topic}{DLQ_SUFFIX}"


def parked_for(topic: str) -> str:
    return f"{topic}{PARKED_SUFFIX}"


@dataclass(frozen=True)
class Topic:
    name: str
    description: str
    producers: tuple[str, ...]
    consumers: tuple[str, ...]
    event_types: tuple[str, ...]
    partitions: int = 4
    dlq: bool = False
    example: dict[str, Any] = field(default_factory=dict, compare=False, hash=False)
    parked: bool = False

    @property
    def schema_versions(self) -> dict[str, list[int]]:
        return {t: sorted(v for (tt, v) in SCHEMAS if tt == t) for t in self.event_types}


_MAIN = [
    Topic(
        name=ACTIVITY_EVENTS,
        description="Activities published, changed (time, hall, venue, capacity) and cancelled.",
        producers=("registration (via outbox relay)",),
        consumers=("checkin-projection", "notify"),
        event_types=(ev.ACTIVITY_PUBLISHED, ev.ACTIVITY_CHANGED, ev.ACTIVITY_CANCELLED),
    ),
    Topic(
        name=REGISTRATION_EVENTS,
        description="Registrations confirmed, waitlisted, promoted, cancelled (cancel revokes the ticket) "
        "and erased (personal fields gone); contact fields travel sealed for notify. An activity's seats "
        "handed back, kept from open booking, for check-in's standby pool.",
        producers=("registration (via outbox relay)",),
        consumers=("checkin-projection", "notify", "registration-noshow"),
        event_types=(
            ev.REGISTRATION_CONFIRMED,
            ev.REGISTRATION_WAITLISTED,
            ev.WAITLIST_PROMOTED,
            ev.REGISTRATION_CANCELLED,
            ev.REGISTRATION_MEMBER_DROPPED,  # issue 17
            ev.REGISTRATION_MEMBER_CORRECTED,  # issue 26
            ev.REGISTRATION_ERASED,
            ev.SEATS_HANDED_BACK,  # issue 27: the count check-in's standby pool takes
        ),
        example={
            "event_id": "2b0f6c1e-6a51-4d2c-9a1d-7d0e7c5b9f10",
            "type": ev.REGISTRATION_CONFIRMED,
            "version": 2,
            "occurred_at": "2026-05-20T09:00:00.123+08:00",
            "activity_id": "imax-sciday-0530",
            "source": "registration",
            "data": {
                "registration_id": "k3m9q2x7w1b4c8d5",
                "activity_id": "imax-sciday-0530",
                "venue_id": "ln-stm",
                "party_size": 3,
                "locale": "zh-CN",
                "name_masked": "张*",
                "phone_masked": "138****5678",
                # name, phone, email, links and ticket code, sealed for notify (docs/privacy.md)
                "sealed": "SX1.notify.1.…",
            },
        },
    ),
    Topic(
        name=CHECKIN_EVENTS,
        description="Door admissions, refusals (with their reason code) and undos; a real-name party's "
        "admissions and undos name its members by place (`members`, issue 26).",
        producers=("checkin",),
        consumers=("dashboards and exports (organizer views)", "registration-noshow"),
        event_types=(ev.CHECKIN_RECORDED, ev.CHECKIN_DENIED, ev.CHECKIN_REVERTED),
    ),
    Topic(
        name=NOTIFICATION_EVENTS,
        description="Outcome of each message handed to a channel (SMS or email).",
        producers=("notify",),
        consumers=("delivery log",),
        event_types=(ev.NOTIFICATION_SENT, ev.NOTIFICATION_FAILED),
    ),
]

# --- allocation beyond first come, first served (issue 15); no consumer is wired yet ----------
ALLOCATION_TOPICS = [
    Topic(
        name=LOTTERY_EVENTS,
        description="Lottery draws (commitment, revealed seed, counts) and each entrant's outcome.",
        producers=("registration (via outbox relay)",),
        consumers=("notify", "checkin-projection"),  # outcomes by SMS and email; dashboard figures
        event_types=(ev.LOTTERY_DRAWN, ev.LOTTERY_ENTRY_WON, ev.LOTTERY_ENTRY_WAITLISTED),
    ),
    Topic(
        name=NOSHOW_EVENTS,
        description="No-show marks (per ID hash or verified-phone hash) and organizers' forgiveness.",
        producers=("registration (via outbox relay)",),
        consumers=("notify",),  # issue 26: the mark before a lock is told by SMS
        event_types=(ev.NOSHOW_MARKED, ev.NOSHOW_FORGIVEN),
    ),
    Topic(
        name=STANDBY_EVENTS,
        description="On-site standby: unscanned seats released at start + grace, and numbers called in.",
        producers=("checkin (via outbox relay)",),
        consumers=("notify",),
        event_types=(ev.STANDBY_SEATS_RELEASED, ev.STANDBY_CALLED),
    ),
]
_MAIN = _MAIN + ALLOCATION_TOPICS

TOPICS: list[Topic] = _MAIN + [
    Topic(
        name=dlq_for(t.name),
        description=f"Poison messages from `{t.name}`, with headers `dlq-origin-topic`, "
        "`dlq-origin-partition`, `dlq-origin-offset`, `dlq-consumer-group`, `dlq-error`.",
        producers=tuple(f"{c} (consumer loop)" for c in t.consumers) or ("any consumer",),
        consumers=("operators (inspect and replay)",),
        event_types=(),
        partitions=1,
        dlq=True,
    )
    for t in _MAIN
]
TOPICS += [
    Topic(
        name=parked_for(t.name),
        description=f"Events from `{t.name}` of a version newer than a consumer knew, parked until it "
        "is upgraded (`sciday parked replay`), with headers `parked-origin-topic`, "
        "`parked-origin-partition`, `parked-origin-offset`, `parked-consumer-group`, `parked-reason`.",
        producers=tuple(f"{c} (consumer loop)" for c in t.consumers) or ("any consumer",),
        consumers=("operators (replay after the upgrade)",),
        event_types=(),
        partitions=1,
        parked=True,
    )
    for t in _MAIN
]

BY_NAME = {t.name: t for t in TOPICS}


def topic_for(event_type: str) -> str:
    for t in _MAIN:
        if event_type in t.event_types:
            return t.name
    raise KeyError(event_type)


# Where a message that did not come from a topic came from (notify's own causes), as dead
# letters name it in their ``dlq-origin-topic`` header.
UNKNOWN_ORIGIN = "unknown"
LOCAL_ORIGINS = {ev.REMINDER_DUE: "reminders", ev.ORGANIZER_NOTICE: "organizer-notices"}


def origin_of(cause_type: str) -> str:
    """The topic an event type travels on, or the local origin of one of notify's own causes.

    Never raises: a dead letter must be written even for a cause nobody registered.
    """
    if cause_type in LOCAL_ORIGINS:
        return LOCAL_ORIGINS[cause_type]
    try:
        return topic_for(cause_type)
    except KeyError:
        return UNKNOWN_ORIGIN


def full_name(name: str, prefix: str = "") -> str:
    return f"{prefix}{name}"


def ensure_topics(
    bootstrap_servers: str,
    prefix: str = "",
    timeout_s: float = 30.0,
    *,
    replication_factor: int | None = None,
    min_insync_replicas: int | None = None,
    client_config: dict[str, Any] | None = None,
    set_existing: bool = False,
) -> list[str]:
    """Create every registered topic that does not exist yet. Returns the names created.

    Tansu forgets everything on restart, and topics auto-created by clients come back with
    the wrong partition count, so every process that produces calls this at start.
    Replication comes from :func:`replication` (environment unless given); topics that already
    exist are left as they are, unless ``set_existing`` (the operator's `sciday topics create`):
    then their retention and min ISR are set as well.  Each topic keeps :func:`retention_ms`.
    """
    return create_topics(
        bootstrap_servers,
        TOPICS,
        prefix,
        timeout_s,
        replication(replication_factor, min_insync_replicas),
        client_config,
        set_existing,
    )


def retention_days(topic: Topic) -> int:
    from shared.config import Settings

    return Settings.dlq_retention_days if topic.dlq or topic.parked else Settings.topic_retention_days


def markdown() -> str:
    """The registry as Markdown: docs/topics.md is this text, checked by a test."""
    lines = [
        "# Kafka topics",
        "",
        "Generated from `shared/topics.py` by `sciday topics`; a test keeps this file in step.",
        "Every message is a versioned envelope (`shared/envelope.py`); its `activity_id` is the key.",
        "",
    ]
    for t in TOPICS:
        lines += [
            f"## `{t.name}`",
            "",
            t.description,
            "",
            f"- partitions: {t.partitions}",
            f"- retention: {retention_days(t)} days (shared/topic_retention.py)",
            f"- producers: {', '.join(t.producers)}",
            f"- consumers: {', '.join(t.consumers)}",
        ]
        if t.event_types:
            lines.append(
                "- event types and schema versions: "
                + ", ".join(f"`{k}` v{'/'.join(map(str, v))}" for k, v in t.schema_versions.items())
            )
        if t.example:
            import json

            lines += [
                "",
                "Example:",
                "",
                "```json",
                json.dumps(t.example, ensure_ascii=False, indent=2),
                "```",
            ]
        lines.append("")
    return "\n".join(lines)
