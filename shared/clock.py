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


SYSTEM_CLOCK = SystemClock()
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def epoch_ms(clock: Clock) -> int:
    """The clock's instant as whole milliseconds since the epoch (exact: no float on the way)."""
    return (clock.now() - _EPOCH) // timedelta(milliseconds=1)


@dataclass
class FakeClock:
    at: datetime = field(default_factory=lambda: datetime(2026, 5, 20, 9, 0, tzinfo=UTC))

    @classmethod
    def at_seconds(cls, seconds: float) -> FakeClock:
        """Stopped at ``seconds`` since the epoch (a test's ``time.time()``)."""
        return cls(datetime.fromtimestamp(seconds, UTC))

    def now(self) -> datetime:
        return self.at

    def advance(self, **delta: float) -> None:
        self.at += timedelta(**delta)

    def set(self, when: datetime) -> None:
        self.at = when
