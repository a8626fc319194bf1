"""Reading the cells of a key-activity list (重点活动清单): times, places, kinds, ids. No server."""

from __future__ import annotations

from datetime import date, datetime, time

import pytest

from services.registration.catalogue import key_activities as ka
from services.registration.catalogue.activities import TZ


def at(*args):
    return datetime(*args, tzinfo=TZ)


@pytest.mark.parametrize(
    "cell, expected",
    [
        ("2025-05-30 19:00-20:30", [at(2025, 5, 30, 19), at(2025, 5, 30, 20, 30)]),
        ("2025年5月30日 19:00—20:30", [at(2025, 5, 30, 19), at(2025, 5, 30, 20, 30)]),
        ("2025/5/30 下午2:30~4:00", [at(2025, 5, 30, 14, 30), at(2025, 5, 30, 16)]),
        ("2025-05-30T19:00:00+08:00", [at(2025, 5, 30, 19)]),
        ("2025-05-30 19:00:00", [at(2025, 5, 30, 19)]),
        ("2025.05.30 19：00", [at(2025, 5, 30, 19)]),
        (datetime(2025, 5, 30, 19, 0), [at(2025, 5, 30, 19)]),
    ],
)
def test_moments_in_a_cell(cell, expected):
    assert ka.moments(cell) == expected


def test_a_range_is_never_read_as_a_utc_offset():
    # "19:00-20:30" after a date looks like an ISO offset of −20:30 to fromisoformat
    assert ka.moments("2025-05-30 19:00-20:30")[0].utcoffset() == at(2025, 5, 30).utcoffset()


def test_times_without_a_date_need_the_day_and_dates_alone_end_the_day():
    assert ka.moments("20:30", date(2025, 5, 30)) == [at(2025, 5, 30, 20, 30)]
    assert ka.moments(time(9, 5), date(2025, 5, 30)) == [at(2025, 5, 30, 9, 5)]
    assert ka.moments("2025-05-29", end_of_day=True) == [at(2025, 5, 29, 23, 59)]
    with pytest.raises(ka.CellError) as exc:
        ka.moments("19:00-20:30")
    assert "看不出日期" in exc.value.zh
    with pytest.raises(ka.CellError):
        ka.moments("2025-02-30 10:00")


@pytest.mark.parametrize(
    "value, expected", [("420", 420), ("420人", 420), (420.0, 420), (7, 7), (" 12 位", 12)]
)
def test_whole_numbers(value, expected):
    assert ka.whole_number(value) == expected


@pytest.mark.parametrize("value", ["很多", "12.5", 12.5, "", None, True])
def test_not_whole_numbers(value):
    with pytest.raises(ka.CellError):
        ka.whole_number(value)


def test_durations():
    assert [ka.minutes(v) for v in ("90", "90分钟", "1.5小时", 45, "2h")] == [90, 90, 90, 45, 120]


@pytest.mark.parametrize(
    "kind, title, expected",
    [
        ("巨幕", "", "imax"),
        ("IMAX", "", "imax"),
        ("球幕", "", "dome"),
        ("科普报告会", "", "lecture"),
        ("讲堂", "", "lecture"),
        ("展览", "", "exhibition"),
        ("", "巨幕影院专场", "imax"),
        ("座谈", "", "other"),
        ("lecture", "", "lecture"),
    ],
)
def test_kinds(kind, title, expected):
    assert ka.kind_of(kind, title) == expected


def test_audiences_and_places():
    assert ka.audience_of("科技工作者及家属") == "sci_workers_and_families"
    assert ka.audience_of(" 公众 ") == ka.audience_of("") == "public"
    with pytest.raises(ka.CellError):
        ka.audience_of("学生")
    assert ka.split_place("辽宁省科学技术馆 巨幕影院") == ("辽宁省科学技术馆", "巨幕影院")
    assert ka.split_place("四平市科技活动周主会场·报告厅 二楼") == ("四平市科技活动周主会场", "报告厅 二楼")
    assert ka.split_place("省科技馆") == ("省科技馆", "")


def test_headers_are_normalised_and_ids_are_deterministic():
    assert (
        ka.normalise(" 人数上限（人）* ") == "人数上限" and ka.normalise("Max_Party_Size") == "max_party_size"
    )
    a = ka.activity_id("巨幕专场", at(2025, 5, 30, 19), "辽宁省科学技术馆")
    assert a == ka.activity_id(
        "巨幕专场", datetime.fromisoformat("2025-05-30T11:00:00+00:00"), "辽宁省科学技术馆"
    )
    assert (
        a.startswith("imp-")
        and len(a) == 16
        and a != ka.activity_id("巨幕专场", at(2025, 5, 31, 19), "辽宁省科学技术馆")
    )
    assert ka.venue_id("辽宁省科学技术馆") == ka.venue_id("辽宁省科学技术馆") != ka.venue_id("四平")


def test_a_title_line_above_the_header_keeps_spreadsheet_row_numbers():
    data = "2025年重点活动清单\n活动名称,时间,地点,人数上限,备注,负责人\n专场,2025-05-30 19:00-20:30,馆 厅,10,,\n,,,,,\n讲座,2025-05-31 9:00-10:00,馆 厅,5,,\n"
    sheet = ka.read("list.csv", data.encode())
    assert [r.number for r in sheet.rows] == [3, 5]
    assert sheet.headers["title"] == "活动名称" and sheet.ignored == ["备注"] and sheet.unknown == ["负责人"]
