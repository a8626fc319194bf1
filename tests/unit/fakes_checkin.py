"""In-memory fakes of the check-in ports (services/checkin/ports.py).

``FakeDoor`` does in Python what ``admit.lua`` and ``undo.lua`` do in Redis;
tests/integration/test_door_contract.py runs the same scenarios on both and asserts they agree.
"""

from __future__ import annotations

import copy
import itertools
from datetime import UTC, datetime, timedelta
from typing import Any

from services.checkin import vocabulary as V
from services.checkin.ports import AdmitStep, Doc, UndoStep
from shared.clock import FakeClock
from shared.tickets import InvalidTicket, Ticket

T0 = datetime(2026, 5, 30, 9, 30, tzinfo=UTC)  # inside the window of the activity below
VENUE = "ln-stm"


def activity(
    aid: str = "imax-0530",
    status: str = "scheduled",
    venue: str = VENUE,
    venue_name: str = "辽宁省科学技术馆",
    **over: Any,
) -> Doc:
    """Starts at 10:00 UTC, ends at 12:00: the door opens at 09:00."""
    doc = {
        "id": aid,
        "title": {"zh": "巨幕专场", "en": "IMAX screening"},
        "venue": {"id": venue, "name": venue_name},
        "hall": "巨幕影院",
        "status": status,
        "starts_at": "2026-05-30T10:00:00+00:00",
        "ends_at": "2026-05-30T12:00:00+00:00",
    }
    doc.update(over)
    return doc


def ticket(rid: str = "r1", aid: str = "imax-0530", party: int = 3, venue: str = VENUE) -> Ticket:
    start = int(T0.timestamp())
    return Ticket(rid, aid, venue, party, start - 3600, start + 7200, 1)


class FakeTickets:
    """Codes are looked up, not verified: ``"SD1.<rid>"`` for each ticket added."""

    def __init__(self) -> None:
        self.by_code: dict[str, Ticket] = {}

    def add(self, t: Ticket) -> str:
        code = f"SD1.{t.registration_id}"
        self.by_code[code] = t
        return code

    def verify(self, code: str) -> Ticket:
        try:
            return self.by_code[code]
        except KeyError:
            raise InvalidTicket("bad signature") from None


class FakeActivities:
    def __init__(self) -> None:
        self.activities: dict[str, Doc] = {}
        self.registrations: dict[tuple[str, str], Doc] = {}
        self.revoked: set[tuple[str, str]] = set()

    def put_activity(self, doc: Doc) -> None:
        self.activities[doc["id"]] = doc

    def put_registration(self, aid: str, rid: str, status: str = V.CONFIRMED, name: str = "张三丰") -> None:
        self.registrations[aid, rid] = {"registration_id": rid, "name": name, "status": status}
        if status == V.CANCELLED:
            self.revoked.add((aid, rid))

    def activity(self, aid: str) -> Doc | None:
        return self.activities.get(aid)

    def activity_and_registration(self, aid: str, rid: str) -> tuple[Doc | None, Doc | None]:
        return self.activities.get(aid), self.registrations.get((aid, rid))


