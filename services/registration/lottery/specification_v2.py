"""``sciday-lottery-v2``: a draw no one can steer, over ranked choices and rounds (pure functions).

docs/lottery.md ("sciday-lottery-v2") is the specification; ``scripts/verify_draw.py`` checks a
draw from its public JSON with the standard library and the one BLS library. In short:

* A **lottery group** joins sessions (activities); a single-session lottery is a group of one.
  A party enters once, ranking up to ``max_choices`` sessions.
* When entries close the set is frozen: the Merkle root (``merkle.py``) over the canonical public
  entries (``entry_id``, ``party_size``, ``choices``, ``weight``, ``hour``, ``tag``; ``tag`` is
  SHA-256 of a nonce only the entrant holds, so they recognise their own entry) is published.
* Round ``r``'s seed is SHA-256 of the algorithm name, the group id, ``r``, the organizer's seed
  (committed when the lottery opened as ``SHA-256(seed)``, revealed at the draw), the Merkle root and
  the randomness of a drand round named at opening and first published after the round's freeze.
* Each participant's rank is the least of ``w`` HMAC-SHA256 values (``w`` = 1 in round 1, the
  entry's committed ``weight`` later), so ``w`` counts as ``w`` tickets exactly: for two parties
  ``P(a before b) = w_a / (w_a + w_b)``. The order is by ``(rank, entry id)``.
* In drawn order each party wins at most one session per round: its highest-ranked choice that
  still has room for the whole party. Round ``r > 1`` holds only the parties that won nothing,
  over the seats the earlier rounds left (``capacities``, published with the round).
* The waitlist is the last round's order, less its winners.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import re
import secrets
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from services.registration.lottery import merkle

ALGORITHM = "sciday-lottery-v2"
ENTRY_FIELDS = ("entry_id", "party_size", "choices", "weight", "hour", "tag")

ENTRY_ID = re.compile(r"e[0-9a-f]{16}")
GROUP_ID = re.compile(r"[A-Za-z0-9_-]{1,64}")  # no 0x00 in the round seed's fields

Entry = Mapping[str, object]


def new_seed() -> str:
    return secrets.token_hex(32)


def new_nonce() -> str:
    return secrets.token_hex(32)


def commitment(seed: str) -> str:
    return hashlib.sha256(bytes.fromhex(seed)).hexdigest()


def tag(nonce: str) -> str:
    """The per-entry commitment published in the entry set; the nonce is in the entrant's receipt."""
    return hashlib.sha256(bytes.fromhex(nonce)).hexdigest()


# ``json.dumps`` with these options builds a new encoder per call; one encoder gives the same text.
_CANONICAL = json.JSONEncoder(sort_keys=True, separators=(",", ":"), ensure_ascii=True)


def canonical(doc: Mapping[str, object]) -> bytes:
    """The bytes that are hashed or signed: JSON, keys sorted, no spaces, ASCII only
    (``json.dumps(doc, sort_keys=True, separators=(",", ":"), ensure_ascii=True)``)."""
    return _CANONICAL.encode(doc).encode("ascii")


def public_entry(entry: Entry) -> dict:
    """An entry as it is published and hashed: exactly ``ENTRY_FIELDS``."""
    return {k: entry[k] for k in ENTRY_FIELDS}


def leaf(entry: Entry) -> bytes:
    return merkle.leaf_hash(canonical(public_entry(entry)))


def in_order(entries: Iterable[Entry]) -> list[dict]:
    """The published entry set: public entries sorted by entry id (code points = UTF-8 byte order)."""
    return sorted((public_entry(e) for e in entries), key=lambda e: str(e["entry_id"]))


def tree(entries: Sequence[Entry]) -> merkle.Tree:
    """The tree over ``entries``, which must already be ``in_order``."""
    return merkle.Tree([leaf(e) for e in entries])


def round_seed(group_id: str, round_no: int, seed: str, root: str, randomness: str) -> str:
    data = b"\x00".join([ALGORITHM.encode(), group_id.encode("utf-8"), str(round_no).encode()])
    return hashlib.sha256(
        data + b"\x00" + bytes.fromhex(seed) + bytes.fromhex(root) + bytes.fromhex(randomness)
    ).hexdigest()


