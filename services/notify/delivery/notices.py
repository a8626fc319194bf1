"""An organizer's notice (``POST /api/v1/activities/<id>/notices``): one message to everyone
registered for an activity, recorded like the messages of an event (``usecases.py``) and sent by
the senders.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC
from typing import Any

from services.notify import vocabulary as V
from services.notify.ports import Deliveries, Doc, Projection
from shared.clock import Clock, epoch_ms
from shared.refusal import Refusal


@dataclass(frozen=True)
class Notice:
    """An organizer's message to everyone registered for an activity (confirmed or waitlisted)."""

    notice_id: str  # from the Idempotency-Key: a retried notice records nothing new
    activity_id: str
    message_zh: str
    message_en: str = ""


def send_notice(notice: Notice, *, projection: Projection, deliveries: Deliveries, clock: Clock) -> Doc:
    """Record one message per (registrant, channel); the senders deliver them."""
    aid = notice.activity_id
    activity = projection.activity(aid)
    if activity is None:
        raise Refusal(V.UNKNOWN_ACTIVITY)
    if activity["status"] == V.CANCELLED:
        raise Refusal(V.ACTIVITY_CANCELLED)
    now = clock.now()
    now_ms, occurred_at = epoch_ms(clock), now.astimezone(UTC).isoformat(timespec="milliseconds")
    context = {"message_zh": notice.message_zh, "message_en": notice.message_en}
    registrants = projection.registrants(aid, V.ACTIVE)
    new = sum(
        deliveries.record(
            event_id=notice.notice_id,
            cause_type=V.ORGANIZER_NOTICE,
            occurred_at=occurred_at,
            activity_id=aid,
            reg=reg,
            template=V.NOTICE_TEMPLATE,
            now_ms=now_ms,
            context=context,
        )
        for reg in registrants
    )
    out: dict[str, Any] = {
        "status": V.ACCEPTED,
        "notice_id": notice.notice_id,
        "activity_id": aid,
        "recipients": len(registrants),
        "messages": new,
    }
    return out