class FakeDoor:
    """The door's state in dicts; the events it would publish in ``events`` (type, data)."""

    def __init__(self, activities: FakeActivities) -> None:
        self.activities = activities
        self.admitted: dict[tuple[str, str], int] = {}
        self.first: dict[tuple[str, str], Doc] = {}
        self.nonces: dict[tuple[str, str], Doc] = {}
        self.gates: dict[tuple[str, str], int] = {}
        self.checkins: dict[str, tuple[str, Doc]] = {}
        self.stats: dict[tuple[str, str], int] = {}
        self.unseen: set[tuple[str, str]] = set()
        self.events: list[tuple[str, Doc]] = []
        self.gate_plans: dict[tuple[str, str], list[str]] = {}  # (venue, gate) -> activity ids
        self.standby: dict[tuple[str, int], Doc] = {}  # (activity, number) -> entry, as standby_admit.lua

    def admit_standby(self, aid: str, number: int, gate: str, at_iso: str, nonce: str = "") -> Doc:
        if nonce and (aid, nonce) in self.nonces:
            return {**copy.deepcopy(self.nonces[aid, nonce]), "replayed": True}
        got = self._admit_standby(aid, number, gate, at_iso)
        if nonce:
            self.nonces[aid, nonce] = copy.deepcopy(got)
        return got

    def _admit_standby(self, aid: str, number: int, gate: str, at_iso: str) -> Doc:
        e = self.standby.get((aid, number))
        if e is None:
            return {"status": "denied", "reason": "unknown_number"}
        if e["status"] == "waiting":
            return {"status": "denied", "reason": "not_called"}
        if e["status"] == "admitted":
            return {"status": "denied", "reason": "already_checked_in", "first_at": e["admitted_at"],
                    "first_gate": e["gate"], "party_size": e["party_size"]}  # fmt: skip
        e.update(status="admitted", admitted_at=at_iso, gate=gate)
        self._count(self.gates, (aid, gate), e["party_size"])
        return {"status": "ok", "number": number, "party_size": e["party_size"], "at": at_iso, "gate": gate}

    def _count(self, table: dict[tuple[str, str], int], key: tuple[str, str], n: int) -> int:
        table[key] = table.get(key, 0) + n
        return table[key]

    def admit(self, step: AdmitStep) -> Doc:
        aid, rid = step.activity_id, step.registration_id
        open_for = self.gate_plans.get((step.venue_id, step.gate))
        if open_for is not None and aid not in open_for:
            self.record_denial(aid, rid, step.gate, step.staff, V.WRONG_GATE)
            return {"status": V.DENIED, "reason": V.WRONG_GATE, "gate_activities": list(open_for)}
        if step.refusal:
            self.record_denial(aid, rid, step.gate, step.staff, step.refusal)
            return {"status": V.DENIED, "reason": step.refusal}
        if step.nonce and (aid, step.nonce) in self.nonces:
            return {**copy.deepcopy(self.nonces[aid, step.nonce]), "replayed": True}

        def finish(result: Doc, event_type: str, data: Doc) -> Doc:
            if step.nonce:
                self.nonces[aid, step.nonce] = copy.deepcopy(result)
            self.events.append((event_type, data))
            return result

        who = {"registration_id": rid, "gate": step.gate, "staff": step.staff}
        if (aid, rid) in self.activities.revoked:
            self._count(self.stats, (aid, "denied"), 1)
            return finish(
                {"status": V.DENIED, "reason": V.REVOKED}, V.CHECKIN_DENIED, {**who, "reason": V.REVOKED}
            )
        admitted = self.admitted.get((aid, rid), 0)
        remaining = step.party_size - admitted
        if remaining <= 0:
            first = self.first.get((aid, rid), {})
            self._count(self.stats, (aid, "denied"), 1)
            return finish(
                {
                    "status": V.DENIED,
                    "reason": V.ALREADY_CHECKED_IN,
                    "first_at": first.get("at"),
                    "first_gate": first.get("gate"),
                    "admitted_total": admitted,
                    "party_size": step.party_size,
                },
                V.CHECKIN_DENIED,
                {**who, "reason": V.ALREADY_CHECKED_IN},
            )
        n = step.admit if 0 < step.admit < remaining else remaining
        total = self._count(self.admitted, (aid, rid), n)
        if admitted == 0:
            self.first[aid, rid] = {"at": step.at_iso, "gate": step.gate}
        self._count(self.gates, (aid, step.gate), n)
        self._count(self.stats, (aid, "checked_in"), n)
        if (aid, rid) not in self.activities.registrations:
            self.unseen.add((aid, rid))
        self.checkins[step.checkin_id] = (
            aid,
            {
                "checkin_id": step.checkin_id,
                "registration_id": rid,
                "admitted": n,
                "gate": step.gate,
                "venue_id": step.venue_id,
                "reverted": False,
            },
        )
        return finish(
            {
                "status": V.OK,
                "admitted": n,
                "remaining": step.party_size - total,
                "admitted_total": total,
                "checkin_id": step.checkin_id,
                "at": step.at_iso,
                "gate": step.gate,
                "party_size": step.party_size,
            },
            V.CHECKIN_RECORDED,
            {**who, "checkin_id": step.checkin_id, "admitted": n, "admitted_total": total},
        )

    def undo(self, step: UndoStep) -> Doc:
        found = self.checkins.get(step.checkin_id)
        if found is None:
            return {"status": V.DENIED, "reason": V.UNKNOWN_CHECKIN}
        aid, rec = found
        if rec["reverted"]:
            return {"status": V.DENIED, "reason": V.ALREADY_REVERTED}
        rid, n = rec["registration_id"], rec["admitted"]
        total = self._count(self.admitted, (aid, rid), -n)
        if total <= 0:
            self.admitted.pop((aid, rid), None)
            self.first.pop((aid, rid), None)
            total = 0
        self._count(self.gates, (aid, rec["gate"]), -n)
        self._count(self.stats, (aid, "checked_in"), -n)
        rec["reverted"] = True
        self.events.append(
            (V.CHECKIN_REVERTED, {"registration_id": rid, "gate": rec["gate"], "checkin_id": step.checkin_id})
        )
        return {"status": V.OK, "reverted": n, "admitted_total": total, "registration_id": rid}

    def checkin(self, checkin_id: str) -> tuple[str, Doc] | None:
        found = self.checkins.get(checkin_id)
        return (found[0], dict(found[1])) if found else None

    def record_denial(self, aid: str, rid: str, gate: str, staff: str, reason: str) -> None:
        self.events.append((V.CHECKIN_DENIED, {"registration_id": rid, "gate": gate, "reason": reason}))
        if aid:
            self._count(self.stats, (aid, "denied"), 1)

    def gate_activities(self, venue_id: str, gate: str) -> list[str] | None:
        return self.gate_plans.get((venue_id, gate))

    def set_gate(self, venue_id: str, gate: str, activity_ids: list[str] | None) -> None:
        if activity_ids is None:
            self.gate_plans.pop((venue_id, gate), None)
        else:
            self.gate_plans[venue_id, gate] = sorted(set(activity_ids))


class Clock(FakeClock):
    """A hand-moved clock (shared.clock.FakeClock) that starts at T0."""

    def __init__(self, now: datetime = T0) -> None:
        super().__init__(now)


def sequential_ids(prefix: str = "c") -> Any:
    counter = itertools.count(1)
    return lambda: f"{prefix}{next(counter):016x}"
