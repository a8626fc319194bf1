"""Past admissions for supervisors (issue 26): find one, then undo it with a reason.

A supervisor searches the check-ins of their venue (an organizer: every venue) by ticket (its code,
or the start of the registration or check-in id), the last 4 of the phone or of a member's ID, the
name as heard (the registrant's or a member's), the gate, and a time range (the last
``admission_search_hours`` when none is given). Only masked values leave here. The undo itself is
``usecases.undo``: one atomic step (``undo.lua``) takes the people off every count, records the
reason and writes the audit log, whichever device admitted them.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Protocol

from services.checkin import vocabulary as V
from services.checkin.door import admission
from services.checkin.door import cards as door_cards
from services.checkin.door.lookup import _matches, _same_name
from services.checkin.door.scans import Staff
from services.checkin.ports import Doc, Tickets
from shared.clock import SYSTEM_CLOCK, Clock
from shared.refusal import Refusal
from shared.tickets import InvalidTicket

MARGIN = timedelta(days=1)  # an activity's check-ins fall within a day of its times


@dataclass(frozen=True)
class Search:
    ticket: str = ""  # a ticket code (SD1.…), or the start of a registration or check-in id
    last4: str = ""  # of the phone, or of a member's ID number
    name: str = ""  # the registrant's or a member's name as heard
    gate: str = ""
    since: datetime | None = None
    until: datetime | None = None


@dataclass(frozen=True)
class Limits:
    hours: int = 24  # Settings.admission_search_hours
    most: int = 50  # Settings.admission_search_max

    @classmethod
    def from_settings(cls, settings) -> Limits:
        return cls(int(settings.admission_search_hours), int(settings.admission_search_max))


class PastAdmissions(Protocol):
    def activities(self) -> list[Doc]:
        """Every activity snapshot the projection knows."""
        ...

    def checkins(self, aids: list[str]) -> dict[str, list[Doc]]:
        """Each activity's check-in records (``admit.lua``'s, with undo's marks)."""
        ...

    def registrations(self, wanted: dict[str, list[str]]) -> dict[tuple[str, str], Doc]:
        """The projection's records of the given registrations, per activity."""
        ...


def _ticket_rid(text: str, tickets: Tickets | None) -> str:
    """A scanned or pasted ticket's registration id; any other text is an id's start."""
    if not text.startswith("SD1."):
        return ""
    try:
        return tickets.verify(text).registration_id if tickets else ""
    except InvalidTicket:
        raise Refusal(V.INVALID) from None


def search(
    query: Search,
    staff: Staff,
    *,
    past: PastAdmissions,
    tickets: Tickets | None = None,
    clock: Clock = SYSTEM_CLOCK,
    limits: Limits = Limits(),
) -> list[Doc]:
    """The admissions that match, newest first, at most ``limits.most``."""
    until = query.until or clock.now()
    since = query.since or until - timedelta(hours=limits.hours)
    acts = {
        a["id"]: a
        for a in past.activities()
        if staff.may_access(a["venue"]["id"])
        and datetime.fromisoformat(a["ends_at"]) >= since - MARGIN
        and datetime.fromisoformat(a["starts_at"]) <= until + MARGIN
    }
    rid = _ticket_rid(query.ticket.strip(), tickets)
    start = query.ticket.strip().lower()
    gate = admission.canonical_gate(query.gate) if query.gate.strip() else ""
    hits = [
        (aid, rec)
        for aid, recs in past.checkins(sorted(acts)).items()
        for rec in recs
        if since <= datetime.fromisoformat(rec["at"]) <= until
        and (not gate or rec["gate"] == gate)
        and (not start or (rec["registration_id"] == rid if rid else _starts(rec, start)))
    ]
    regs = past.registrations(_by_activity(hits))
    found = [
        _shown(acts[aid], rec, regs.get((aid, rec["registration_id"])) or {})
        for aid, rec in hits
        if _person_matches(regs.get((aid, rec["registration_id"])) or {}, query)
    ]
    found.sort(key=lambda d: d["at"], reverse=True)
    return found[: limits.most]


def _starts(rec: Doc, start: str) -> bool:
    return rec["registration_id"].lower().startswith(start) or rec["checkin_id"].lower().startswith(start)


def _by_activity(hits: list[tuple[str, Doc]]) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for aid, rec in hits:
        out.setdefault(aid, []).append(rec["registration_id"])
    return out


def _person_matches(reg: Doc, query: Search) -> bool:
    last4, name = query.last4.strip().upper(), query.name.strip()
    if last4 and not _matches(reg, last4):
        return False
    if name:
        names = [reg.get("name", "")] + [m.get("name_masked", "") for m in reg.get("members") or []]
        return any(n and _same_name(n, name) for n in names)
    return True


def _shown(act: Doc, rec: Doc, reg: Doc) -> Doc:
    members = door_cards.shown(reg.get("members"))
    place = int(rec.get("member") or 0)
    return {
        "checkin_id": rec["checkin_id"],
        "activity_id": act["id"],
        "activity_title": act["title"],
        "hall": act.get("hall", ""),
        "starts_at": act["starts_at"],
        "registration_id": rec["registration_id"],
        "name_masked": reg.get("name", ""),
        "phone_masked": reg.get("phone_masked", ""),
        "party_size": int(reg.get("party_size") or 0),
        "admitted": int(rec["admitted"]),
        "members": members,
        "status": reg.get("status", V.CONFIRMED),
        "member": members[place - 1] if 0 < place <= len(members) else None,
        "gate": rec["gate"],
        "at": rec["at"],
        "staff": rec.get("staff", ""),
        "reverted": bool(rec.get("reverted")),
        "reverted_by": rec.get("reverted_by", ""),
        "reverted_at": rec.get("reverted_at", ""),
        "undo_reason": rec.get("undo_reason", ""),
        "undo_note": rec.get("undo_note", ""),
    }
