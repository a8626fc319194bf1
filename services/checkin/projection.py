"""The check-in service's own projection of activities and registrations.

Built from ``activity-events`` and ``registration-events`` so that the door keeps working while
the registration service is down.  Every write is an upsert keyed by id, so handling an event
twice leaves the same state (the consumer loop also dedupes on ``event_id``).

Keys (hash tag per activity):
  {p}ck:act:{aid}      hash: doc (activity snapshot JSON), status
  {p}ck:regs:{aid}     hash: registration id -> JSON (party_size, status, name, phone, venue)
  {p}ck:revoked:{aid}  set of revoked registration ids
  {p}ck:acts           set of known activity ids (for the scanner's offline state)
  {p}ck:unseen:{aid}   tickets admitted before their registration event arrived
  {p}ck:late:{aid}     of those, the ones whose event then said "cancelled" (for organizers)
  {p}ck:lottery:{aid}  hash: the draw's counts from LotteryDrawn (lottery-events, issue 15)
"""

from __future__ import annotations

import json

from services.checkin import vocabulary as V
from shared import events as ev
from shared.logs import mask_phone
from shared.topics import ACTIVITY_EVENTS, BY_NAME, LOTTERY_EVENTS

ACTIVITY_TYPES = BY_NAME[ACTIVITY_EVENTS].event_types
LOTTERY_TYPES = BY_NAME[LOTTERY_EVENTS].event_types
LOTTERY_COUNTS = ("entries", "people", "winners", "seats_won", "waitlisted")


class Projection:
    def __init__(self, redis, prefix: str):
        self.redis, self.p = redis, prefix

    def act_key(self, aid):
        return f"{self.p}ck:act:{{{aid}}}"

    def regs_key(self, aid):
        return f"{self.p}ck:regs:{{{aid}}}"

    def revoked_key(self, aid):
        return f"{self.p}ck:revoked:{{{aid}}}"

    def handle(self, envelope: dict) -> None:
        kind, data, aid = envelope["type"], envelope["data"], envelope["activity_id"]
        if kind in ACTIVITY_TYPES:
            snap = data["activity"]
            self.redis.hset(
                self.act_key(aid),
                mapping={
                    "doc": json.dumps(snap, ensure_ascii=False),
                    "status": snap["status"],
                    "event_at": envelope["occurred_at"],
                },
            )
            self.redis.sadd(f"{self.p}ck:acts", aid)
            return
        if kind in LOTTERY_TYPES:  # the dashboards' lottery figures; each entrant's outcome is notify's
            if kind == ev.LOTTERY_DRAWN:
                counts = {k: int(data[k]) for k in LOTTERY_COUNTS}
                self.redis.hset(f"{self.p}ck:lottery:{{{aid}}}", mapping=counts)
            return
        rid = data["registration_id"]
        status = {
            ev.REGISTRATION_CONFIRMED: V.CONFIRMED,
            ev.WAITLIST_PROMOTED: V.CONFIRMED,
            ev.REGISTRATION_WAITLISTED: V.WAITLISTED,
            ev.REGISTRATION_CANCELLED: V.CANCELLED,
        }[kind]
        record = {
            "registration_id": rid,
            "activity_id": aid,
            "venue_id": data["venue_id"],
            "party_size": data["party_size"],
            "name": data["name"],
            "phone_masked": mask_phone(data["phone"]),
            "status": status,
            # real-name parties: each member's masked name and ID, for the steward (issue 14)
            "members": data.get("members") or [],
        }
        pipe = self.redis.pipeline(transaction=True)
        if status == V.CANCELLED:
            pipe.sadd(self.revoked_key(aid), rid)
        pipe.hset(self.regs_key(aid), rid, json.dumps(record, ensure_ascii=False))
        pipe.execute()
        # A cancellation that arrives before (or after) the confirmation must win either way.
        if status != V.CANCELLED and self.redis.sismember(self.revoked_key(aid), rid):
            record["status"] = V.CANCELLED
            self.redis.hset(self.regs_key(aid), rid, json.dumps(record, ensure_ascii=False))
        # Reconcile a ticket admitted on its signature alone before this event arrived.
        if self.redis.srem(f"{self.p}ck:unseen:{{{aid}}}", rid) and record["status"] == V.CANCELLED:
            self.redis.sadd(f"{self.p}ck:late:{{{aid}}}", rid)

    def activity_ids(self) -> list[str]:
        return sorted(a.decode() for a in self.redis.smembers(f"{self.p}ck:acts"))

    def revoked(self, aid: str) -> list[str]:
        return sorted(r.decode() for r in self.redis.smembers(self.revoked_key(aid)))

    def registration(self, aid: str, rid: str) -> dict | None:
        raw = self.redis.hget(self.regs_key(aid), rid)
        return json.loads(raw) if raw else None

    def activity_and_registration(self, aid: str, rid: str) -> tuple[dict | None, dict | None]:
        """Both in one round trip (the door's hot path)."""
        pipe = self.redis.pipeline(transaction=False)
        pipe.hget(self.act_key(aid), "doc")
        pipe.hget(self.regs_key(aid), rid)
        act, reg = pipe.execute()
        return (json.loads(act) if act else None), (json.loads(reg) if reg else None)

    def activity(self, aid: str) -> dict | None:
        raw = self.redis.hget(self.act_key(aid), "doc")
        return json.loads(raw) if raw else None
