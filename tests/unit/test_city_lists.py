"""Reading what cities actually write in a key-activity list: header synonyms, date ranges in the
common Chinese spellings, head-count estimates, the values an import assumes, the column mapping.
No server."""

from __future__ import annotations

import csv
import io
from datetime import date, datetime, time

import pytest

from services.registration.catalogue import key_activities as ka
from services.registration.catalogue import key_rows, sheet_columns
from services.registration.catalogue.activities import TZ
from services.registration.catalogue.cells import CellError, estimate, when
from services.registration.catalogue.column_mappings import chosen_of
from services.registration.catalogue.sheet_columns import TEMPLATE_004 as CITY_HEADERS

TODAY = date(2026, 11, 29)
HOURS = (time(9, 0), time(17, 0))


def at(*args):
    return datetime(*args, tzinfo=TZ)


def csv_bytes(rows) -> bytes:
    out = io.StringIO()
    csv.writer(out).writerows(rows)
    return out.getvalue().encode("utf-8")


@pytest.mark.parametrize(
    "cell, first, last, assumed",
    [
        ("2026.12.15-12.20", at(2026, 12, 15, 9), at(2026, 12, 20, 17), ["day_opens", "day_closes"]),
        ("2026年12月15日至20日", at(2026, 12, 15, 9), at(2026, 12, 20, 17), ["day_opens", "day_closes"]),
        ("12月15日—12月20日", at(2026, 12, 15, 9), at(2026, 12, 20, 17), ["year", "day_opens", "day_closes"]),
        (
            "2026年12月15日-2026年12月20日",
            at(2026, 12, 15, 9),
            at(2026, 12, 20, 17),
            ["day_opens", "day_closes"],
        ),
        ("2026/12/15~2026/12/20", at(2026, 12, 15, 9), at(2026, 12, 20, 17), ["day_opens", "day_closes"]),
        ("2026-12-15至2026-12-20", at(2026, 12, 15, 9), at(2026, 12, 20, 17), ["day_opens", "day_closes"]),
        ("2026年12月15日至12月20日 9:30-16:30", at(2026, 12, 15, 9, 30), at(2026, 12, 20, 16, 30), []),
        ("2026年12月15日 9:00 至 12月20日 17:00", at(2026, 12, 15, 9), at(2026, 12, 20, 17), []),
        ("12月15日-20日 每天9:30开放", at(2026, 12, 15, 9, 30), at(2026, 12, 20, 17), ["year", "day_closes"]),
        ("2026年12月30日至1月2日", at(2026, 12, 30, 9), at(2027, 1, 2, 17), ["day_opens", "day_closes"]),
        ("2026年12月30日至2日", at(2026, 12, 30, 9), at(2027, 1, 2, 17), ["day_opens", "day_closes"]),
        ("2026年12月15日", at(2026, 12, 15, 9), at(2026, 12, 15, 17), ["day_opens", "day_closes"]),
        ("2026-12-15 19:00-20:30", at(2026, 12, 15, 19), at(2026, 12, 15, 20, 30), []),
        ("1月5日 14:00-15:00", at(2027, 1, 5, 14), at(2027, 1, 5, 15), ["year"]),
    ],
)
def test_date_ranges_in_the_spellings_cities_use(cell, first, last, assumed):
    got = when(cell, hours=HOURS, today=TODAY)
    basis = {"opens": "day_opens", "closes": "day_closes", "year": "year"}
    assert (got.moments[0], got.moments[-1], [basis[a] for a in got.assumed]) == (first, last, assumed)


def test_a_date_without_a_year_is_the_next_one_not_half_a_year_past():
    assert when("3月1日 10:00", today=date(2026, 11, 29)).moments == [at(2027, 3, 1, 10)]
    assert when("10月1日 10:00", today=date(2026, 11, 29)).moments == [at(2026, 10, 1, 10)]


def test_a_range_to_a_day_that_does_not_exist_is_refused():
    with pytest.raises(CellError):
        when("2026年2月27日至30日", hours=HOURS, today=TODAY)


@pytest.mark.parametrize(
    "value, expected",
    [
        (300, 300),
        ("300", 300),
        ("约300人", 300),
        ("300余人", 300),
        ("1000人次", 1000),
        ("1.2万", 12000),
        ("200-300人", 200),
        ("1,500", 1500),
    ],
)
def test_head_count_estimates(value, expected):
    assert estimate(value) == expected


@pytest.mark.parametrize("value", ["若干", "视报名情况而定", "", "三百"])
def test_not_head_counts(value):
    with pytest.raises(CellError):
        estimate(value)


