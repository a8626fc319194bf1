"""The door's use cases: admit a scanned ticket, undo a check-in.

Plain functions over ports (``services/checkin/ports.py``): they take plain values, never a Flask
request, and refuse with :class:`Refusal` (a reason code from ``vocabulary`` and its details),
never with an HTTP status; ``edge.py`` maps reasons to statuses.  The rules' order is the door's
one table, ``door_rules.RULES``, which the scanner (``static/js/doorbook.js``) and ``admit.lua``
follow too; this use case judges its rows (``door_checks``) in that order:

1. the signature (``invalid``);
2. the activity's current venue (from the projection; the signed one until it is known) against
   the staff's token (``wrong_venue``, naming the ticket's venue and activity);
3. a gate opened for given activities only (``wrong_gate``); judged in the atomic step of rule 7
   (``admit.lua`` reads the gate plan), which then records the refusal rules 4-6 gave, so a
   verdict reads and writes the door's state in one round trip (issue 18) in this same order;
4. the activity not cancelled (``activity_cancelled``);
5. the scan's moment: the server's clock, or an offline upload's own time when a valid online
   mark vouches for it (``bad_scan_time``; see :func:`scan_moment`);
6. the check-in window (``invalid_time``, with the side and the window);
7. then, atomically in ``admit.lua``: a repeated nonce gets its first answer; a revoked
   registration is refused (``revoked``); a party is admitted in steps that never add up to more
   than its size, and one fully admitted is refused (``already_checked_in``, with the first
   scan's time and gate).

A signed **standby ticket** (``SB1.``, a called walk-in, issue 15 §3) passes rules 1-6 like any
other; its rule 7 is ``standby_admit.lua``, the same step as a steward's admission by number:
admitted only once called (``not_called``), whole party, never twice (``already_checked_in``).
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from services.checkin import vocabulary as V
from services.checkin.door import admission
from services.checkin.door import cards as door_cards
from services.checkin.door import checks as door_checks
from services.checkin.door.cards import Cards
from services.checkin.ports import Activities, AdmitStep, Doc, Door, Ids, Marks, Tickets, UndoStep
from shared.clock import SYSTEM_CLOCK, Clock
from shared.config import Settings
from shared.masking import mask_name
from shared.refusal import Refusal as Refusal  # re-exported
from shared.tickets import InvalidTicket, Ticket

MAX_CHECKIN_ID = 64


@dataclass(frozen=True)
class Staff:
    name: str  # the label recorded with each scan
    venue: str | None  # the venue of the token; None: every venue (organizers)
    holder: str = ""  # whose online marks these are (the token's hash)
    gates: frozenset[str] | None = None  # issue 23: a device bound to these gates (canonical names)

    def may_access(self, venue_id: str) -> bool:
        return self.venue is None or self.venue == venue_id

    def may_use_gate(self, gate: str) -> bool:
        return self.gates is None or admission.canonical_gate(gate) in self.gates


def check_gate(staff: Staff, gate: str) -> None:
    """A token bound to its gates (issue 23, finding 7) may not scan at another: ``gate_not_allowed``
    (the scanner's sign-in and the standby admission; a scan is refused and recorded in ``judge``)."""
    if not staff.may_use_gate(gate):
        raise Refusal(V.GATE_NOT_ALLOWED, {"gate": gate, "gates": ", ".join(sorted(staff.gates or ()))})


@dataclass(frozen=True)
class Scan:
    code: str
    gate: str
    admit: int = 0  # people to admit now; 0: the rest of the party
    nonce: str = ""
    scanned_at: datetime | None = None  # an offline scan's own time; None: now
    online_mark: str = ""  # the device's last online moment, signed (online_marks.py)
    # Issue 23: a member's ID card as read (hashed at once, never kept), or an offline upload's
    # door hash of it (the device hashed it with the activity's key and kept no number).
    id_number: str = ""
    id_hash: str = ""


@dataclass(frozen=True)
class TimePolicy:
    """Settings.door_clock_skew_s, door_offline_max_s and checkin_opens_before_min."""

    clock_skew_s: int = 30
    offline_max_s: int = 8 * 3600
    opens_before_min: int = Settings.checkin_opens_before_min

    @classmethod
    def from_settings(cls, s: Settings) -> TimePolicy:
        return cls(s.door_clock_skew_s, s.door_offline_max_s, s.checkin_opens_before_min)


def new_checkin_id() -> str:
    return "c" + secrets.token_hex(8)


def admit(
    scan: Scan,
    staff: Staff,
    *,
    tickets: Tickets,
    activities: Activities,
    door: Door,
    clock: Clock = SYSTEM_CLOCK,
    ids: Ids = new_checkin_id,
    marks: Marks | None = None,
    policy: TimePolicy = TimePolicy(),
    cards: Cards | None = None,
) -> Doc:
    """Judge one scan; returns the admission (people admitted, remaining, the party's summary)."""
    try:
        ticket = tickets.verify(scan.code)
    except InvalidTicket:
        door.record_denial("", "", scan.gate, staff.name, V.INVALID)
        raise Refusal(V.INVALID) from None
    party = Party(
        ticket.activity_id,
        ticket.registration_id,
        ticket.venue_id,
        ticket.party_size,
        ticket,
        ticket.standby_number,
    )
    return judge(
        party,
        scan,
        staff,
        activities=activities,
        door=door,
        clock=clock,
        ids=ids,
        marks=marks,
        policy=policy,
        cards=cards,
    )


@dataclass(frozen=True)
class Party:
    """Who is at the door: from a signed ticket, or found by the steward (``lookup.py``)."""

    activity_id: str
    registration_id: str
    venue_id: str  # the signed (or recorded) venue; the activity's current one wins
    party_size: int  # as the ticket says; the projection's smaller size wins (a member dropped)
    ticket: Ticket | None = None  # the signed window, when the projection lacks the activity
    standby_number: int | None = None  # a called walk-in's signed standby ticket (issue 15 §3)


def judge(
    party: Party,
    scan: Scan,
    staff: Staff,
    *,
    activities: Activities,
    door: Door,
    clock: Clock = SYSTEM_CLOCK,
    ids: Ids = new_checkin_id,
    marks: Marks | None = None,
    policy: TimePolicy = TimePolicy(),
    cards: Cards | None = None,
) -> Doc:
    """Rules 2-7 for a party whose ticket is genuine (scanned) or found by the steward (looked up):
    the same verdicts and the same atomic step, so nobody is admitted twice either way."""
    aid, rid = party.activity_id, party.registration_id

    def refuse(reason: str, details: Doc | None = None, variant: str = "") -> Refusal:
        door.record_denial(aid, rid, scan.gate, staff.name, reason)
        return Refusal(reason, details, variant)

    activity, reg = activities.activity_and_registration(aid, rid)
    venue = admission.venue_of(activity, party.venue_id)
    named = {"activity_title": (activity or {}).get("title", {}), "venue_name": _venue_name(activity)}
    now = clock.now()

    def moment() -> datetime | door_checks.Said:
        try:
            return scan_moment(scan, staff, now, marks, policy)
        except Refusal as exc:
            return door_checks.Said(exc.reason, exc.details, exc.variant)

    seen = door_checks.Seen(
        staff,
        scan.gate,
        activity,
        reg,
        venue,
        named,
        party.party_size,
        party.ticket,
        now,
        moment,
        policy.opens_before_min,
    )
    at_once, said = door_checks.judge_rows(seen)  # the use case's rows of the door's table
    if at_once is not None:
        raise refuse(*at_once)
    later = Refusal(*said) if said else None
    at, party_size = seen.at, seen.party_size
    wrong_gate = {"gate": scan.gate, **named}
    if party.standby_number is not None:
        open_for = door.gate_activities(venue, scan.gate)
        if open_for is not None and aid not in open_for:
            raise refuse(V.WRONG_GATE, {**wrong_gate, "gate_activities": open_for})
        if later is not None:
            raise refuse(later.reason, later.details, later.variant)
        return _admit_standby(party.standby_number, party, scan, activity, at, door)
    result = door.admit(
        AdmitStep(
            checkin_id=ids(),
            activity_id=aid,
            registration_id=rid,
            venue_id=venue,
            party_size=party_size,
            admit=scan.admit,
            gate=scan.gate,
            at_iso=at.isoformat(),
            bucket=admission.bucket(at),
            nonce=scan.nonce,
            staff=staff.name,
            occurred_at=now.isoformat(),
            refusal=later.reason if later else "",  # rule 3 first, in the same step (recorded there)
            # issue 23: the card read, matched to a member in the same step (admit.lua)
            card=scan.id_hash or (cards.read(aid, scan.id_number) if cards else ""),
            card_required=bool(cards and cards.required),
        )
    )
    if result["status"] == V.DENIED and result["reason"] == V.WRONG_GATE:
        raise Refusal(
            V.WRONG_GATE, {**wrong_gate, "gate_activities": list(result.get("gate_activities") or [])}
        )
    if later is not None and result["status"] == V.DENIED and result["reason"] == later.reason:
        raise later
    summary: Doc = {
        "id": rid,
        "activity_id": aid,
        "activity_title": (activity or {}).get("title", {}),
        "name_masked": mask_name(reg.get("name", "")) if reg else "",  # none once erased
        # real-name parties: each member's masked name and ID, for the steward (issue 14), and
        # whether each came in on their card (issue 23); never a door hash
        "members": door_cards.shown((reg or {}).get("members"), list(result.get("members_in") or []) or None),
        "party_size": party_size,
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
    return {
        "status": V.OK,
        "checkin_id": result["checkin_id"],
        "admitted": result["admitted"],
        "remaining": result["remaining"],
        "registration": summary,
        "checked_in_at": result["at"],
        "gate": result["gate"],
        "replayed": bool(result.get("replayed")),
        "member": int(result.get("member") or 0),  # issue 23: the place of the member whose card matched
    }


def _admit_standby(
    number: int, party: Party, scan: Scan, activity: Doc | None, at: datetime, door: Door
) -> Doc:
    """Rule 7 of a standby ticket: the standby list's own atomic step (no seat given twice)."""
    result = door.admit_standby(party.activity_id, number, scan.gate, at.isoformat(), scan.nonce)
    size = int(result.get("party_size") or party.party_size)
    summary: Doc = {
        "id": f"standby:{party.activity_id}:{number}",
        "activity_id": party.activity_id,
        "activity_title": (activity or {}).get("title", {}),
        "name_masked": "",
        "members": [],
        "party_size": size,
        "admitted_total": size if result["status"] == V.OK or result["reason"] == V.ALREADY_CHECKED_IN else 0,
        "standby_number": number,
    }
    if result["status"] == V.DENIED:
        if result["reason"] == V.ALREADY_CHECKED_IN:
            first = {"first_checked_in_at": result.get("first_at"), "first_gate": result.get("first_gate")}
            raise Refusal(V.ALREADY_CHECKED_IN, {**first, "registration": summary})
        raise Refusal(result["reason"], {"registration": summary, "standby_number": number})
    return {
        "status": V.OK,
        "checkin_id": "",
        "admitted": size,
        "remaining": 0,
        "registration": summary,
        "checked_in_at": result["at"],
        "gate": result["gate"],
        "replayed": bool(result.get("replayed")),
    }


def _venue_name(activity: Doc | None) -> str:
    return str(((activity or {}).get("venue") or {}).get("name") or "")


def scan_moment(scan: Scan, staff: Staff, now: datetime, marks: Marks | None, policy: TimePolicy) -> datetime:
    """When a scan counts as made: now, unless an offline upload's own time is vouched for.

    A client's time is never in the future (beyond the clock skew). It is taken only with an
    online mark of this token (the device's last online moment, signed by the server), not older
    than ``offline_max_s``, and only from that moment on: an online scan is judged by the
    server's clock, whatever time it sends.
    """
    if scan.scanned_at is None:
        return now

    def refused(variant: str, **more: str) -> Refusal:
        assert scan.scanned_at is not None
        return Refusal(
            V.BAD_SCAN_TIME, {"variant": variant, "scanned_at": scan.scanned_at.isoformat(), **more}, variant
        )

    skew = timedelta(seconds=policy.clock_skew_s)
    if scan.scanned_at > now + skew:
        raise refused(V.FUTURE)
    if not scan.online_mark:
        return now
    online_at = marks.moment(scan.online_mark, staff.holder) if marks else None
    if online_at is None:
        raise refused(V.NO_MARK)
    if now - online_at > timedelta(seconds=policy.offline_max_s):
        raise refused(V.STALE_MARK, online_at=online_at.isoformat())
    if scan.scanned_at < online_at - skew:
        raise refused(V.BEFORE_ONLINE, online_at=online_at.isoformat())
    return min(scan.scanned_at, now)


def visible_activity(aid: str, staff: Staff, *, activities: Activities) -> Doc:
    """An activity the staff member's token may see (its figures, its exports)."""
    activity = activities.activity(aid)
    if activity is None:
        raise Refusal(V.UNKNOWN_ACTIVITY)
    if not staff.may_access(activity["venue"]["id"]):
        raise Refusal(V.FORBIDDEN, variant=V.OTHER_VENUE)
    return activity


def undo(checkin_id: str, staff: Staff, *, door: Door, clock: Clock = SYSTEM_CLOCK) -> Doc:
    """Take back one check-in: its people are no longer counted in, and it can be scanned again."""
    found = door.checkin(checkin_id) if len(checkin_id) <= MAX_CHECKIN_ID else None
    if found is None:
        raise Refusal(V.UNKNOWN_CHECKIN)
    aid, record = found
    if not staff.may_access(record.get("venue_id", "")):
        raise Refusal(V.FORBIDDEN, variant=V.OTHER_VENUE)
    result = door.undo(UndoStep(aid, checkin_id, staff.name, clock.now().isoformat()))
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
