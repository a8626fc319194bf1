"""The notify service's own projection of activities and registrants.

Built from ``activity-events`` and ``registration-events`` so that notify can address activity
notices and reminders, and render activity details, without calling the registration service.
Every write is an upsert keyed by id, so handling an event twice leaves the same state.

Registrations only move forward: waitlisted -> confirmed -> cancelled.  An older event handled
late (a replay, a re-send) never brings a cancelled registration back; a cancelled activity
stays cancelled.

Keys (hash tag per activity):
  {p}nt:act:{aid}   hash: doc (snapshot JSON), status, event_at, cancel_event_id
  {p}nt:regs:{aid}  hash: registration id -> registrant JSON (contact, locale, status, ticket)
"""

from __future__ import annotations

import json

from services.notify import vocabulary as V
from shared import events as ev

STATUS_OF = {
    ev.REGISTRATION_WAITLISTED: V.WAITLISTED,
    ev.REGISTRATION_CONFIRMED: V.CONFIRMED,
    ev.WAITLIST_PROMOTED: V.CONFIRMED,
    ev.REGISTRATION_CANCELLED: V.CANCELLED,
}
_RANK = {V.WAITLISTED: 0, V.CONFIRMED: 1, V.CANCELLED: 2}
ACTIVE = V.ACTIVE
_KEPT = (
    "registration_id",
    "activity_id",
    "venue_id",
    "party_size",
    "name",
    "phone",
    "email",
    "locale",
    "manage_url",
    "ticket_code",
    "ticket_url",
    "waitlist_position",
)


def merge_registration(current: dict | None, envelope: dict) -> dict:
    """The registrant as it stands after ``envelope`` (registrations only move forward)."""
    data, status = envelope["data"], STATUS_OF[envelope["type"]]
    current = current or {}
    record = dict(current)
    record.update({k: data[k] for k in _KEPT if data.get(k) is not None})
    if _RANK[status] >= _RANK.get(current.get("status", V.WAITLISTED), 0) or not current:
        record["status"] = status
    return record


class Projection:
    def __init__(self, redis, prefix: str):
        self.redis, self.p = redis, prefix

    def act_key(self, aid: str) -> str:
        return f"{self.p}nt:act:{{{aid}}}"

    def regs_key(self, aid: str) -> str:
        return f"{self.p}nt:regs:{{{aid}}}"

    # -- activities ----------------------------------------------------------------------------
    def put_activity(self, envelope: dict) -> dict | None:
        """Store the snapshot an activity event carries; returns the previous snapshot."""
        aid, snap = envelope["activity_id"], envelope["data"]["activity"]
        before = self.activity(aid)
        if before and before["status"] == V.CANCELLED and snap["status"] != V.CANCELLED:
            return before  # a late, older event: the cancellation stands
        fields = {
            "doc": json.dumps(snap, ensure_ascii=False),
            "status": snap["status"],
            "event_at": envelope["occurred_at"],  # a rebuild never puts an older snapshot back
        }
        if envelope["type"] == ev.ACTIVITY_CANCELLED:
            fields["cancel_event_id"] = envelope["event_id"]
            fields["cancel_occurred_at"] = envelope["occurred_at"]
            fields["cancel_reason"] = envelope["data"].get("reason", "")
        self.redis.hset(self.act_key(aid), mapping=fields)
        return before

    def activity(self, aid: str) -> dict | None:
        raw = self.redis.hget(self.act_key(aid), "doc")
        return json.loads(raw) if raw else None

    def cancellation(self, aid: str) -> dict | None:
        """The ActivityCancelled event's id, time and reason, once the activity was cancelled."""
        eid, at, reason = self.redis.hmget(
            self.act_key(aid), "cancel_event_id", "cancel_occurred_at", "cancel_reason"
        )
        if not eid:
            return None
        return {"event_id": eid.decode(), "occurred_at": at.decode(), "reason": (reason or b"").decode()}

    # -- registrants ---------------------------------------------------------------------------
    def put_registration(self, envelope: dict) -> dict:
        """Upsert the registrant an event is about; returns the record as it now stands."""
        aid, data = envelope["activity_id"], envelope["data"]
        record = merge_registration(self.registration(aid, data["registration_id"]), envelope)
        self.redis.hset(self.regs_key(aid), data["registration_id"], json.dumps(record, ensure_ascii=False))
        return record

    def registration(self, aid: str, rid: str) -> dict | None:
        raw = self.redis.hget(self.regs_key(aid), rid)
        return json.loads(raw) if raw else None

    def registrants(self, aid: str, statuses: tuple[str, ...] = ACTIVE) -> list[dict]:
        out = [json.loads(v) for v in self.redis.hvals(self.regs_key(aid))]
        return sorted((r for r in out if r.get("status") in statuses), key=lambda r: r["registration_id"])
