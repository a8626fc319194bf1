"""A scan at the door: who scans (:class:`Staff`, and the gates a token may use), what is scanned
(:class:`Scan`) and who stands there (:class:`Party`), and when the scan counts
(:class:`TimePolicy`, :func:`scan_moment`).  The door's use cases (``usecases.py``) judge them.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from services.checkin import vocabulary as V
from services.checkin.door import admission
from services.checkin.ports import Marks
from shared.config import Settings
from shared.refusal import Refusal
from shared.tickets import Ticket


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
    peek: bool = False  # issue 26: the verdict this scan would get, nobody admitted (POST …/verdict)
    # Issue 26: the members the steward ticked, (place from 1, door hash of the card read or "")
    members: tuple[tuple[int, str], ...] = ()


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


@dataclass(frozen=True)
class Party:
    """Who is at the door: from a signed ticket, or found by the steward (``lookup.py``)."""

    activity_id: str
    registration_id: str
    venue_id: str  # the signed (or recorded) venue; the activity's current one wins
    party_size: int  # as the ticket says; the projection's smaller size wins (a member dropped)
    ticket: Ticket | None = None  # the signed window, when the projection lacks the activity
    standby_number: int | None = None  # a called walk-in's signed standby ticket (issue 15 §3)


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
