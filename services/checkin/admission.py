"""Door helpers in plain Python: the check-in window, arrival buckets, masking names.

The verdict texts live in ``vocabulary.py``; the rules that use these in ``usecases.py``.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any, Protocol

from services.checkin.vocabulary import TOO_EARLY, TOO_LATE
from shared.config import LOCAL_ZONE

TZ = LOCAL_ZONE  # Settings.timezone
OPENS_BEFORE = timedelta(minutes=60)
BUCKET_S = 300  # arrivals are counted per 5 minutes


class SignedWindow(Protocol):
    """The window a ticket's signature carries (``shared.tickets.Ticket``)."""

    @property
    def valid_from(self) -> int: ...

    @property
    def valid_until(self) -> int: ...


def window(activity: dict[str, Any] | None, ticket: SignedWindow | None) -> tuple[int, int]:
    """Unix seconds: opens 60 minutes before the start, closes at the end.

    The activity as the projection knows it wins over the window signed into the ticket, so a
    moved screening is judged by its new time.
    """
    if activity:
        start = datetime.fromisoformat(activity["starts_at"]) - OPENS_BEFORE
        return int(start.timestamp()), int(datetime.fromisoformat(activity["ends_at"]).timestamp())
    if ticket is None:
        raise ValueError("neither the activity nor a ticket gives the window")
    return ticket.valid_from, ticket.valid_until


def judge_time(at: datetime, opens: int, closes: int) -> str | None:
    """None inside the window, else ``too_early`` or ``too_late``."""
    t = at.timestamp()
    if t < opens:
        return TOO_EARLY
    if t > closes:
        return TOO_LATE
    return None


def bucket(at: datetime) -> int:
    t = int(at.timestamp())
    return t - t % BUCKET_S


def mask_name(name: str) -> str:
    """张三 -> 张*, 欧阳娜娜 -> 欧***; staff see enough to greet, not to identify."""
    name = (name or "").strip()
    return name[:1] + "*" * max(len(name) - 1, 1) if name else ""


def local_hm(iso: str) -> str:
    return datetime.fromisoformat(iso).astimezone(TZ).strftime("%H:%M")


def now() -> datetime:
    return datetime.now(UTC)
