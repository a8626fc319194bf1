"""The notify service's own projection of activities and registrants.

Built from ``activity-events`` and ``registration-events`` so that notify can address activity
notices and reminders, and render activity details, without calling the registration service.
Every write is an upsert keyed by id, so handling an event twice leaves the same state.

Registrations only move forward: waitlisted -> confirmed -> cancelled.  An older event handled
late (a replay, a re-send) never brings a cancelled registration back; a cancelled activity
stays cancelled.

Keys (hash tag per activity):
  {p}nt:act:{aid}   hash: doc (snapshot JSON), status, event_at, cancel_event_id
  {p}nt:regs:{aid}  hash: registration id -> registrant JSON (locale, status, masked forms, and the
                    contact fields and ticket sealed for notify: ``sealed``, opened only to send)
"""

from __future__ import annotations

import json

from services.notify import vocabulary as V
from shared import events as ev
from shared.masking import mask_phone
from shared.sealed import Sealer

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
    "locale",
    "waitlist_position",
    "name_masked",
    "phone_masked",
    "sealed",
)
# What a version 1 event carried in clear: sealed here on arrival (issue 16), never kept as sent.
_CLEAR_V1 = ("name", "phone", "email", "manage_url", "ticket_code", "ticket_url")


def merge_registration(current: dict | None, envelope: dict, sealer: Sealer | None = None) -> dict:
    """The registrant as it stands after ``envelope`` (registrations only move forward; a party
    only shrinks; an erased registrant gets nothing back)."""
    data = envelope["data"]
    current = current or {}
    if current.get("erased"):  # a late or replayed event brings nothing back
        return current
    if envelope["type"] == ev.REGISTRATION_MEMBER_DROPPED:  # issue 17: a smaller party, same status
        if current and int(current.get("party_size", 0)) <= int(data["party_size"]):
            return current  # a late, older drop never grows the party back
        status = current.get("status") or data["status"]
    else:
        status = STATUS_OF[envelope["type"]]
    if "sealed" not in data:
        data = seal_v1(data, sealer)
    record = dict(current)
    kept = _KEPT if sealer else _KEPT + _CLEAR_V1
    record.update({k: data[k] for k in kept if data.get(k) is not None})
    if _RANK[status] >= _RANK.get(current.get("status", V.WAITLISTED), 0) or not current:
        record["status"] = status
    return record


def seal_v1(data: dict, sealer: Sealer | None) -> dict:
    """A version 1 event's clear contact fields, sealed on arrival (issue 16)."""
    if sealer is None:  # no ring: a test of the rules alone; keep version 1's fields as sent
        return dict(data, sealed="")
    rest = {k: v for k, v in data.items() if k not in _CLEAR_V1}
    contact = {k: data.get(k) for k in _CLEAR_V1}
    return dict(rest, phone_masked=mask_phone(data.get("phone") or ""), sealed=sealer.seal(contact))


class Projection:
    def __init__(self, redis, prefix: str, sealer: Sealer | None = None):
        """``sealer``: notify's ring (shared/sealed.py); version 1 events are sealed with it on arrival."""
        self.redis, self.p, self.sealer = redis, prefix, sealer

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
        record = merge_registration(self.registration(aid, data["registration_id"]), envelope, self.sealer)
        self.redis.hset(self.regs_key(aid), data["registration_id"], json.dumps(record, ensure_ascii=False))
        return record

    def erase(self, aid: str, rid: str) -> None:
        """RegistrationErased: keep the status and party size (statistics), drop the rest."""
        current = self.registration(aid, rid) or {"registration_id": rid, "activity_id": aid}
        kept = {
            k: current[k] for k in ("registration_id", "activity_id", "party_size", "status") if k in current
        }
        self.redis.hset(self.regs_key(aid), rid, json.dumps(dict(kept, erased=True), ensure_ascii=False))

    def registration(self, aid: str, rid: str) -> dict | None:
        raw = self.redis.hget(self.regs_key(aid), rid)
        return json.loads(raw) if raw else None

    def registrants(self, aid: str, statuses: tuple[str, ...] = ACTIVE) -> list[dict]:
        out = [json.loads(v) for v in self.redis.hvals(self.regs_key(aid))]
        return sorted((r for r in out if r.get("status") in statuses), key=lambda r: r["registration_id"])
