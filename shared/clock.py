"""The one clock shape every service's use cases take: ``clock.now()``, a timezone-aware instant.

``SystemClock`` is the real one (wired in each service's bootstrap); ``FakeClock`` is a hand-moved
one for tests (a port with nothing behind it, so a fake is allowed).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Protocol


class Clock(Protocol):
    def now(self) -> datetime:
        """The current instant, timezone-aware."""
        ...


class SystemClock:
    def now(self) -> datetime:
        return datetime.now(UTC)


@dataclass
class FakeClock:
    at: datetime = field(default_factory=lambda: datetime(2026, 5, 20, 9, 0, tzinfo=UTC))

    def now(self) -> datetime:
        return self.at

    def advance(self, **delta: float) -> None:
        self.at += timedelta(**delta)
