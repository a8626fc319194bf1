"""The door verdict's first reads, sent with the staff token lookup (issue 18).

``shared.auth.require(..., read_ahead=scan)`` queues, on the token's pipeline, the projection's
activity and registration named by the scanned code, read from the code *unverified*
(``shared.tickets.peek``). They are only data: the use case verifies the signature first and
asks :class:`ReadAhead` (the Activities port) for the activity and registration of the verified
ticket, which it answers from what was read ahead when the ids are the same, else from Redis.
"""

from __future__ import annotations

from typing import Any

from flask import g, request

from services.checkin.ports import Doc
from services.checkin.projection import Projection
from services.checkin.web.edge import store
from shared.tickets import peek


class ReadAhead:
    """The Activities port over the projection, with one pair read ahead."""

    def __init__(self, projection: Projection, ids: tuple[str, str] | None = None, found: Any = None):
        self.projection, self.ids, self.found = projection, ids, found

    def activity(self, aid: str) -> Doc | None:
        return self.projection.activity(aid)

    def activity_and_registration(self, aid: str, rid: str) -> tuple[Doc | None, Doc | None]:
        if self.ids == (aid, rid):
            found: tuple[Doc | None, Doc | None] = self.found
            return found
        return self.projection.activity_and_registration(aid, rid)


def scan(pipe: Any):
    """``require``'s read-ahead for POST /api/v1/checkins; what it read lands in ``g``."""
    body = request.get_json(silent=True)
    said = peek(body.get("code")) if isinstance(body, dict) else None
    if said is None:
        return None
    projection, ids = store().projection, (said.activity_id, said.registration_id)
    projection.queue_activity_and_registration(pipe, *ids)

    def settle(replies: list[Any]) -> None:
        g.door_read_ahead = ReadAhead(projection, ids, projection.decoded(replies))

    return settle


def activities() -> ReadAhead:
    """The Activities port of this request: with what was read ahead, if anything."""
    return g.get("door_read_ahead") or ReadAhead(store().projection)
