"""The use case's rows of the door's one table (``door_rules.RULES``), judged in Python.

Each check reads what the use case has seen of the scan (:class:`Seen`) and says a refusal
(:class:`Said`) or nothing; ``judge_rows`` runs them in the table's order.  ``usecases.judge``
raises what they say as its ``Refusal``: a row before the first atomic row at once, the first one
after it through the atomic step (``admit.lua`` judges the gate first, then records it).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, NamedTuple

from services.checkin import vocabulary as V
from services.checkin.door import admission
from services.checkin.door import rules as door_rules
from services.checkin.ports import Doc


class Said(NamedTuple):
    """A row's refusal: a reason code, its details, its variant."""

    reason: str
    details: Doc
    variant: str = ""


@dataclass
class Seen:
    """What the rows judge, and what they settle: the moment the scan counts at (``at``) and the
    people the party counts (``party_size``)."""

    staff: Any  # scans.Staff: may_access(venue), may_use_gate(gate), gates
    gate: str
    activity: Doc | None
    reg: Doc | None
    venue: str
    named: Doc  # the activity's title and venue name, for the steward
    signed_party: int
    ticket: Any  # the signed window (shared.tickets.Ticket), when the projection lacks the activity
    now: datetime
    moment: Callable[[], datetime | Said]  # the scan's moment (scans.scan_moment), or its refusal
    opens_before_min: int  # Settings.checkin_opens_before_min
    at: datetime = field(init=False)
    party_size: int = field(init=False)
    _window: tuple[int, int] | None = field(default=None, init=False)

    def __post_init__(self) -> None:
        self.at, self.party_size = self.now, self.signed_party

    def window(self) -> tuple[int, int]:
        """The check-in window (opens, closes; Unix seconds), worked out once for the too-early and too-late rows."""
        if self._window is None:
            self._window = admission.window(self.activity, self.ticket, self.opens_before_min)
        return self._window


def _wrong_venue(s: Seen) -> Said | None:
    return None if s.staff.may_access(s.venue) else Said(V.WRONG_VENUE, {"ticket_venue": s.venue, **s.named})


def _gate_not_allowed(s: Seen) -> Said | None:
    if s.staff.may_use_gate(s.gate):  # issue 23: a device bound to its gates
        return None
    return Said(V.GATE_NOT_ALLOWED, {"gate": s.gate, "gates": ", ".join(sorted(s.staff.gates or ()))})


def _activity_cancelled(s: Seen) -> Said | None:
    return Said(V.ACTIVITY_CANCELLED, {}) if s.activity and s.activity["status"] == V.CANCELLED else None


def _bad_scan_time(s: Seen) -> Said | None:
    moment = s.moment()
    if isinstance(moment, Said):
        return moment
    s.at = moment
    return None


def _window(side: str) -> Callable[[Seen], Said | None]:
    def check(s: Seen) -> Said | None:
        opens, closes = s.window()
        if admission.judge_time(s.at, opens, closes) != side:
            return None
        return Said(
            V.INVALID_TIME,
            {"side": side, "opens_at": opens, "closes_at": closes, "scanned_at": s.at.isoformat()},
            side,
        )

    return check


def _party_reduced(s: Seen) -> Said | None:
    """A party that dropped a member (issue 17) is admitted up to its new size on either code."""
    s.party_size = min(s.signed_party, int((s.reg or {}).get("party_size") or s.signed_party))
    return None


CHECKS: dict[str, Callable[[Seen], Said | None]] = {
    "wrong_venue": _wrong_venue,
    "gate_not_allowed": _gate_not_allowed,
    "activity_cancelled": _activity_cancelled,
    "bad_scan_time": _bad_scan_time,
    "too_early": _window(V.TOO_EARLY),
    "too_late": _window(V.TOO_LATE),
    "party_reduced": _party_reduced,
}


def judge_rows(seen: Seen) -> tuple[Said | None, Said | None]:
    """(refused now, refused in the atomic step): the use case's rows in the table's order."""
    later: Said | None = None
    for row in door_rules.RULES:
        if row.online != door_rules.USE_CASE or (later is not None and door_rules.given(row)):
            continue
        said = CHECKS[row.name](seen)
        if said is None:
            continue
        if not door_rules.given(row):
            return said, None
        later = said
    return None, later
