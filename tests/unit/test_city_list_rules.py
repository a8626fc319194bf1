"""Issue 26: the rules that let a city's list import as it is written. The kind chosen by the
list's words (one table), a start without an end lasting the kind's usual length, a place without
halls, a range of dates offered as one activity a day. No server."""

from __future__ import annotations

from datetime import date, datetime, time

import pytest

from services.registration.catalogue import key_activities as ka
from services.registration.catalogue import key_rows
from services.registration.catalogue.activities import TZ
from services.registration.catalogue.cells import when
from services.registration.catalogue.importer import options_of
from services.registration.catalogue.kind_words import KIND_WORDS
from services.registration.web.schemas import KINDS, ActivityIn
from shared.config import load

TODAY = date(2026, 11, 29)
OPTIONS = ka.Options((time(9, 0), time(17, 0)), TODAY)


def row_of(**values) -> ka.Row:
    return ka.Row(3, {"capacity": 100, **values})


def assumed(row: ka.Row) -> dict:
    return {(a["field"], a["basis"]): a["value"] for a in row.assumed}


@pytest.mark.parametrize(
    "kind, title, expected",
    [
        ("讲座", "", "lecture"),
        ("专家报告", "", "lecture"),
        ("", "科学家精神报告会", "lecture"),
        ("观影", "", "screening"),
        ("", "科普电影放映", "screening"),
        ("", "巨幕电影《宇宙》", "imax"),  # the specific word before the general one
        ("", "球幕电影", "dome"),
        ("展览展示", "", "exhibition"),
        ("", "科技成果展览", "exhibition"),
        ("现场体验", "", "other"),
        ("", "科普体验展", "other"),  # hands-on before 展
        ("Talk", "", "lecture"),
        ("", "Film screening", "screening"),
        ("科普活动", "院士讲座", "lecture"),  # the kind cell says nothing: the title's words
        ("讲座", "科普电影", "lecture"),  # the kind cell's words win over the title's
        ("", "防灾减灾宣传", "other"),
    ],
)
def test_the_words_of_the_list_choose_the_kind(kind, title, expected):
    assert ka.kind_of(kind, title) == expected


def test_the_kind_table_names_only_kinds_the_schema_knows_and_each_has_a_default_length():
    assert {k for k, _ in KIND_WORDS} <= set(KINDS) == set(ka.DEFAULT_MINUTES)
    words = [w for _, ws in KIND_WORDS for w in ws]
    assert len(words) == len(set(words)) and all(w == w.lower() for w in words)


def test_a_screening_given_only_its_start_lasts_the_kinds_length_marked_as_assumed():
    row = row_of(title="科普电影《流浪地球》", time="2026-12-15 19:00", place="市科技馆 4D影院", form="观影")
    body, errors = key_rows.body_of(row, {}, OPTIONS)
    assert errors == []
    assert (body["kind"], body["starts_at"], body["ends_at"]) == (
        "screening",
        "2026-12-15T19:00:00+08:00",
        "2026-12-15T20:30:00+08:00",
    )
    assert assumed(row)[("ends_at", "kind_length")] == "2026-12-15T20:30:00+08:00"
    ActivityIn().load(body)


def test_the_length_of_each_kind_is_a_setting():
    settings = load({"import_minutes_screening": 100, "import_each_day_max_days": 7})
    options = options_of(settings)
    assert options.minutes["screening"] == 100 and options.each_day_max == 7
    assert options.minutes["lecture"] == settings.import_minutes_lecture
    row = row_of(title="放映", starts_at="2026-12-15 19:00", place="馆 厅")
    body, errors = key_rows.body_of(row, {}, options)
    assert errors == [] and body["ends_at"] == "2026-12-15T20:40:00+08:00"


def test_a_start_column_alone_also_gets_the_kinds_length():
    row = row_of(title="院士讲座", starts_at="2026-12-15 14:30", place="馆 报告厅")
    body, errors = key_rows.body_of(row, {}, OPTIONS)
    assert errors == [] and body["ends_at"] == "2026-12-15T16:00:00+08:00"
    assert ("ends_at", "kind_length") in assumed(row)


def test_an_end_or_a_duration_given_is_no_assumption():
    for extra in ({"ends_at": "21:00"}, {"duration": "2小时"}):
        row = row_of(title="观影", starts_at="2026-12-15 19:00", place="馆 厅", **extra)
        body, errors = key_rows.body_of(row, {}, OPTIONS)
        assert errors == [] and body["ends_at"] == "2026-12-15T21:00:00+08:00"
        assert not any(a["field"] == "ends_at" for a in row.assumed)