def test_the_city_list_headers_are_all_recognised():
    data = csv_bytes(
        [
            list(CITY_HEADERS),
            [
                1,
                "科普讲座",
                "市科协",
                "2026-12-15 19:00-20:30",
                "市科技馆 报告厅",
                "讲座",
                "约200人",
                "王老师",
                "13800000000",
            ],
        ]
    )
    sheet = ka.read("list.csv", data)
    keys = {c["header"]: c["key"] for c in sheet.columns}
    assert keys == {
        "序号": None,
        "活动名称": "title",
        "主办单位": "organizer",
        "活动时间": "time",
        "活动地点": "place",
        "活动形式": "form",
        "预计参与人数": "expected",
        "联系人": None,
        "联系电话": None,
    }
    assert sheet.unknown == [] and sheet.missing == [] and sheet.ignored == ["序号", "联系人", "联系电话"]
    assert "联系电话" not in str(sheet.rows[0].values) and "13800000000" not in str(sheet.rows[0].values)


def test_capacity_and_kind_from_estimate_and_form_are_assumed_for_the_organizer_to_confirm():
    row = ka.Row(
        3,
        {
            "title": "机器人展",
            "time": "2026.12.15-12.20",
            "place": "市科技馆 一楼大厅",
            "form": "展览展示",
            "expected": "约500人",
        },
    )
    body, errors = key_rows.body_of(row, {}, ka.Options(HOURS, TODAY))
    assert errors == []
    assert (body["capacity"], body["kind"]) == (500, "exhibition")
    assert (body["starts_at"], body["ends_at"]) == ("2026-12-15T09:00:00+08:00", "2026-12-20T17:00:00+08:00")
    assumed = {(a["field"], a["basis"]) for a in row.assumed}
    assert {
        ("capacity", "expected"),
        ("kind", "form"),
        ("starts_at", "day_opens"),
        ("ends_at", "day_closes"),
    } <= assumed
    assert {("max_party_size", "default"), ("registration_opens_at", "default")} <= assumed


def test_an_explicit_capacity_and_kind_are_not_assumptions():
    row = ka.Row(
        2,
        {
            "title": "讲座",
            "time": "2026-12-15 19:00-20:30",
            "place": "馆 厅",
            "kind": "讲座",
            "capacity": 80,
            "expected": 300,
            "form": "展览",
            "max_party_size": 2,
            "registration_opens_at": "2026-12-01",
            "registration_closes_at": "2026-12-15 12:00",
        },
    )
    body, errors = key_rows.body_of(row, {}, ka.Options(HOURS, TODAY))
    assert errors == [] and (body["capacity"], body["kind"]) == (80, "lecture") and row.assumed == []


def test_an_unknown_header_is_mapped_by_the_organizer_and_then_remembered():
    rows = [
        ["编号", "项目", "时段", "场所", "人数"],
        [1, "天文夜", "2026-12-15 19:00-21:00", "天文台 观测平台", 40],
    ]
    sheet = ka.read("list.csv", csv_bytes(rows))  # no activity column known: the header is still found
    assert [c["source"] for c in sheet.columns] == ["ignored"] + ["unknown"] * 4 and "title" in sheet.missing
    chosen, errors = chosen_of(
        {"项目": "title", "时段": "time", "场所": "place", "人数": "capacity", "编号": ""}
    )
    assert errors == {}
    sheet = ka.read("list.csv", csv_bytes(rows), chosen=chosen)
    assert sheet.missing == [] and sheet.headers["title"] == "项目" and sheet.ignored == ["编号"]
    again = ka.read("list.csv", csv_bytes(rows), remembered=chosen)
    assert {c["source"] for c in again.columns} == {"remembered"} and again.missing == []


def test_a_mapping_naming_no_column_is_refused():
    assert chosen_of({"项目": "no_such_column"})[1]
    assert chosen_of(["title"])[1]
    assert chosen_of({"": "title"})[1]
    assert chosen_of({f"列{i}": "" for i in range(201)})[1] == {"columns": ["at most 200 columns"]}


def test_the_first_of_two_columns_with_one_meaning_wins():
    cols = sheet_columns.columns_of(["活动名称", "名称", "时间"], {}, {})
    assert [(c["key"], c["source"]) for c in cols] == [
        ("title", "synonym"),
        (None, "duplicate"),
        ("time", "synonym"),
    ]


def test_a_title_row_time_is_readable_on_one_day_and_across_days():
    from shared.spreadsheets import readable_span

    one = ("2026-12-15T19:00:00+08:00", "2026-12-15T20:30:00+08:00")
    many = ("2026-12-30T09:00:00+08:00", "2027-01-03T17:00:00+08:00")
    fair = ("2026-12-15T09:00:00+08:00", "2026-12-20T17:00:00+08:00")
    assert readable_span(*one, "zh-CN", TZ) == "2026年12月15日 19:00–20:30"
    assert readable_span(*one, "en", TZ) == "15 Dec 2026 19:00–20:30"
    assert readable_span(*fair, "zh-CN", TZ) == "2026年12月15日 09:00 – 12月20日 17:00"
    assert readable_span(*many, "zh-CN", TZ) == "2026年12月30日 09:00 – 2027年1月3日 17:00"
    assert readable_span(*many, "en", TZ) == "30 Dec 2026 09:00 – 3 Jan 2027 17:00"
    assert readable_span("2026-12-15T11:00:00+00:00", None, "zh-CN", TZ) == "2026年12月15日 19:00"
