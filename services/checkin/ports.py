"""What the door's use cases need from the world, as Protocols.

The Redis adapters (``store.CheckinStore``, ``projection.Projection``, ``keys.KeyCache``) fill
these in production and in the door's tests (``tests/unit/door_world.py``: no fake of the door;
``tests/unit/fakes_checkin.py`` holds the signer's fake only).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from shared.tickets import Ticket

Doc = dict[str, Any]


@dataclass(frozen=True)
class AdmitStep:
    """One admission, as the atomic step (``admit.lua``) takes it."""

    checkin_id: str
    activity_id: str
    registration_id: str
    venue_id: str
    party_size: int
    admit: int  # people to admit now; 0: the rest of the party
    gate: str
    at_iso: str  # when the scan happened
    bucket: int  # the 5-minute arrivals bucket (Unix seconds)
    nonce: str  # "" when the scanner sent none
    staff: str
    occurred_at: str  # now (ISO), for the event
    # The refusal rules 4-6 gave (usecases.judge), or "": the step judges the gate first (rule 3)
    # and then records this refusal, so one round trip gives either verdict in the rules' order.
    refusal: str = ""
    # Issue 23: the door hash of the ID card read ("" none), and whether a real-name party's
    # members must each show theirs (admit.lua matches it to a member of the projection's record).
    card: str = ""
    card_required: bool = False
    # Issue 26: judge only: admit.lua answers what it would admit and writes nothing (a refusal is
    # recorded as ever), so the scanner asks the steward only for the people it will take.
    peek: bool = False
    # Issue 26: the members ticked at the door, JSON [{"member", "id_hash"}] ("" none: a head count)
    ticks: str = ""


@dataclass(frozen=True)
class UndoStep:
    activity_id: str
    checkin_id: str
    staff: str
    occurred_at: str
    reason: str = ""  # issue 26: why (vocabulary UNDO_REASONS), counted and audited by undo.lua
    note: str = ""


class Tickets(Protocol):
    def verify(self, code: str) -> Ticket:
        """The signed ticket, or ``shared.tickets.InvalidTicket``."""
        ...


class Activities(Protocol):
    def activity(self, aid: str) -> Doc | None: ...

    def activity_and_registration(self, aid: str, rid: str) -> tuple[Doc | None, Doc | None]:
        """The activity snapshot and the registration as the projection knows them."""
        ...


class Directory(Protocol):
    """The projection read as a whole, for the steward's manual lookup (``lookup.py``)."""

    def activity_ids(self) -> list[str]: ...

    def activity(self, aid: str) -> Doc | None: ...

    def registrations(self, aid: str) -> list[Doc]:
        """Every registration of the activity as the projection keeps it (masked phone)."""
        ...


class Door(Protocol):
    """The door's own state: who is in, through which gate, and the check-in events."""

    def admit(self, step: AdmitStep) -> Doc:
        """Atomically: refuse a gate not open for the activity (``wrong_gate``, with its
        ``gate_activities``), then ``step.refusal`` if any (both recorded, no nonce kept); replay
        a known nonce, refuse a revoked or fully admitted party, else admit, noting a ticket
        whose registration the projection has not seen yet (``unseen``, reconciled later)."""
        ...

    def admit_standby(self, aid: str, number: int, gate: str, at_iso: str, nonce: str = "") -> Doc:
        """Atomically (``standby_admit.lua``): admit a called standby number once, whole party; a
        repeated scan nonce gets its first answer again (``replayed``)."""
        ...

    def undo(self, step: UndoStep) -> Doc: ...

    def checkin(self, checkin_id: str) -> tuple[str, Doc] | None:
        """(activity id, record) of one check-in, or None."""
        ...

    def record_denial(self, aid: str, rid: str, gate: str, staff: str, reason: str) -> None:
        """A refusal decided before the atomic step is recorded and published too."""
        ...

    def gate_activities(self, venue_id: str, gate: str) -> list[str] | None:
        """The activities a gate of the venue is open for; None: every activity (issue 16)."""
        ...


class Marks(Protocol):
    """Online marks (``online_marks.OnlineMarks``): a device's last online moment, signed."""

    def moment(self, mark: str, holder: str) -> datetime | None: ...


class Ids(Protocol):
    def __call__(self) -> str: ...
