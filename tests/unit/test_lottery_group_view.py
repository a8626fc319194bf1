"""What the pages of a v2 lottery group show (issue 27): demand, rounds, per-round outcomes."""

from __future__ import annotations

from services.registration import vocabulary as v
from services.registration.lottery import beacon as bc
from services.registration.lottery import group_view
from tests.unit.test_lottery_v2_spec import draw_doc


def opened(doc: dict | None = None) -> dict:
    """group_info's shape (groups.group_info): ISO times, sessions, demand rows."""
    return {
        "group_id": "g1",
        "opens_at": "2027-01-01T00:00:00+00:00",
        "closes_at": "2027-01-02T00:00:00+00:00",
        "draw_at": "2027-01-02T01:00:00+00:00",
        "round2_at": None,
        "max_choices": 5,
        "state": "open",
        "chain": bc.QUICKNET.public(),
        "beacon_rounds": [123, 1000],
        "freezes": [1_800_000_000.0, 1_800_600_000.0],
        "sessions": [{"activity_id": "s0", "capacity": 40}, {"activity_id": "s1", "capacity": 0}],
        "demand": [
            {"activity_id": "s0", "entries": 50, "people": 130, "first": 20, "seats": 40, "ratio": 1.25},
            {"activity_id": "s1", "entries": 3, "people": 5, "first": 3, "seats": 0, "ratio": None},
        ],
    }


def test_demand_is_entries_and_people_per_seat():
    a, b = group_view.sessions(opened(), {"s0": {"id": "s0"}})
    assert (a["entries_ratio"], a["people_ratio"], a["first"], a["activity"]) == (
        1.25,
        3.25,
        20,
        {"id": "s0"},
    )
    assert (b["seats"], b["entries_ratio"], b["people_ratio"], b["activity"]) == (0, None, None, None)


def test_rounds_name_their_beacon_and_show_their_figures_once_drawn():
    doc = draw_doc()
    pending = group_view.rounds(opened(), None)
    assert [(r["round"], r["beacon_round"], r["done"]) for r in pending] == [
        (1, 123, False),
        (2, 1000, False),
    ]
    assert pending[0]["beacon_at"] == bc.QUICKNET.round_time(123)
    one = {**doc, "rounds": doc["rounds"][:1]}
    r1, r2 = group_view.rounds(opened(), one)
    assert r1["done"] and r1["beacon"]["randomness"] == doc["rounds"][0]["beacon"]["randomness"]
    assert r1["figures"]["participants"] == len(doc["entries"]) and not r2["done"]


def test_phase_labels_and_choices():
    info = opened()
    assert group_view.phase(info, None, 1_700_000_000) == v.LOT_NOT_OPEN
    assert group_view.phase(info, None, group_view.ts(info["opens_at"]) + 1) == v.LOT_OPEN
    assert group_view.phase(info, None, group_view.ts(info["closes_at"])) == v.LOT_CLOSED
    assert group_view.phase(info, draw_doc(), 0) == v.LOT_DRAWN
    assert [group_view.rank_label(k, "zh-CN") for k in (1, 2)] == ["第1志愿", "第2志愿"]
    assert [group_view.rank_label(k, "en") for k in (1, 2, 3, 4, 11, 21)] == [
        "1st choice",
        "2nd choice",
        "3rd choice",
        "4th choice",
        "11th choice",
        "21st choice",
    ]
    form = {"choice_1": "s1", "choice_2": "", "choice_3": " s0 ", "choice_6": "s2"}
    assert group_view.choices_from(form, 5) == ["s1", "s0"]
