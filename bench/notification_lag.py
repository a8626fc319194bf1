"""Registration → notification lag, from the events' own timestamps (bench/scenarios.py)."""

from __future__ import annotations

import json
import time
from datetime import datetime
from typing import Any

from kafka import KafkaConsumer


def notification_lag(settings, aid: str, timeout_s: float = 120.0) -> dict:
    """From each registration event's occurred_at to the NotificationSent that its notification
    produced (handed to the channel), taken from the events' own timestamps."""

    def read(topic, idle_s=1.5, max_s=60.0):
        c = KafkaConsumer(
            settings.topic_prefix + topic,
            bootstrap_servers=settings.kafka_bootstrap_servers,
            group_id=None,
            auto_offset_reset="earliest",
        )
        out: list[dict[str, Any]] = []
        start = time.monotonic()
        last = start
        while time.monotonic() - last < idle_s and time.monotonic() - start < max_s:
            for records in c.poll(timeout_ms=300).values():
                out.extend(json.loads(m.value) for m in records)
                last = time.monotonic()
        c.close()
        return out

    regs = {
        e["event_id"]: e
        for e in read("registration-events")
        if e["activity_id"] == aid and e["type"] in ("RegistrationConfirmed", "RegistrationWaitlisted")
    }
    deadline, sent = time.monotonic() + timeout_s, []
    while time.monotonic() < deadline:
        sent = [
            e
            for e in read("notification-events")
            if e["type"] == "NotificationSent" and e["data"].get("cause_event_id") in regs
        ]
        if len({(e["data"]["cause_event_id"], e["data"]["channel"]) for e in sent}) >= len(regs):
            break
        time.sleep(2)
    lags = sorted(
        (
            datetime.fromisoformat(e["occurred_at"])
            - datetime.fromisoformat(regs[e["data"]["cause_event_id"]]["occurred_at"])
        ).total_seconds()
        * 1000
        for e in sent
    )
    if not lags:
        return {"events": len(regs), "sent": 0}
    pick = lambda p: round(lags[min(len(lags) - 1, int(p / 100 * len(lags)))], 1)  # noqa: E731
    return {
        "events": len(regs),
        "sent": len(sent),
        "p50_ms": pick(50),
        "p95_ms": pick(95),
        "p99_ms": pick(99),
    }
