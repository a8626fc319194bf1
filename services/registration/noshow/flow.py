"""The no-show flow: check-in says who came, registration makes the marks and enforces the lock.

:class:`NoShowFlow` handles ``checkin-events`` (CheckinRecorded / CheckinReverted: who came) and
``registration-events`` (RegistrationCancelled: late cancellations), and :meth:`NoShowFlow.sweep`
marks an activity's confirmed parties at its end plus the grace period.  Every step is idempotent
(facts keyed by check-in id, marks by registration and member), so redelivery and replay are
harmless.  ``noshow_worker.py`` runs it: a consumer group on both topics, and the sweep on a
schedule (docs/noshow.md).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any

from services.registration import vocabulary as v
from services.registration.noshow import record as noshow
from services.registration.noshow.record import identity_hash
from services.registration.ports import Doc
from shared import events as ev
from shared.redis_scripts import Scripts

HERE = Path(__file__).parent


def ts(iso: str) -> float:
    return datetime.fromisoformat(iso).timestamp()


class Admissions:
    """Redis: how many of each registration the door admitted, as registration learns it."""

    def __init__(self, redis: Any, prefix: str) -> None:
        self.redis, self.p = redis, prefix
        self.scripts = Scripts(redis, HERE, ["noshow_admitted"])

    def apply(self, aid: str, rid: str, fact: str, delta: int, members: list[int] | None = None) -> int:
        """One check-in fact once; ``members``: the places it names (issue 26), added or taken back."""
        keys = [f"{self.p}ns:adm:{{{aid}}}", f"{self.p}ns:facts:{{{aid}}}", f"{self.p}ns:members:{{{aid}}}"]
        named = json.dumps([int(m) for m in members]) if members else ""
        return int(self.scripts.noshow_admitted(keys=keys, args=[rid, fact, delta, named]))

    def admitted(self, aid: str) -> dict[str, int]:
        return {k.decode(): int(v) for k, v in self.redis.hgetall(f"{self.p}ns:adm:{{{aid}}}").items()}

    def members(self, aid: str) -> dict[str, list[int]]:
        """Registration id -> the member places (from 1) the door named as in (issue 26)."""
        raw = self.redis.hgetall(f"{self.p}ns:members:{{{aid}}}")
        return {k.decode(): [int(p) for p in json.loads(v)] for k, v in raw.items()}


class NoShowFlow:
    def __init__(
        self,
        record: noshow.Record,
        admissions: Admissions,
        starts_at_of: Callable[[str], float | None],
        policy: noshow.Policy,
        pepper: str,
        lookup: Callable[[str], Doc | None] | None = None,
    ) -> None:
        self.record, self.admissions, self.policy, self.pepper = record, admissions, policy, pepper
        self.starts_at_of = starts_at_of  # activity id -> start (Unix s), from the activity store
        # registration id -> the stored record in clear (SeatStore.get_registration): version 2
        # events carry no phone (issue 16), so a late cancellation's holder comes from the record
        self.lookup = lookup

    def registration(self, data: Doc, aid: str, status: str) -> Doc:
        # Real-name: fair_access's keyed ID hashes, as the record stores them (never the numbers);
        # the lock check in usecases.register looks up the same ``id:<hash>`` holders.
        ids = data.get("id_hashes") or []
        return {
            "registration_id": data["registration_id"],
            "activity_id": aid,
            "status": status,
            "party_size": data.get("party_size", 1),
            "phone_hash": identity_hash(self.pepper, data["phone"]),
            "member_id_hashes": list(ids),
            # issue 26: each ID hash's member place (from 1), to match the members the door named
            "id_places": noshow.id_places(data.get("members") or [], len(ids)),
        }

    def handle(self, envelope: Doc) -> list[noshow.Mark]:
        kind, data, aid = envelope["type"], envelope["data"], envelope["activity_id"]
        if kind == ev.CHECKIN_RECORDED:
            self.admissions.apply(
                aid, data["registration_id"], f"{data['checkin_id']}:recorded", data["admitted"],
                data.get("members"),
            )  # fmt: skip
        elif kind == ev.CHECKIN_REVERTED:
            self.admissions.apply(
                aid, data["registration_id"], f"{data['checkin_id']}:reverted", -data["reverted"],
                data.get("members"),
            )  # fmt: skip
        elif kind == ev.REGISTRATION_CANCELLED:
            # version 2 events carry no phone (issue 16), and no event carries the members' ID
            # hashes: both come from the stored record
            stored = (self.lookup(data["registration_id"]) if self.lookup is not None else None) or {}
            data = {**stored, **data, "id_hashes": stored.get("id_hashes") or data.get("id_hashes") or []}
            if not data.get("phone"):  # erased meanwhile, or no lookup wired: nobody to mark
                return []
            reg = self.registration(data, aid, v.CANCELLED)
            starts_at = self.starts_at_of(aid)
            if starts_at is None:  # an activity registration no longer knows: nothing to measure
                return []
            marks = noshow.late_cancel_marks(
                reg,
                previous_status=data["previous_status"],
                cancelled_at=ts(envelope["occurred_at"]),
                starts_at=starts_at,
                policy=self.policy,
            )
            return noshow.record_marks(self.record, marks, self.policy)
        return []

    def sweep(self, aid: str, registrations: list[Doc], *, ends_at: float, now: float) -> list[noshow.Mark]:
        """Mark every confirmed person not admitted, once the activity ended plus the grace period.

        ``registrations``: the activity's registrations as registration stores them (status,
        party_size, phone, and id_hashes where real-name is on)."""
        came, named = self.admissions.admitted(aid), self.admissions.members(aid)
        marks = []
        for r in registrations:
            reg = self.registration(r, aid, r["status"])
            reg["members_in"] = named.get(r["registration_id"], [])  # issue 26: who the door named
            admitted = came.get(r["registration_id"], 0)
            marks += noshow.due_marks(reg, admitted=admitted, ends_at=ends_at, now=now, policy=self.policy)
        return noshow.record_marks(self.record, marks, self.policy)
