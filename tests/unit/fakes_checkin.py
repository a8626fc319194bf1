"""The signer's fake of the check-in ports (services/checkin/ports.py) and the door's test data.

The door itself has no fake: its tests run ``admit.lua`` and ``undo.lua`` on Redis
(tests/unit/door_world.py); tests/integration/test_door_scenarios.py replays one scenario table
against the use case, ``admit.lua`` and the scanner's ``doorbook.js``.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from services.checkin.ports import Doc
from shared.tickets import InvalidTicket, Ticket

T0 = datetime(2026, 5, 30, 9, 30, tzinfo=UTC)  # inside the window of the activity below
VENUE = "ln-stm"


def activity(
    aid: str = "imax-0530",
    status: str = "scheduled",
    venue: str = VENUE,
    venue_name: str = "辽宁省科学技术馆",
    **over: Any,
) -> Doc:
    """Starts at 10:00 UTC, ends at 12:00: the door opens at 09:00."""
    doc = {
        "id": aid,
        "title": {"zh": "巨幕专场", "en": "IMAX screening"},
        "venue": {"id": venue, "name": venue_name},
        "hall": "巨幕影院",
        "status": status,
        "starts_at": "2026-05-30T10:00:00+00:00",
        "ends_at": "2026-05-30T12:00:00+00:00",
    }
    doc.update(over)
    return doc


def ticket(rid: str = "r1", aid: str = "imax-0530", party: int = 3, venue: str = VENUE) -> Ticket:
    start = int(T0.timestamp())
    return Ticket(rid, aid, venue, party, start - 3600, start + 7200, 1)


class FakeTickets:
    """Codes are looked up, not verified: ``"SD1.<rid>"`` for each ticket added."""

    def __init__(self) -> None:
        self.by_code: dict[str, Ticket] = {}

    def add(self, t: Ticket) -> str:
        code = f"SD1.{t.registration_id}"
        self.by_code[code] = t
        return code

    def verify(self, code: str) -> Ticket:
        try:
            return self.by_code[code]
        except KeyError:
            raise InvalidTicket("bad signature") from None
