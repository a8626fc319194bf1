"""未到, 未到率, 到场率 and 待入场 have one meaning (issue 26): counted over ended activities only,
by one function the dashboards, the summary and its workbook share (attendance/figures.py)."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from services.checkin.attendance import figures
from services.checkin.attendance.festival import totals
from services.checkin.attendance.summary import group
from services.checkin.attendance.summary_workbook import _numbers

NOW = datetime.fromisoformat("2026-05-30T12:00:00+08:00")  # a fixed moment, not the wall clock
PAST = (NOW - timedelta(hours=1)).isoformat()
FUTURE = (NOW + timedelta(hours=1)).isoformat()
ALLOCATION = dict.fromkeys(
    ("standby_admitted", "lottery_entries", "lottery_winners", "lottery_waitlisted"), 0
)


def test_an_activity_not_yet_ended_has_no_no_shows_and_no_rates():
    got = figures.closing(FUTURE, registered=10, attended=3, now=NOW)
    assert got == {
        "ended": False,
        "no_shows": None,
        "no_show_rate": None,
        "attendance_rate": None,
        "to_come": 7,
    }


def test_an_ended_activity_counts_its_no_shows_and_rates():
    got = figures.closing(PAST, registered=10, attended=4, now=NOW)
    assert (got["ended"], got["no_shows"], got["to_come"]) == (True, 6, 0)
    assert got["no_show_rate"] == pytest.approx(0.6) and got["attendance_rate"] == pytest.approx(0.4)


def test_the_end_itself_counts_as_ended():
    assert figures.closing(NOW.isoformat(), registered=2, attended=2, now=NOW)["ended"] is True


def _dash(aid, registered, attended, ends_at, status="scheduled"):
    row = {
        "activity_id": aid,
        "status": status,
        "capacity": 500,
        "confirmed": registered,
        "waitlisted": 0,
        "checked_in": attended,
        "remaining": max(registered - attended, 0),
        "denied": 0,
        "attended": attended,
        **ALLOCATION,
    }
    return {**row, **figures.closing(ends_at, registered, attended, NOW)}


def test_the_festival_attendance_rate_leaves_out_activities_not_ended():
    """The festival's 27.8%: 100 came of 100 at the ended one, 0 of 260 expected tomorrow."""
    rows = [_dash("done", 100, 100, PAST), _dash("tomorrow", 260, 0, FUTURE)]
    got = totals(rows)
    assert got["attendance_rate"] == pytest.approx(1.0)  # not 100 / 360 = 27.8%
    assert (got["no_shows"], got["no_show_rate"], got["to_come"], got["ended"]) == (0, 0.0, 260, 1)


def test_no_festival_figure_before_any_activity_ends():
    got = totals([_dash("tomorrow", 260, 12, FUTURE)])
    assert (got["no_shows"], got["no_show_rate"], got["attendance_rate"], got["to_come"]) == (
        None,
        None,
        None,
        248,
    )


def test_a_cancelled_activity_counts_in_no_figure():
    got = totals([_dash("done", 10, 5, PAST), _dash("gone", 90, 0, PAST, status="cancelled")])
    assert (got["no_shows"], got["attendance_rate"]) == (5, pytest.approx(0.5))


def _summary(aid, registered, attended, ends_at):
    closing = figures.closing(ends_at, registered, attended, NOW)
    return {
        "activity_id": aid,
        "capacity": 500,
        "registered": registered,
        "attended": attended,
        "waitlisted": 0,
        "turned_away": 0,
        "waitlist_demand": 0,
        **ALLOCATION,
        **closing,
    }


def test_the_summary_groups_count_the_same_way_as_the_dashboard():
    rows = [_summary("done", 100, 80, PAST), _summary("tomorrow", 260, 0, FUTURE)]
    got = group(rows, "all")
    assert (got["no_shows"], got["to_come"]) == (20, 260)
    assert got["attendance_rate"] == pytest.approx(0.8) and got["no_show_rate"] == pytest.approx(0.2)
    assert got["attended"] == 80 and got["registered"] == 360  # the sums stay sums


def test_the_workbook_says_not_ended_for_an_activity_still_to_happen():
    row = {**_summary("tomorrow", 260, 0, FUTURE), "no_shows": None}
    cells = dict(zip(("capacity", "registered", "attended", "attendance_rate"), _numbers(row, "zh-CN")))
    assert cells["attendance_rate"] == "未结束"


@pytest.mark.parametrize("locale", ["zh-CN", "en"])
def test_each_definition_is_said_in_one_language(locale):
    said = figures.definitions(locale)
    assert len(said) == len(figures.DEFINITIONS)
    has_han = [any("\u4e00" <= ch <= "\u9fff" for ch in s) for s in said]
    assert all(has_han) if locale == "zh-CN" else not any(has_han)


def test_the_english_workbook_names_venue_and_hall_in_english_where_given():
    from services.checkin.attendance.summary_workbook import _activity_row

    row = {
        **_summary("done", 10, 8, PAST),
        "title": {"zh": "讲座", "en": "A talk"},
        "kind": "lecture",
        "venue": {"id": "v1", "name": "科学会堂", "name_en": "Science Hall"},
        "hall": "报告厅",
        "hall_en": "",
        "status": "scheduled",
        "day": "2026-05-30",
        "starts_at": PAST,
    }
    en = _activity_row(row, "en", lambda k: k)
    zh = _activity_row(row, "zh-CN", lambda k: k)
    assert en[3:7] == ["A talk", "lecture", "Science Hall", "报告厅"]  # no English hall: the Chinese
    assert zh[3:7] == ["讲座", "lecture", "科学会堂", "报告厅"]
