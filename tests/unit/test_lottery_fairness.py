"""The fairness figures of a v2 draw (issue 27): a hand-checked small draw, and the sums of a real one."""

from __future__ import annotations

from services.registration.lottery import fairness
from tests.unit.test_lottery_v2_spec import draw_doc


def entry(eid: str, size: int, choices: list[str], hour: int) -> dict:
    return {"entry_id": eid, "party_size": size, "choices": choices, "weight": 1, "hour": hour, "tag": "00"}


def small() -> dict:
    """Two sessions (A: 4 seats, B: 2), five parties; round 1 then round 2 over handed-back seats."""
    return {
        "group_id": "g",
        "opens_at": 1_800_000_000.0,
        "max_choices": 3,
        "sessions": [{"activity_id": "A", "capacity": 4}, {"activity_id": "B", "capacity": 2}],
        "entries": [
            entry("e1", 2, ["A", "B"], 0),
            entry("e2", 3, ["A"], 0),
            entry("e3", 1, ["B", "A"], 1),
            entry("e4", 2, ["A", "B"], 1),
            entry("e5", 1, ["B"], 5),
        ],
        "rounds": [
            # order e4 e2 e1 e3 e5: e4 takes A (2 left), e2 (3) does not fit, e1 takes A, e3 takes B, e5 B
            {
                "round": 1,
                "capacities": {"A": 4, "B": 2},
                "order": ["e4", "e2", "e1", "e3", "e5"],
                "wins": {"e4": "A", "e1": "A", "e3": "B", "e5": "B"},
            },
            {"round": 2, "capacities": {"A": 3, "B": 0}, "order": ["e2"], "wins": {"e2": "A"}},
        ],
    }


def test_a_hand_checked_draw():
    f = fairness.figures(small())
    assert (f["entries"], f["people"], f["winners"], f["rate"]) == (5, 9, 5, 1.0)
    assert f["by_hour"] == [
        {"hour": 0, "entries": 2, "winners": 2, "rate": 1.0},
        {"hour": 1, "entries": 2, "winners": 2, "rate": 1.0},
        {"hour": 5, "entries": 1, "winners": 1, "rate": 1.0},
    ]
    assert [(r["party_size"], r["entries"], r["winners"]) for r in f["by_party_size"]] == [
        (1, 2, 2),
        (2, 2, 2),
        (3, 1, 1),
    ]
    assert f["by_round"] == [
        {"round": 1, "participants": 5, "winners": 4, "rate": 0.8, "seats": 6},
        {"round": 2, "participants": 1, "winners": 1, "rate": 1.0, "seats": 3},
    ]
    # rank 1: all five have one; e1 e2 e4 e3 e5 won their first. rank 2: e1 e3 e4 have one; none won it
    assert f["by_rank"] == [
        {"rank": 1, "entries": 5, "winners": 5, "rate": 1.0},
        {"rank": 2, "entries": 3, "winners": 0, "rate": 0.0},
    ]
    a, b = f["sessions"]
    assert a == {
        "activity_id": "A",
        "seats": 4,
        "entries": 4,
        "first_choice": 3,
        "people": 8,
        "winners": 3,
        "people_seated": 7,
        "rate": 0.75,
    }
    assert b == {
        "activity_id": "B",
        "seats": 2,
        "entries": 4,
        "first_choice": 2,
        "people": 6,
        "winners": 2,
        "people_seated": 2,
        "rate": 0.5,
    }


def test_a_skew_shows_and_a_loser_counts():
    doc = small()
    doc["rounds"] = doc["rounds"][:1]  # no round 2: e2 (hour 0, party of 3) won nothing
    f = fairness.figures(doc)
    assert f["by_hour"][0] == {"hour": 0, "entries": 2, "winners": 1, "rate": 0.5}
    assert f["by_party_size"][-1] == {"party_size": 3, "entries": 1, "winners": 0, "rate": 0.0}


def test_before_the_draw_rates_are_zero_not_missing():
    doc = small()
    doc["rounds"] = []
    f = fairness.figures(doc)
    assert f["rounds_drawn"] == 0 and f["winners"] == 0 and f["by_round"] == []
    assert all(r["rate"] == 0.0 for r in f["by_hour"])
    doc["entries"] = None  # the public JSON before the freeze
    empty = fairness.figures(doc)
    assert empty["rate"] is None and empty["by_rank"] == [] and empty["sessions"][0]["rate"] is None


def test_a_real_draw_adds_up():
    doc = draw_doc()
    f = fairness.figures(doc)
    won = {e for r in doc["rounds"] for e in r["wins"]}
    assert f["winners"] == len(won) > 0
    for table in ("by_hour", "by_party_size"):
        assert sum(r["entries"] for r in f[table]) == len(doc["entries"])
        assert sum(r["winners"] for r in f[table]) == len(won)
    assert sum(r["winners"] for r in f["by_rank"]) == len(won)
    assert sum(r["winners"] for r in f["by_round"]) == len(won)
    assert sum(s["winners"] for s in f["sessions"]) == len(won)
    assert f["by_round"][0]["participants"] == len(doc["entries"])
