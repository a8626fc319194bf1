"""The seat package's ports: the atomic seat steps, the limiter, the ticket signer, the checks
before the seat, and the door. The bag that carries them is ``services.registration.ports.Ports``.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Protocol

from services.registration.ports import Counts, Doc

if TYPE_CHECKING:
    from services.registration.seats.checks import Checked


class Seats(Protocol):
    """Activities, seats, the waitlist and registrations; every decision is one atomic step.

    Each write also appends its event(s) to the outbox in the same step. Refusals are raised
    as :class:`services.registration.vocabulary.Refusal`.
    """

    def activity_doc(self, activity_id: str, max_age_s: float = 1.0) -> Doc | None:
        """The activity document, possibly cached briefly (the atomic step re-checks)."""
        ...

    def get_activity(self, activity_id: str) -> tuple[Doc, Counts] | None: ...

    def list_activities(self) -> list[tuple[Doc, Counts]]: ...

    def put_activity(
        self,
        doc: Doc,
        *,
        mode: str,
        expected_rev: int | None,
        event_type: str,
        event_data: Doc,
        now: datetime,
    ) -> tuple[int, int]:
        """Create (``mode="create"``) or change an activity; returns (revision, promoted)."""
        ...

    def accessible_left(self, activity_id: str, now_ms: int) -> dict[str, int]:
        """Issue 29 item 6: the wheelchair places and companion seats still kept now."""
        ...

    def refuse_from_memory(self, activity_id: str, party_size: int, idem: str) -> None:
        """Raise ``sold_out`` without the atomic step if it said so a moment ago (may do nothing)."""
        ...

    def reserve(
        self, reg: Doc, idem: str, now: datetime, fair: Doc | None = None, owner_ref: str = ""
    ) -> tuple[str, str, int]:
        """Take seats or a waitlist place: (status or "replay", registration id, position)."""
        ...

    def cancel(self, activity_id: str, registration_id: str, now: datetime) -> tuple[str, str, int]:
        """Cancel and promote: ("cancelled" | "already", previous status, parties promoted)."""
        ...

    def drop_member(
        self,
        activity_id: str,
        registration_id: str,
        *,
        seen: int,
        member_at: int,
        hash_at: int,
        code: str,
        now: datetime,
    ) -> tuple[int, int]:
        """One member gives back a seat; the party keeps the rest with a new ticket ``code``.

        ``seen``: the party size the caller signed for (else ``revision_conflict``); ``member_at``
        / ``hash_at``: the member's place (from 1) in ``members`` / ``id_hashes``, 0 for none.
        Returns (new party size, parties promoted)."""
        ...

    def correct_member(
        self,
        activity_id: str,
        registration_id: str,
        *,
        member_at: int,
        hash_at: int,
        seen: Doc,
        new: Doc,
        new_hash: str,
        limits: tuple[int, int],
        now: datetime,
    ) -> int:
        """A member's name corrected, or a new member (another ID hash) in its place within the
        per-ID ``limits`` (per day, per festival): correct_member.lua (issue 26)."""
        ...

    def promote(self, activity_id: str, now: datetime) -> int:
        """Move waitlisted parties into free seats (FIFO, all or nothing); returns how many."""
        ...

    def registrations(self, activity_id: str) -> list[Doc]:
        """Every registration of an activity, in clear (the retention sweep erases them)."""
        ...

    def erase(
        self, activity_id: str, registration_id: str, now: datetime, cause: str, owner_ref: str = ""
    ) -> int:
        """Erase the personal fields (erase.lua); how many there were, 0 when already erased."""
        ...

    def get_registration(self, registration_id: str) -> Doc | None: ...

    def waitlist_position(self, activity_id: str, registration_id: str) -> int | None: ...

    def registrations_of(self, owner_ref: str) -> list[Doc]:
        """Every registration a verified phone made (its ``owner_ref``), newest first: 我的报名."""
        ...


class RateLimit(Protocol):
    def check(self, limits: list[tuple[str, str, int, int]]) -> None:
        """Count one request against ``(name, subject, max_requests, window_s)`` limits."""
        ...


class TicketSigner(Protocol):
    def sign(
        self,
        *,
        registration_id: str,
        activity_id: str,
        venue_id: str,
        party_size: int,
        valid_from: int,
        valid_until: int,
    ) -> str: ...


class Checks(Protocol):
    """Registering's reads and counts before the seat script, one round trip a call (checks.py)."""

    def run(
        self, *, limits: list[tuple[str, str, int, int]], holders: list[str], session_ref: str | None = None
    ) -> Checked:
        """Count ``limits`` (429 ``rate_limited`` when one is spent); read the session's phone and
        each holder's no-show marks."""
        ...


class Door(Protocol):
    """The door learns of a cancellation at once, beside the event (``door.py``; issue 16)."""

    def revoke(self, activity_id: str, registration_id: str) -> None:
        """Best effort and bounded in time: never raises; the event still follows."""
        ...
