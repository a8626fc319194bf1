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

import logging
from datetime import datetime
from typing import Any

from services.checkin import vocabulary as V
from services.checkin.door import admission, steps
from services.checkin.door import checks as door_checks
from services.checkin.door.cards import Cards
from services.checkin.door.scans import Party as Party  # the scan's values, re-exported
from services.checkin.door.scans import Scan as Scan
from services.checkin.door.scans import Staff as Staff
from services.checkin.door.scans import TimePolicy as TimePolicy
from services.checkin.door.scans import check_gate as check_gate
from services.checkin.door.scans import new_checkin_id as new_checkin_id
from services.checkin.door.scans import scan_moment as scan_moment
from services.checkin.ports import Activities, Doc, Door, Ids, Marks, Tickets, UndoStep
from shared.clock import SYSTEM_CLOCK, Clock
from shared.refusal import Refusal as Refusal  # re-exported
from shared.tickets import InvalidTicket

MAX_CHECKIN_ID = 64
log = logging.getLogger("sciday.checkin.undo")


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
    seen = _seen(party, scan, staff, activity, reg, clock.now(), marks, policy)
    at_once, said = door_checks.judge_rows(seen)  # the use case's rows of the door's table
    if at_once is not None:
        raise refuse(*at_once)
    later = Refusal(*said) if said else None
    wrong_gate = {"gate": scan.gate, **seen.named}
    if party.standby_number is not None:
        open_for = door.gate_activities(seen.venue, scan.gate)
        if open_for is not None and aid not in open_for:
            raise refuse(V.WRONG_GATE, {**wrong_gate, "gate_activities": open_for})
        if later is not None:
            raise refuse(later.reason, later.details, later.variant)
        if scan.peek:
            return steps.peek_standby(party)
        return steps.admit_standby(party.standby_number, party, scan, activity, seen.at, door)
    result = door.admit(steps.admit_step(party, scan, staff, seen, ids(), later, cards))
    if result["status"] == V.DENIED and result["reason"] == V.WRONG_GATE:
        raise Refusal(
            V.WRONG_GATE, {**wrong_gate, "gate_activities": list(result.get("gate_activities") or [])}
        )
    if later is not None and result["status"] == V.DENIED and result["reason"] == later.reason:
        raise later
    if scan.peek and result["status"] == V.OK:  # issue 26: judged only, nobody admitted
        return steps.peeked(result, steps.summary(party, seen, result))
    return steps.admitted(result, steps.summary(party, seen, result))


def _seen(
    party: Party,
    scan: Scan,
    staff: Staff,
    activity: Doc | None,
    reg: Doc | None,
    now: datetime,
    marks: Marks | None,
    policy: TimePolicy,
) -> door_checks.Seen:
    """What the door's rows judge: the activity's current venue, its names, the scan's moment."""

    def moment() -> datetime | door_checks.Said:
        try:
            return scan_moment(scan, staff, now, marks, policy)
        except Refusal as exc:
            return door_checks.Said(exc.reason, exc.details, exc.variant)

    named = {"activity_title": (activity or {}).get("title", {}), "venue_name": _venue_name(activity)}
    return door_checks.Seen(
        staff,
        scan.gate,
        activity,
        reg,
        admission.venue_of(activity, party.venue_id),
        named,
        party.party_size,
        party.ticket,
        now,
        moment,
        policy.opens_before_min,
    )


def _venue_name(activity: Doc | None) -> str:
    return str(((activity or {}).get("venue") or {}).get("name") or "")


def visible_activity(aid: str, staff: Staff, *, activities: Activities) -> Doc:
    """An activity the staff member's token may see (its figures, its exports)."""
    activity = activities.activity(aid)
    if activity is None:
        raise Refusal(V.UNKNOWN_ACTIVITY)
    if not staff.may_access(activity["venue"]["id"]):
        raise Refusal(V.FORBIDDEN, variant=V.OTHER_VENUE)
    return activity


def undo(
    checkin_id: str,
    staff: Staff,
    *,
    door: Door,
    clock: Clock = SYSTEM_CLOCK,
    reason: str = V.UNDO_AT_SCANNER,
    note: str = "",
) -> Doc:
    """Take back one check-in: its people are no longer counted in, and it can be scanned again.

    Issue 26: with a reason (``V.UNDO_REASONS``; "other" needs a note), which ``undo.lua`` records
    on the check-in, counts and writes to the activity's audit log in the same step as the counts.
    A bare undo (the scanner's, of the admission just shown) is ``at_scanner``."""
    if reason == V.UNDO_OTHER and not note.strip():
        raise Refusal(V.UNDO_NOTE_REQUIRED)
    found = door.checkin(checkin_id) if len(checkin_id) <= MAX_CHECKIN_ID else None
    if found is None:
        raise Refusal(V.UNKNOWN_CHECKIN)
    aid, record = found
    if not staff.may_access(record.get("venue_id", "")):
        raise Refusal(V.FORBIDDEN, variant=V.OTHER_VENUE)
    result = door.undo(UndoStep(aid, checkin_id, staff.name, clock.now().isoformat(), reason, note.strip()))
    if result["status"] == V.DENIED:
        raise Refusal(result["reason"])
    log.info("check-in %s of %s undone by %s: %s", checkin_id, aid, staff.name, reason)
    out: dict[str, Any] = {
        "status": V.OK,
        "checkin_id": checkin_id,
        "reverted": result["reverted"],
        "admitted_total": result["admitted_total"],
        "registration_id": result["registration_id"],
        "checked_in": result.get("checked_in", 0),
        "reason": reason,
    }
    return out
