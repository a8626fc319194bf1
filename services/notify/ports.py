"""What notify's use cases need from the world, as Protocols.

The Redis adapters fill them in production (``projection.Projection``, ``deliveries.Deliveries``,
``reminders.Reminders``); ``tests/unit/test_notify_usecases.py`` runs the use cases on them too
(the session's Redis, one key prefix a test).
"""

from __future__ import annotations

from typing import Any, Protocol

Doc = dict[str, Any]


class Registrants(Protocol):
    """What a registration's own events read and write (``usecases.RegistrationNotices``)."""

    def put_registration(self, envelope: Doc) -> Doc:
        """Store the registrant (registrations only move forward); returns it as stored."""
        ...

    def activity(self, aid: str) -> Doc | None: ...

    def cancellation(self, aid: str) -> Doc | None:
        """The ActivityCancelled event's id, time and reason, once the activity was cancelled."""
        ...


class Projection(Registrants, Protocol):
    """Activities and registrants as notify knows them (from activity- and registration-events)."""

    def put_activity(self, envelope: Doc) -> Doc | None:
        """Store the snapshot; returns the one it replaced."""
        ...

    def registrants(self, aid: str, statuses: tuple[str, ...]) -> list[Doc]: ...

    def registration(self, aid: str, rid: str) -> Doc | None:
        """One registrant as stored, or None (issue 26: seats released, a no-show warning)."""
        ...

    def erase(self, aid: str, rid: str) -> None:
        """Drop a registrant's personal fields (RegistrationErased); status and party size stay."""
        ...


class Recorder(Protocol):
    def record(
        self,
        *,
        event_id: str,
        cause_type: str,
        occurred_at: str,
        activity_id: str,
        reg: Doc,
        template: str,
        now_ms: int,
        context: Doc | None = None,
    ) -> int:
        """Record (once) and queue one message per channel of the registrant; returns how many were new."""
        ...


class Deliveries(Recorder, Protocol):
    def erase(self, registration_id: str) -> int:
        """Drop the recipients of a registration's messages; unsent ones are skipped."""
        ...


class RegistrantReminders(Protocol):
    def schedule(self, aid: str, rid: str, activity: Doc) -> None: ...

    def drop(self, aid: str, rid: str) -> None: ...


class Reminders(RegistrantReminders, Protocol):
    def schedule_activity(self, aid: str, activity: Doc) -> None: ...
