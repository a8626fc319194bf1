"""The door's use cases: admit a scanned ticket, undo a check-in.

Plain functions over ports (``services/checkin/ports.py``): they take plain values, never a Flask
request, and refuse with :class:`Refusal` (a reason code from ``vocabulary`` and its details),
never with an HTTP status; ``edge.py`` maps reasons to statuses.  The rules, in the order the
scanner also judges them offline (``static/js/doorbook.js``):

1. the signature (``invalid``);
2. the venue of the staff's token (``wrong_venue``);
3. the activity not cancelled (``activity_cancelled``);
4. the check-in window (``invalid_time``, with the side and the window);
5. then, atomically in ``admit.lua``: a repeated nonce gets its first answer; a revoked
   registration is refused (``revoked``); a party is admitted in steps that never add up to more
   than its size, and one fully admitted is refused (``already_checked_in``, with the first
   scan's time and gate).
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from services.checkin import admission
from services.checkin import vocabulary as V
from services.checkin.ports import Activities, AdmitStep, Clock, Doc, Door, Ids, Tickets, UndoStep
from shared.tickets import InvalidTicket

MAX_CHECKIN_ID = 64


class Refusal(Exception):
    """A door rule said no: ``reason`` is a code of ``vocabulary.REASONS``."""

    def __init__(self, reason: str, details: Doc | None = None, variant: str = "") -> None:
        super().__init__(reason)
        self.reason, self.details, self.variant = reason, details or {}, variant


@dataclass(frozen=True)
class Staff:
    name: str  # the label recorded with each scan
    venue: str | None  # the venue of the token; None: every venue (organizers)

    def may_access(self, venue_id: str) -> bool:
        return self.venue is None or self.venue == venue_id


@dataclass(frozen=True)
class Scan:
    code: str
    gate: str
    admit: int = 0  # people to admit now; 0: the rest of the party
    nonce: str = ""
    scanned_at: datetime | None = None  # an offline scan's own time; None: now


def utc_now() -> datetime:
    return datetime.now(UTC)


def new_checkin_id() -> str:
    return "c" + secrets.token_hex(8)


def admit(
    scan: Scan,
    staff: Staff,
    *,
    tickets: Tickets,
    activities: Activities,
    door: Door,
    clock: Clock = utc_now,
    ids: Ids = new_checkin_id,
) -> Doc:
    """Judge one scan; returns the admission (people admitted, remaining, the party's summary)."""

    def refuse(aid: str, rid: str, reason: str, details: Doc | None = None, variant: str = "") -> Refusal:
        door.record_denial(aid, rid, scan.gate, staff.name, reason)
        return Refusal(reason, details, variant)

    try:
        ticket = tickets.verify(scan.code)
    except InvalidTicket:
        raise refuse("", "", V.INVALID) from None
    aid, rid = ticket.activity_id, ticket.registration_id
    if not staff.may_access(ticket.venue_id):
        raise refuse(aid, rid, V.WRONG_VENUE, {"ticket_venue": ticket.venue_id})
    activity, reg = activities.activity_and_registration(aid, rid)
    if activity and activity["status"] == V.CANCELLED:
        raise refuse(aid, rid, V.ACTIVITY_CANCELLED)
    now = clock()
    at = scan.scanned_at or now
    opens, closes = admission.window(activity, ticket)
    side = admission.judge_time(at, opens, closes)
    if side:
        raise refuse(aid, rid, V.INVALID_TIME, {"side": side, "opens_at": opens, "closes_at": closes}, side)
    result = door.admit(
        AdmitStep(
            checkin_id=ids(),
            activity_id=aid,
            registration_id=rid,
            venue_id=ticket.venue_id,
            party_size=ticket.party_size,
            admit=scan.admit,
            gate=scan.gate,
            at_iso=at.isoformat(),
            bucket=admission.bucket(at),
            nonce=scan.nonce,
            staff=staff.name,
            occurred_at=now.isoformat(),
        )
    )
    summary: Doc = {
        "id": rid,
        "activity_id": aid,
        "activity_title": (activity or {}).get("title", {}),
        "name_masked": admission.mask_name(reg.get("name", "")) if reg else "",  # none once erased
        # real-name parties: each member's masked name and ID, for the steward (issue 14)
        "members": (reg or {}).get("members") or [],
        "party_size": ticket.party_size,
        "admitted_total": result.get("admitted_total", 0),
    }
    if result["status"] == V.DENIED:
        if result["reason"] == V.ALREADY_CHECKED_IN:
            raise Refusal(
                V.ALREADY_CHECKED_IN,
                {
                    "first_checked_in_at": result["first_at"],
                    "first_gate": result["first_gate"],
                    "registration": summary,
                },
            )
        raise Refusal(result["reason"], {"registration": summary})
    if reg is None:
        door.note_unseen(aid, rid)
    return {
        "status": V.OK,
        "checkin_id": result["checkin_id"],
        "admitted": result["admitted"],
        "remaining": result["remaining"],
        "registration": summary,
        "checked_in_at": result["at"],
        "gate": result["gate"],
        "replayed": bool(result.get("replayed")),
    }


def visible_activity(aid: str, staff: Staff, *, activities: Activities) -> Doc:
    """An activity the staff member's token may see (its figures, its exports)."""
    activity = activities.activity(aid)
    if activity is None:
        raise Refusal(V.UNKNOWN_ACTIVITY)
    if not staff.may_access(activity["venue"]["id"]):
        raise Refusal(V.FORBIDDEN, variant=V.OTHER_VENUE)
    return activity


def undo(checkin_id: str, staff: Staff, *, door: Door, clock: Clock = utc_now) -> Doc:
    """Take back one check-in: its people are no longer counted in, and it can be scanned again."""
    found = door.checkin(checkin_id) if len(checkin_id) <= MAX_CHECKIN_ID else None
    if found is None:
        raise Refusal(V.UNKNOWN_CHECKIN)
    aid, record = found
    if not staff.may_access(record.get("venue_id", "")):
        raise Refusal(V.FORBIDDEN, variant=V.OTHER_VENUE)
    result = door.undo(UndoStep(aid, checkin_id, staff.name, clock().isoformat()))
    if result["status"] == V.DENIED:
        raise Refusal(result["reason"])
    out: dict[str, Any] = {
        "status": V.OK,
        "checkin_id": checkin_id,
        "reverted": result["reverted"],
        "admitted_total": result["admitted_total"],
        "registration_id": result["registration_id"],
    }
    return out
