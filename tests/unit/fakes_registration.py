"""Fakes of the registration ports that have no Lua behind them: the clock and the ticket signer.

The seats, the limiter, the no-show record and the lottery are the real Redis adapters with their
Lua (``tests/unit/registration_ports.py``), on the session's Redis (``store_settings``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta


@dataclass
class FakeClock:
    at: datetime = field(default_factory=lambda: datetime(2026, 5, 20, 9, 0, tzinfo=UTC))

    def now(self) -> datetime:
        return self.at

    def advance(self, **delta: float) -> None:
        self.at += timedelta(**delta)


class FakeSigner:
    """Signs nothing: a readable stand-in for the Ed25519 ticket code."""

    def sign(
        self,
        *,
        registration_id: str,
        activity_id: str,
        venue_id: str,
        party_size: int,
        valid_from: int,
        valid_until: int,
    ) -> str:
        return f"FAKE.{registration_id}.{activity_id}.{venue_id}.{party_size}.{valid_from}.{valid_until}"
