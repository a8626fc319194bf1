"""The verifiable lottery (摇号): its specification as pure functions (the use cases: draw.py).

The specification (docs/lottery.md, "sciday-lottery-v1"), which ``scripts/verify_draw.py``
re-implements with the standard library only:

1. ``seed``: 32 random bytes, written as 64 lowercase hex digits; kept secret until the draw.
2. ``commitment = SHA-256(seed bytes)`` in hex, published before the entry window opens.
3. Each entry id gets ``rank = HMAC-SHA256(key=seed bytes, msg=UTF-8 entry id)``; the drawn order
   is the entry ids sorted by ``(rank, entry id)``.  It depends only on the seed and the *set* of
   entry ids (the order they arrived in plays no part); ties cannot happen because ids are unique.
4. Seats are filled with whole parties in drawn order; a party that no longer fits is skipped
   and a later, smaller one may still fit.  Every party not seated is waitlisted, in drawn order.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from services.registration import vocabulary as v
from services.registration.ports import Doc

ALGORITHM = "sciday-lottery-v1"


def new_seed() -> str:
    return secrets.token_hex(32)


def commitment(seed: str) -> str:
    return hashlib.sha256(bytes.fromhex(seed)).hexdigest()


def rank(seed: str, entry_id: str) -> bytes:
    return hmac.digest(bytes.fromhex(seed), entry_id.encode("utf-8"), "sha256")


def draw_order(seed: str, entry_ids: Iterable[str]) -> list[str]:
    key, digest = bytes.fromhex(seed), hmac.digest
    ranked = sorted((digest(key, e.encode("utf-8"), "sha256"), e) for e in set(entry_ids))
    return [e for _r, e in ranked]


def fill_seats(
    order: list[str], party_sizes: Mapping[str, int], capacity: int
) -> tuple[list[str], list[str]]:
    """``(winners, waitlist)``, both in drawn order: whole parties, skipping those that no longer fit."""
    winners, waitlist, free = [], [], capacity
    for e in order:
        size = party_sizes[e]
        if size <= free:
            winners.append(e)
            free -= size
        else:
            waitlist.append(e)
    return winners, waitlist


@dataclass
class Draw:
    """The outcome of one draw, and what happened after it (confirmations, seats passed on)."""

    activity_id: str
    seed: str
    commitment: str
    capacity: int
    party_sizes: dict[str, int]
    order: list[str]
    winners: list[str]
    waitlist: list[str]
    drawn_at: float
    # After the draw (``winners`` and ``waitlist`` stay as drawn, for verification):
    confirm_by: dict[str, float] = field(default_factory=dict)  # entry -> deadline (Unix s)
    confirmed: list[str] = field(default_factory=list)
    forfeited: list[str] = field(default_factory=list)
    promoted: list[str] = field(default_factory=list)

    @property
    def seated(self) -> list[str]:
        """Who holds seats now: the winners minus those who forfeited, then those promoted."""
        return [e for e in self.winners + self.promoted if e not in self.forfeited]

    @property
    def waiting(self) -> list[str]:
        return [e for e in self.waitlist if e not in self.promoted]

    def public(self) -> Doc:
        """The draw page's JSON: everything ``scripts/verify_draw.py`` needs, and no personal data."""
        return {
            "algorithm": ALGORITHM,
            "activity_id": self.activity_id,
            "commitment": self.commitment,
            "seed": self.seed,
            "capacity": self.capacity,
            "entries": [{"entry_id": e, "party_size": self.party_sizes[e]} for e in sorted(self.party_sizes)],
            "order": self.order,
            "winners": self.winners,
            "waitlist": self.waitlist,
            "counts": {
                "entries": len(self.order),
                "people": sum(self.party_sizes.values()),
                "winners": len(self.winners),
                "seats_won": sum(self.party_sizes[e] for e in self.winners),
                v.WAITLISTED: len(self.waitlist),
            },
            "verify": "python scripts/verify_draw.py <this page's JSON URL or file>",
        }

    def to_json(self) -> Doc:
        return {k: getattr(self, k) for k in self.__dataclass_fields__}

    @classmethod
    def from_json(cls, doc: Doc) -> Draw:
        return cls(**doc)


def run_draw(
    activity_id: str,
    seed: str,
    party_sizes: Mapping[str, int],
    capacity: int,
    *,
    now: float,
    confirm_hours: int = 0,
) -> Draw:
    order = draw_order(seed, party_sizes)
    winners, waitlist = fill_seats(order, party_sizes, capacity)
    deadline = {e: now + confirm_hours * 3600 for e in winners} if confirm_hours else {}
    return Draw(
        activity_id,
        seed,
        commitment(seed),
        capacity,
        dict(party_sizes),
        order,
        winners,
        waitlist,
        now,
        deadline,
    )


def pass_on(d: Draw, forfeited: Iterable[str], *, now: float, confirm_hours: int = 0) -> list[str]:
    """Seated parties that forfeit leave; the freed seats go to waiting parties in drawn order (whole
    parties, skipping those that do not fit).  Nobody seated is ever moved.  Returns those promoted."""
    seated = d.seated
    d.forfeited += [e for e in dict.fromkeys(forfeited) if e in seated]
    for e in d.forfeited:
        d.confirm_by.pop(e, None)
    free = d.capacity - sum(d.party_sizes[e] for e in d.seated)
    promoted = []
    for e in d.waiting:
        if d.party_sizes[e] <= free:
            promoted.append(e)
            free -= d.party_sizes[e]
    d.promoted += promoted
    if confirm_hours:
        d.confirm_by.update({e: now + confirm_hours * 3600 for e in promoted})
    return promoted