def test_a_place_without_halls_is_accepted_and_shown_as_such():
    row = row_of(title="科技活动周启动仪式", time="2026-12-15 09:30-11:00", place="四平市铁东区广场")
    body, errors = key_rows.body_of(row, {}, OPTIONS)
    assert errors == [] and (body["venue"]["name"], body["hall"]) == ("四平市铁东区广场", "")
    assert assumed(row)[("hall", "no_hall")] == ""
    assert ActivityIn().load(body)["hall"] == ""


def test_the_api_accepts_an_activity_without_a_hall_and_still_refuses_a_long_one():
    body, _ = key_rows.body_of(
        row_of(title="观星", time="2026-12-15 19:00-21:00", place="人民公园"), {}, OPTIONS
    )
    del body["hall"]
    assert ActivityIn().load(body)["hall"] == ""
    with pytest.raises(Exception, match="hall"):
        ActivityIn().load({**body, "hall": "厅" * 101})


def test_a_range_of_dates_is_offered_as_one_activity_a_day():
    row = row_of(title="机器人展", time="2026年12月15日至20日", place="人民广场", form="展览")
    body, errors = key_rows.body_of(row, {}, OPTIONS)
    starts, ends = (datetime.fromisoformat(body[k]) for k in ("starts_at", "ends_at"))
    days = key_rows.days_of(starts, ends, OPTIONS.each_day_max)
    assert errors == [] and days == [date(2026, 12, d) for d in range(15, 21)]
    assert key_rows.days_of(starts, ends, 5) == []  # longer than import_each_day_max_days
    assert key_rows.days_of(starts, starts.replace(hour=18), 31) == []  # one day
    overnight = datetime(2026, 12, 16, 2, tzinfo=TZ)
    assert key_rows.days_of(starts.replace(hour=20), overnight, 31) == []  # a night, not two days


def test_each_day_of_a_range_is_its_own_activity_with_the_daily_hours_and_window():
    bodies = []
    for day in (date(2026, 12, 15), date(2026, 12, 20)):
        row = row_of(title="机器人展", time="2026.12.15-12.20 9:30-16:30", place="人民广场", form="展览")
        body, errors = key_rows.body_of(row, {}, OPTIONS, day)
        assert errors == []
        bodies.append(body)
        assert assumed(row)[("registration_closes_at", "default")] == body["registration_closes_at"]
    first, last = bodies
    assert (first["starts_at"], first["ends_at"]) == (
        "2026-12-15T09:30:00+08:00",
        "2026-12-15T16:30:00+08:00",
    )
    assert (last["starts_at"], last["ends_at"]) == ("2026-12-20T09:30:00+08:00", "2026-12-20T16:30:00+08:00")
    assert last["registration_closes_at"] == "2026-12-20T07:30:00+08:00" and first["id"] != last["id"]
    for body in bodies:
        ActivityIn().load(body)


def test_a_day_of_a_range_without_times_keeps_the_assumed_daily_hours():
    row = row_of(title="科普展", time="12月15日—12月17日", place="人民公园", form="展览")
    body, errors = key_rows.body_of(row, {}, OPTIONS, date(2026, 12, 16))
    assert errors == [] and (body["starts_at"], body["ends_at"]) == (
        "2026-12-16T09:00:00+08:00",
        "2026-12-16T17:00:00+08:00",
    )
    got = assumed(row)
    assert (
        got[("starts_at", "day_opens")] == body["starts_at"]
        and got[("ends_at", "day_closes")] == body["ends_at"]
    )


@pytest.mark.parametrize(
    "cell, expected",
    [
        ("2026年12月15日上午9时30分", ["2026-12-15T09:30"]),  # seed 003: "5月20日上午9时30分"
        ("2026年12月15日 9时30分-11时", ["2026-12-15T09:30", "2026-12-15T11:00"]),
        ("2026年12月15日 下午2点半-4点", ["2026-12-15T14:30", "2026-12-15T16:00"]),
        ("2026年12月15日 上午9:00-下午3:00", ["2026-12-15T09:00", "2026-12-15T15:00"]),
        ("2026年12月15日 中午12时-下午1时", ["2026-12-15T12:00", "2026-12-15T13:00"]),
        ("2026年12月15日晚7时", ["2026-12-15T19:00"]),
        ("2025/5/30 下午2:30~4:00", ["2025-05-30T14:30", "2025-05-30T16:00"]),
    ],
)
def test_clock_times_as_plans_write_them(cell, expected):
    got = when(cell, None, False, OPTIONS.hours, TODAY)
    assert [m.strftime("%Y-%m-%dT%H:%M") for m in got.moments] == expected and got.assumed == []
