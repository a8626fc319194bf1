"""The group bench's count of outcome events (bench/lottery_told.py): each (entry, round) pair of
the group counted once, a second event for a pair counted as told twice, other groups and other
event types left out."""

from __future__ import annotations

from bench.lottery_told import told_per_round
from shared.events import LOTTERY_DRAWN, LOTTERY_ENTRY_WAITLISTED, LOTTERY_ENTRY_WON


def told(entry: str, rnd: int, kind: str = LOTTERY_ENTRY_WON, gid: str = "g1") -> dict:
    return {"type": kind, "data": {"group_id": gid, "entry_id": entry, "round": rnd}}


def test_each_pair_once_and_a_second_telling_counted():
    events = [
        told("e1", 1),
        told("e2", 1, LOTTERY_ENTRY_WAITLISTED),
        told("e2", 2),
        told("e2", 2),  # told twice in round 2
        told("e3", 1, gid="g2"),  # another group
        {"type": LOTTERY_DRAWN, "data": {"group_id": "g1", "entry_id": "e9", "round": 1}},
    ]
    assert told_per_round(events, "g1") == {
        "events": 4,
        "pairs": 3,
        "told_twice_or_more": 1,
        "per_round": {"1": 2, "2": 1},
    }
