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
  {p}ck:lottery:{aid}  hash: the draw's counts from LotteryDrawn (lottery-events, issue 15)
  {p}ck:sb:{aid}       standby's hash (standby/store.py): SeatsHandedBack's count (issue 27)
"""

from __future__ import annotations

import json
from datetime import UTC, datetime

from services.checkin import vocabulary as V
from services.checkin.projection_reads import ProjectionReads
from services.checkin.standby.handed_back import HandedBack
from shared import events as ev
from shared.consumer import in_runs
from shared.masking import mask_name, mask_phone
from shared.topics import ACTIVITY_EVENTS, BY_NAME, LOTTERY_EVENTS

ACTIVITY_TYPES = BY_NAME[ACTIVITY_EVENTS].event_types
ERASED = ("name", "phone_masked", "members")  # what RegistrationErased takes from a record
STATUS_OF = {
    ev.REGISTRATION_CONFIRMED: V.CONFIRMED,
    ev.WAITLIST_PROMOTED: V.CONFIRMED,
    ev.REGISTRATION_WAITLISTED: V.WAITLISTED,
    ev.REGISTRATION_CANCELLED: V.CANCELLED,
}
BATCHABLE = frozenset(ACTIVITY_TYPES) | frozenset(STATUS_OF)
RANK = {V.WAITLISTED: 0, V.CONFIRMED: 1, V.CANCELLED: 2}  # a registration only moves forward


MIN_AT = datetime.min.replace(tzinfo=UTC)


def at_of(iso: str) -> datetime:
    """An event time as a datetime (envelopes from Python and from Lua write ISO-8601 differently)."""
    return datetime.fromisoformat(iso)


LOTTERY_TYPES = BY_NAME[LOTTERY_EVENTS].event_types
LOTTERY_COUNTS = ("entries", "people", "winners", "seats_won", "waitlisted")


class Projection(ProjectionReads):
    """The projection's writes: each event handled once or again leaves the same state."""

    _handed_back_port: HandedBack | None = None

    def handle(self, envelope: dict) -> None:
        kind, data, aid = envelope["type"], envelope["data"], envelope["activity_id"]
        if kind in ACTIVITY_TYPES:
            self._put_activity(self.redis, envelope)
            return
        if kind in LOTTERY_TYPES:  # the dashboards' lottery figures; each entrant's outcome is notify's
            if kind == ev.LOTTERY_DRAWN:
                counts = {k: int(data[k]) for k in LOTTERY_COUNTS}
                self.redis.hset(f"{self.p}ck:lottery:{{{aid}}}", mapping=counts)
            return
        if kind == ev.SEATS_HANDED_BACK:  # issue 27: standby's pool takes what nobody waited for
            self._handed_back().keep(aid, int(data["handed_back"]), int(data["revision"]))
            return
        rid = data["registration_id"]
        if kind == ev.REGISTRATION_MEMBER_DROPPED:  # issue 17: the smaller party, same status
            self._smaller_party(aid, rid, data)
            return
        if kind == ev.REGISTRATION_ERASED:
            self.erase(aid, rid)
            return
        if kind == ev.REGISTRATION_MEMBER_CORRECTED:  # issue 26: the same party, a member corrected
            self._corrected(aid, rid, data)
            return
        record = self._carried_over(self._record(envelope), self.registration(aid, rid))
        pipe = self.redis.pipeline(transaction=True)
        if record["status"] == V.CANCELLED:
            pipe.sadd(self.revoked_key(aid), rid)
        pipe.hset(self.regs_key(aid), rid, json.dumps(record, ensure_ascii=False))
        pipe.execute()
        # A cancellation that arrives before (or after) the confirmation must win either way.
        if record["status"] != V.CANCELLED and self.redis.sismember(self.revoked_key(aid), rid):
            record["status"] = V.CANCELLED
            self.redis.hset(self.regs_key(aid), rid, json.dumps(record, ensure_ascii=False))
        # Reconcile a ticket admitted on its signature alone before this event arrived.
        if self.redis.srem(self.unseen_key(aid), rid) and record["status"] == V.CANCELLED:
            self.redis.sadd(self.late_key(aid), rid)

    def _handed_back(self) -> HandedBack:
        if self._handed_back_port is None:  # built on first use: nothing loads a script at import
            self._handed_back_port = HandedBack(self.redis, self.p)
        return self._handed_back_port

    def handle_batch(self, envelopes: list[dict]) -> None:
        """The consumer loop's batch handler: the same state as ``handle`` on each in order, in
        two round trips (three when a late ticket turns up): read which registrations are
        revoked, then write everything in one MULTI/EXEC.

        Event types this batch path does not know are handled by ``handle`` in their place, so a
        handler extended for a new type stays correct here."""
        in_runs(envelopes, BATCHABLE, self._write_run, self.handle)

    def replay(self, envelopes: list[dict]) -> int:
        """``sciday rebuild checkin``: ``handle_batch`` for events read again from the log, while the
        live consumer may have handled newer ones.  Nothing moves backwards: an activity snapshot
        older than the stored one, or a registration event behind the stored status, is skipped.
        Returns how many were skipped."""
        aids = list(dict.fromkeys(e["activity_id"] for e in envelopes if e["type"] in ACTIVITY_TYPES))
        keys = list(
            dict.fromkeys(
                (e["activity_id"], e["data"]["registration_id"]) for e in envelopes if e["type"] in STATUS_OF
            )
        )
        read = self.redis.pipeline(transaction=False)
        for aid in aids:
            read.hget(self.act_key(aid), "event_at")
        for aid, rid in keys:
            read.hget(self.regs_key(aid), rid)
        got = read.execute() if aids or keys else []
        stored_at = {aid: at_of(raw.decode()) for aid, raw in zip(aids, got, strict=False) if raw}
        stored_rank = {
            k: RANK[json.loads(raw)["status"]] for k, raw in zip(keys, got[len(aids) :], strict=True) if raw
        }
        keep = [
            e
            for e in envelopes
            if not (
                (
                    e["type"] in ACTIVITY_TYPES
                    and at_of(e["occurred_at"]) < stored_at.get(e["activity_id"], MIN_AT)
                )
                or (
                    e["type"] in STATUS_OF
                    and RANK[STATUS_OF[e["type"]]]
                    < stored_rank.get((e["activity_id"], e["data"]["registration_id"]), 0)
                )
            )
        ]
        self.handle_batch(keep)
        return len(envelopes) - len(keep)

    def _write_run(self, envelopes: list[dict]) -> None:
        regs = [e for e in envelopes if e["type"] in STATUS_OF]
        keys = list(dict.fromkeys((e["activity_id"], e["data"]["registration_id"]) for e in regs))
        by_aid: dict[str, list[str]] = {}
        for aid, rid in keys:
            by_aid.setdefault(aid, []).append(rid)
        read = self.redis.pipeline(transaction=False)
        for aid, rids in by_aid.items():  # two commands per activity, not two per registration
            read.smismember(self.revoked_key(aid), rids)
            read.hmget(self.regs_key(aid), rids)
        got = read.execute() if keys else []
        revoked: set[tuple[str, str]] = set()
        stored: dict[tuple[str, str], dict] = {}
        for (aid, rids), hits, raws in zip(by_aid.items(), got[0::2], got[1::2], strict=True):
            for rid, hit, raw in zip(rids, hits, raws, strict=True):
                if hit:
                    revoked.add((aid, rid))
                if raw:
                    stored[(aid, rid)] = json.loads(raw)
        latest: dict[tuple[str, str], dict] = {}
        first_cancelled: dict[tuple[str, str], bool] = {}
        write = self.redis.pipeline(transaction=True)
        for envelope in envelopes:
            if envelope["type"] in ACTIVITY_TYPES:
                self._put_activity(write, envelope)
                continue
            key = (envelope["activity_id"], envelope["data"]["registration_id"])
            record = self._carried_over(self._record(envelope), latest.get(key) or stored.get(key))
            if record["status"] == V.CANCELLED:
                if key not in revoked:
                    write.sadd(self.revoked_key(key[0]), key[1])
                revoked.add(key)
            elif key in revoked:
                record["status"] = V.CANCELLED
            first_cancelled.setdefault(key, record["status"] == V.CANCELLED)
            latest[key] = record
        records: dict[str, dict[str, str]] = {}
        for (aid, rid), record in latest.items():
            records.setdefault(aid, {})[rid] = json.dumps(record, ensure_ascii=False)
        for aid, mapping in records.items():  # one HSET per activity
            write.hset(self.regs_key(aid), mapping=mapping)
        for aid, rid in keys:
            write.srem(self.unseen_key(aid), rid)
        written = write.execute()
        removed = written[len(written) - len(keys) :]
        late = [k for k, gone in zip(keys, removed, strict=True) if gone and first_cancelled[k]]
        if late:
            pipe = self.redis.pipeline(transaction=False)
            for aid, rid in late:
                pipe.sadd(self.late_key(aid), rid)
            pipe.execute()

    def _put_activity(self, redis, envelope: dict) -> None:
        snap, aid = envelope["data"]["activity"], envelope["activity_id"]
        redis.hset(
            self.act_key(aid),
            mapping={
                "doc": json.dumps(snap, ensure_ascii=False),
                "status": snap["status"],
                "event_at": envelope["occurred_at"],
            },
        )
        redis.sadd(f"{self.p}ck:acts", aid)

    def _record(self, envelope: dict) -> dict:
        data = envelope["data"]
        return self._fields(
            envelope["activity_id"], data["registration_id"], data, STATUS_OF[envelope["type"]]
        )

    @staticmethod
    def _carried_over(record: dict, known: dict | None) -> dict:
        """What a status event keeps from the record it replaces: a party only shrinks (a member
        dropped, issue 17), and an erased record gets nothing personal back (issue 16)."""
        known = known or {}
        if int(known.get("party_size") or 0) and known["party_size"] < record["party_size"]:
            # an older event handled late keeps the smaller size
            record.update(party_size=known["party_size"], members=known.get("members") or record["members"])
        if known.get("erased"):
            for k in ERASED:
                record.pop(k, None)
            record["erased"] = True
        return record

    @staticmethod
    def _fields(aid: str, rid: str, data: dict, status: str) -> dict:
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
            "wheelchairs": int(data.get("wheelchairs") or 0),  # issue 29 item 6: the steward sees them
        }

    def _smaller_party(self, aid: str, rid: str, data: dict) -> None:
        """A member dropped: the door admits no more than the new size, whichever code is shown.

        A replayed or late drop never grows a party back (the size only goes down)."""
        raw = self.redis.hget(self.regs_key(aid), rid)
        record = json.loads(raw) if raw else None
        if record is None:  # the drop overtook the confirmation: keep what it says
            status = V.CONFIRMED if data.get("status") == V.CONFIRMED else V.WAITLISTED
            record = self._fields(aid, rid, data, status)
        elif record.get("erased"):  # nothing personal comes back
            record["party_size"] = min(record["party_size"], data["party_size"])
        elif data["party_size"] < record["party_size"]:
            record.update(party_size=data["party_size"], members=data.get("members") or [])
        pipe = self.redis.pipeline(transaction=True)
        pipe.hset(self.regs_key(aid), rid, json.dumps(record, ensure_ascii=False))
        pipe.hset(self.reduced_key(aid), rid, record["party_size"])
        pipe.execute()

    def _corrected(self, aid: str, rid: str, data: dict) -> None:
        """The door shows the members as corrected; the size and status stay as they are."""
        record = self.registration(aid, rid)
        if record is None or record.get("erased") or record["party_size"] != data["party_size"]:
            return  # not seen yet, erased, or a drop came between: that event's members stand
        record["members"] = data.get("members") or []
        self.redis.hset(self.regs_key(aid), rid, json.dumps(record, ensure_ascii=False))

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