def loss_weight(losses: int, extra: int, cap: int) -> int:
    """An entry's committed weight for rounds after the first: the plate lottery's idea, one more
    ticket per ``extra`` for each earlier draw of the festival the party took part in and lost."""
    return 1 + max(0, extra) * min(max(0, losses), max(0, cap))


def rank(key: bytes, entry_id: str, weight: int) -> bytes:
    return min(hmac.digest(key, f"{i}:{entry_id}".encode(), "sha256") for i in range(max(1, weight)))


def order(round_seed_hex: str, participants: Iterable[Entry], round_no: int) -> list[str]:
    """Participants sorted by ``(rank, entry id)``. Sorted as the bytes ``rank || UTF-8(entry id)``:
    the rank is always 32 bytes and UTF-8's byte order is code point order, so this is the same
    order as the pairs' (tests/unit/test_lottery_v2_fast.py checks it against the plain sort)."""
    key, digest = bytes.fromhex(round_seed_hex), hmac.digest
    keyed = []
    for e in participants:
        eid = str(e["entry_id"])
        raw = eid.encode()
        w = 1 if round_no == 1 else int(e["weight"])  # type: ignore[call-overload]
        keyed.append((digest(key, b"0:" + raw, "sha256") if w <= 1 else rank(key, eid, w)) + raw)
    keyed.sort()
    return [k[32:].decode() for k in keyed]


def allocate(
    drawn: Sequence[str], by_id: Mapping[str, Entry], capacities: Mapping[str, int]
) -> dict[str, str]:
    """``entry id -> session``: in drawn order, each party's highest-ranked choice with room.

    A party larger than the most free seats of any session (or than 0, for a choice that is not a
    session) is passed over without looking at its choices: the same result, faster once full."""
    free = dict(capacities)
    wins: dict[str, str] = {}
    most = max([0, *free.values()])
    for eid in drawn:
        e = by_id[eid]
        size = int(e["party_size"])  # type: ignore[call-overload]
        if size > most:
            continue
        for choice in e["choices"]:  # type: ignore[attr-defined]
            if free.get(choice, 0) >= size:
                free[choice] -= size
                wins[eid] = choice
                most = max([0, *free.values()])
                break
    return wins


@dataclass
class Round:
    """One round as published: its beacon value, the seats it shared, its order and its wins."""

    round_no: int
    beacon: dict  # BeaconValue.public() plus ``source`` (http | recorded | typed)
    capacities: dict[str, int]
    seed: str
    order: list[str]
    wins: dict[str, str]

    def public(self) -> dict:
        return {
            "round": self.round_no,
            "beacon": self.beacon,
            "capacities": self.capacities,
            "seed": self.seed,
            "order": self.order,
            "wins": self.wins,
        }


def participants(entries: Sequence[Entry], earlier: Sequence[Round]) -> list[Entry]:
    """Round ``len(earlier) + 1``'s parties: those that won nothing in any earlier round."""
    won = {eid for r in earlier for eid in r.wins}
    return [e for e in entries if e["entry_id"] not in won]


def draw_round(
    *,
    group_id: str,
    seed: str,
    root: str,
    entries: Sequence[Entry],
    earlier: Sequence[Round],
    beacon: dict,
    capacities: Mapping[str, int],
) -> Round:
    """Draw the next round. ``beacon`` must already be verified (``beacon.verify``)."""
    round_no = len(earlier) + 1
    rs = round_seed(group_id, round_no, seed, root, str(beacon["randomness"]))
    playing = participants(entries, earlier)
    drawn = order(rs, playing, round_no)
    wins = allocate(drawn, {str(e["entry_id"]): e for e in playing}, capacities)
    return Round(round_no, dict(beacon), dict(capacities), rs, drawn, wins)


def waitlist(rounds: Sequence[Round]) -> list[str]:
    """Parties that won nothing, in the last round's drawn order (they get handed-back seats)."""
    if not rounds:
        return []
    won = {eid for r in rounds for eid in r.wins}
    return [eid for eid in rounds[-1].order if eid not in won]


def valid_choices(choices: Sequence[str], sessions: Iterable[str], max_choices: int) -> bool:
    """1 to ``max_choices`` distinct sessions of the group, ranked (the table of docs/lottery.md §2)."""
    return (
        0 < len(choices) <= max_choices
        and len(set(choices)) == len(choices)
        and set(choices) <= set(sessions)
    )
