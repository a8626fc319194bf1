"""Door helpers in plain Python: the check-in window, arrival buckets, masking names.

The verdict texts live in ``vocabulary.py``; the rules that use these in ``usecases.py``.
"""

from __future__ import annotations

import unicodedata
from datetime import UTC, datetime
from typing import Any, Protocol

from services.checkin.vocabulary import CLOSED_ON, OPENS_AT, OPENS_ON, TOO_EARLY, TOO_LATE
from shared.config import LOCAL_ZONE
from shared.tickets import checkin_window

TZ = LOCAL_ZONE  # Settings.timezone
BUCKET_S = 300  # arrivals are counted per 5 minutes


class SignedWindow(Protocol):
    """The window a ticket's signature carries (``shared.tickets.Ticket``)."""

    @property
    def valid_from(self) -> int: ...

    @property
    def valid_until(self) -> int: ...


def window(
    activity: dict[str, Any] | None, ticket: SignedWindow | None, opens_before_min: int
) -> tuple[int, int]:
    """Unix seconds: shared/tickets.checkin_window (``opens_before_min``, the setting).

    The activity as the projection knows it wins over the window signed into the ticket, so a
    moved screening is judged by its new time.
    """
    if activity:
        starts, ends = (datetime.fromisoformat(activity[k]) for k in ("starts_at", "ends_at"))
        return checkin_window(starts, ends, opens_before_min)
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


def canonical_gate(name: str) -> str:
    """One spelling of a gate name everywhere (issue 23, finding 7): NFKC, spaces trimmed and
    collapsed, case-folded, so ``"g1 "``, ``"G1"`` and ``"Ｇ１"`` are all ``g1``. Gate plans, scans,
    counts and a token's bound gates all use it."""
    folded = unicodedata.normalize("NFKC", name).casefold()
    return " ".join(unicodedata.normalize("NFKC", folded).split())


def local_hm(iso: str) -> str:
    return datetime.fromisoformat(iso).astimezone(TZ).strftime("%H:%M")


def now() -> datetime:
    return datetime.now(UTC)


def venue_of(activity: dict[str, Any] | None, signed_venue: str) -> str:
    """The venue a scan is judged by: the activity's current one (a moved activity's tickets go
    to its new venue), else the one signed into the ticket while the projection has not seen it."""
    if activity and (activity.get("venue") or {}).get("id"):
        return str(activity["venue"]["id"])
    return signed_venue


def local_day(when: int | float) -> tuple[str, str]:
    """(zh, en) of a day at the venue: ("12月2日", "2 Dec"); the scanner writes it the same way."""
    d = datetime.fromtimestamp(when, UTC).astimezone(TZ)
    return f"{d.month}月{d.day}日", f"{d.day} {d:%b}"


def day_line(side: str, opens: int, closes: int, at: datetime) -> tuple[str, int] | None:
    """The second line of a too-early or too-late verdict: (text key, the time it names).

    Too early names the opening time, with its date when that is not the scan's day; too late
    names the end only when that was another day (a ticket of yesterday, or of next week).
    """
    when = opens if side == TOO_EARLY else closes
    today = local_day(at.timestamp()) == local_day(when)
    if side == TOO_EARLY:
        return (OPENS_AT if today else OPENS_ON), when
    return None if today else (CLOSED_ON, when)
