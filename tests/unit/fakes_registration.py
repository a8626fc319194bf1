"""The fake of a registration port that has no Lua behind it: the ticket signer (the clock's is
shared/clock.py's ``FakeClock``).

The seats, the limiter, the no-show record and the lottery are the real Redis adapters with their
Lua (``tests/unit/registration_ports.py``), on the session's Redis (``store_settings``).
"""

from __future__ import annotations


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
