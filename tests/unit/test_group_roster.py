"""Issue 29, groups: a roster read from a spreadsheet (.csv and .xlsx), row by row."""

from __future__ import annotations

from datetime import date

import pytest

from services.registration import vocabulary as v
from services.registration.groups import roster
from shared import spreadsheets
from tests.fair_support import resident_id

ON = date(2026, 12, 20)  # the activity's day
TODAY = date(2026, 12, 1)
LIMITS = spreadsheets.Limits()


def csv(*rows: str) -> bytes:
    return ("\n".join(rows) + "\n").encode("utf-8")


def read(data: bytes, most: int = 59, name: str = "class.csv") -> roster.Roster:
    return roster.read(name, data, most, LIMITS)


def test_a_real_name_roster_gives_members_with_ids_and_children_without():
    got = read(csv("姓名,身份证号,出生日期", f"王小明,{resident_id(1)},", "李小红,,2016-05-01"))
    members = roster.checked(got, True, ON, TODAY, 14)
    assert got.errors == {}
    assert members[0] == {"name": "王小明", "id_type": "resident_id", "id_number": resident_id(1)}
    assert members[1] == {"name": "李小红", "id_type": "none", "birth_date": date(2016, 5, 1)}
    shown = roster.preview(members, got.rows)
    assert shown[0]["row"] == 2 and resident_id(1) not in str(shown) and "*" in shown[0]["id_masked"]
    assert shown[1] == {"row": 3, "name_masked": shown[1]["name_masked"], "child": True}


def test_bad_rows_are_refused_each_with_its_row_and_field():
    bad_digit = resident_id(2)[:-1] + ("0" if resident_id(2)[-1] != "0" else "1")
    got = read(
        csv(
            "班级名单",  # a title line before the header
            "序号,姓名,证件号码,出生日期",
            f"1,王小明,{resident_id(1)},",
            f"2,,{resident_id(3)},",
            f"3,张三,{bad_digit},",
            "4,李四,,2000-01-01",  # too old to come without an ID
            "5,赵五,,",  # neither an ID nor a birth date
        )
    )
    roster.checked(got, True, ON, TODAY, 14)
    assert got.errors == {
        "4": {"name": [v.ROSTER_NAME_EMPTY]},
        "5": {"id_number": [v.ID_CHECK_DIGIT]},
        "6": {"birth_date": [v.CHILD_TOO_OLD]},
        "7": {"id_number": [v.ID_EMPTY]},
    }


def test_an_id_twice_in_the_roster_is_refused_on_both_rows():
    got = read(
        csv("姓名,身份证号", f"甲,{resident_id(5)}", f"乙,{resident_id(6)}", f"丙,{resident_id(5).lower()}")
    )
    roster.checked(got, True, ON, TODAY, 14)
    assert got.errors == {
        "2": {"id_number": [v.ID_TWICE_IN_PARTY]},
        "4": {"id_number": [v.ID_TWICE_IN_PARTY]},
    }


def test_more_rows_than_a_group_holds_are_refused():
    rows = [f"学生{i},{resident_id(i)}" for i in range(4)]
    with pytest.raises(v.Refusal) as err:
        read(csv("姓名,身份证号", *rows), most=3)
    assert err.value.reason == v.ROSTER_INVALID
    assert err.value.details["rules"] == {"file": [v.ROSTER_TOO_MANY]}
    assert len(read(csv("姓名,身份证号", *rows[:3], ",", ""), most=3).members) == 3  # blank rows skipped


def test_a_file_without_a_name_column_or_without_people_is_refused():
    for data, rule in ((csv("编号,号码", "1,2"), v.ROSTER_NO_HEADER), (csv("姓名,身份证号"), v.ROSTER_EMPTY)):
        with pytest.raises(v.Refusal) as err:
            read(data)
        assert err.value.details["rules"] == {"file": [rule]}


def test_not_real_name_takes_names_only_and_never_an_id():
    got = read(csv("姓名,身份证号", f"王小明,{resident_id(1)}"))
    assert roster.checked(got, False, ON, TODAY, 14) == [{"name": "王小明"}]


def test_an_xlsx_roster_is_read_as_the_import_reads_it():
    sheet = spreadsheets.Sheet(
        "名单",
        ["姓名", "证件类型", "证件号码", "出生日期"],
        [
            ["王小明", "居民身份证", resident_id(1), None],
            ["李小红", "无", None, date(2017, 3, 2)],
        ],
    )
    got = read(spreadsheets.xlsx_bytes([sheet]), name="class.xlsx")
    members = roster.checked(got, True, ON, TODAY, 14)
    assert got.errors == {}
    assert [m["id_type"] for m in members] == ["resident_id", "none"]
    assert members[1]["birth_date"] == date(2017, 3, 2)


def test_a_spreadsheet_of_another_kind_is_unreadable():
    with pytest.raises(spreadsheets.UnreadableSheet):
        read(b"%PDF-1.4", name="class.pdf")
