"""The check-in service's own projection of activities and registrations.

Built from ``activity-events`` and ``registration-events`` so that the door keeps working while
the registration service is down.  Every write is an upsert keyed by id, so handling an event
twice leaves the same state (the consumer loop also dedupes on ``event_id``).

Keys (hash tag per activity):
  {p}ck:act:{aid}      hash: doc (activity snapshot JSON), status
  {p}ck:regs:{aid}     hash: registration id -> JSON (party_size, status, masked name and phone, venue)
  {p}ck:revoked:{aid}  set of revoked registration ids
  {p}ck:acts           set of known activity ids (for the scanner's offline state)
  {p}ck:unseen:{aid}   tickets admitted before their registration event arrived
  {p}ck:late:{aid}     of those, the ones whose event then said "cancelled" (for organizers)
  {p}ck:reduced:{aid}  hash: registration id -> party size, for parties that dropped a member
                       (the scanner caps an older, bigger ticket with it offline too)
"""

from __future__ import annotations

import json

from services.checkin import vocabulary as V
from services.checkin.admission import mask_name
from shared import events as ev
from shared.logs import mask_phone
from shared.topics import ACTIVITY_EVENTS, BY_NAME

ACTIVITY_TYPES = BY_NAME[ACTIVITY_EVENTS].event_types
ERASED = ("name", "phone_masked", "members")  # what RegistrationErased takes from a record


class Projection:
    def __init__(self, redis, prefix: str):
        self.redis, self.p = redis, prefix

    def act_key(self, aid):
        return f"{self.p}ck:act:{{{aid}}}"

    def regs_key(self, aid):
        return f"{self.p}ck:regs:{{{aid}}}"

    def revoked_key(self, aid):
        return f"{self.p}ck:revoked:{{{aid}}}"

    def reduced_key(self, aid):
        return f"{self.p}ck:reduced:{{{aid}}}"

    def reduced(self, aid: str) -> dict[str, int]:
        """Parties that dropped a member: registration id -> their party size now."""
        return {k.decode(): int(v) for k, v in self.redis.hgetall(self.reduced_key(aid)).items()}

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
        rid = data["registration_id"]
        if kind == ev.REGISTRATION_MEMBER_DROPPED:  # issue 17: the smaller party, same status
            self._smaller_party(aid, rid, data)
            return
        if kind == ev.REGISTRATION_ERASED:
            self.erase(aid, rid)
            return
        status = {
            ev.REGISTRATION_CONFIRMED: V.CONFIRMED,
            ev.WAITLIST_PROMOTED: V.CONFIRMED,
            ev.REGISTRATION_WAITLISTED: V.WAITLISTED,
            ev.REGISTRATION_CANCELLED: V.CANCELLED,
        }[kind]
        record = self._record(aid, rid, data, status)
        known = self.registration(aid, rid) or {}
        if int(known.get("party_size") or 0) and known["party_size"] < record["party_size"]:
            # a party only shrinks (a member dropped): an older event handled late keeps the smaller size
            record.update(party_size=known["party_size"], members=known.get("members") or record["members"])
        if known.get("erased"):
            for k in ERASED:
                record.pop(k, None)
            record["erased"] = True
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

    @staticmethod
    def _record(aid: str, rid: str, data: dict, status: str) -> dict:
        return {
            "registration_id": rid,
            "activity_id": aid,
            "venue_id": data["venue_id"],
            "party_size": data["party_size"],
            # masked only (issue 16): version 2 sends nothing else; version 1's clear fields are masked here
            "name": data["name_masked"] if "name_masked" in data else mask_name(data["name"]),
            "phone_masked": data["phone_masked"] if "phone_masked" in data else mask_phone(data["phone"]),
            "status": status,
            # real-name parties: each member's masked name and ID, for the steward (issue 14)
            "members": data.get("members") or [],
        }

    def _smaller_party(self, aid: str, rid: str, data: dict) -> None:
        """A member dropped: the door admits no more than the new size, whichever code is shown.

        A replayed or late drop never grows a party back (the size only goes down)."""
        raw = self.redis.hget(self.regs_key(aid), rid)
        record = json.loads(raw) if raw else None
        if record is None:  # the drop overtook the confirmation: keep what it says
            status = V.CONFIRMED if data.get("status") == V.CONFIRMED else V.WAITLISTED
            record = self._record(aid, rid, data, status)
        elif record.get("erased"):  # nothing personal comes back
            record["party_size"] = min(record["party_size"], data["party_size"])
        elif data["party_size"] < record["party_size"]:
            record.update(party_size=data["party_size"], members=data.get("members") or [])
        pipe = self.redis.pipeline(transaction=True)
        pipe.hset(self.regs_key(aid), rid, json.dumps(record, ensure_ascii=False))
        pipe.hset(self.reduced_key(aid), rid, record["party_size"])
        pipe.execute()

    def erase(self, aid: str, rid: str) -> None:
        """RegistrationErased (issue 16): the masked name, phone and members go; status, party size
        and venue stay for the counts. A replayed event brings nothing back (``erased``)."""
        current = self.registration(aid, rid)
        if current is None:  # never seen here (events arrive in order per activity): nothing to drop
            return
        for k in ERASED:
            current.pop(k, None)
        current["erased"] = True
        self.redis.hset(self.regs_key(aid), rid, json.dumps(current, ensure_ascii=False))

    def revoke(self, aid: str, rid: str) -> None:
        """A cancellation told directly by the registration service (``api_revocations.py``),
        ahead of its event: the ticket is refused from now on. Idempotent; the event agrees."""
        self.redis.sadd(self.revoked_key(aid), rid)
        raw = self.redis.hget(self.regs_key(aid), rid)
        if raw:
            record = json.loads(raw)
            if record.get("status") != V.CANCELLED:
                record["status"] = V.CANCELLED
                self.redis.hset(self.regs_key(aid), rid, json.dumps(record, ensure_ascii=False))

    def activity_ids(self) -> list[str]:
        return sorted(a.decode() for a in self.redis.smembers(f"{self.p}ck:acts"))

    def revoked(self, aid: str) -> list[str]:
        return sorted(r.decode() for r in self.redis.smembers(self.revoked_key(aid)))

    def registration(self, aid: str, rid: str) -> dict | None:
        raw = self.redis.hget(self.regs_key(aid), rid)
        return json.loads(raw) if raw else None

    def registrations(self, aid: str) -> list[dict]:
        """All of one activity's registrations (the steward's manual lookup reads them)."""
        return [json.loads(raw) for raw in self.redis.hvals(self.regs_key(aid))]

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
