"""At the door, the card is matched (issue 23): a real-name party's members each show their ID
card; the steward's card reader types its number (or the steward types it), and the door compares
the keyed hash of what it read with the members' door hashes that registration put on the event
(``shared/door_id.py``). A mismatch is refused ``id_mismatch`` whatever the masked form shows.

The comparison is data and one small pure step: the hash here (online) or in the scanner's
``doorid.js`` (offline, with the activity's key from the scanner state), the match in
``admit.lua`` (online, atomically with the admission: a member comes in once) or in
``doorbook.js`` (offline, in the same order). The number read is hashed and dropped: it is never
stored, logged or published.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from shared import door_id

DOOR_HASH = "door_hash"


@dataclass(frozen=True)
class Cards:
    """The master key of the door hashes and ``Settings.door_id_required``."""

    master: bytes
    required: bool = True

    @classmethod
    def from_settings(cls, settings: Any) -> Cards:
        return cls(door_id.master_key(settings), bool(settings.door_id_required))

    def key(self, activity_id: str) -> bytes:
        return door_id.activity_key(self.master, activity_id)

    def read(self, activity_id: str, number: str) -> str:
        """The door hash of a card read at this activity's door ("" for nothing read)."""
        return door_id.door_hash(self.key(activity_id), number) if number else ""


def shown(members: list[dict[str, Any]] | None, admitted: list[int] | None = None) -> list[dict[str, Any]]:
    """Members as a steward's screen and the API show them: never a door hash; with ``admitted``
    (the places admitted on their card, from 1), whether each is in."""
    out = []
    for place, m in enumerate(members or [], start=1):
        item = {k: v for k, v in m.items() if k != DOOR_HASH}
        if admitted is not None and (m.get(DOOR_HASH) or place in admitted):  # issue 26: a ticked child too
            item["admitted"] = place in admitted
        out.append(item)
    return out


def book(cards: Cards, activity_id: str, registrations: list[dict[str, Any]]) -> dict[str, Any]:
    """What the offline book carries for one activity: its key and, per registration whose members
    carry door hashes, those hashes in member order ("" for a member without a document)."""
    hashes = {
        r["registration_id"]: [m.get(DOOR_HASH) or "" for m in r.get("members") or []]
        for r in registrations
        if any(m.get(DOOR_HASH) for m in r.get("members") or [])
    }
    if not hashes:
        return {}
    return {"door_key": cards.key(activity_id).hex(), "cards": hashes}


def parties(registrations: list[dict[str, Any]]) -> dict[str, Any]:
    """Issue 26: what the offline book carries to list a real-name party's members at the door, per
    registration with members: each member's masked name, ID type and masked number (a child booked
    without a document has id_type "none"), in member order; never a door hash."""
    listed = {r["registration_id"]: shown(r.get("members")) for r in registrations if r.get("members")}
    return {"parties": listed} if listed else {}


def wheelchairs(registrations: list[dict[str, Any]]) -> dict[str, Any]:
    """Issue 29 item 6: the wheelchair places of each party that booked some, for the offline verdict."""
    places = {r["registration_id"]: int(r["wheelchairs"]) for r in registrations if r.get("wheelchairs")}
    return {"wheelchairs": places} if places else {}
