"""Spreadsheet import of the key-activity list (重点活动清单): good CSV and XLSX files, row-level
errors with row number and column, nothing imported from a bad file unless "valid rows" is
chosen, and a re-import that changes nothing (no revision, no event)."""

from __future__ import annotations

import io
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from openpyxl import Workbook

from services.registration.app import create_app as registration_app
from shared.auth import create_token
from shared.outbox import stream_key

TZ = ZoneInfo("Asia/Shanghai")
DAY = (datetime.now(TZ) + timedelta(days=10)).date()
OPENS = (datetime.now(TZ) - timedelta(days=1)).strftime("%Y-%m-%d %H:%M")
HEADER = [
    "序号",
    "活动名称",
    "英文名称",
    "时间",
    "地点",
    "主办单位",
    "类型",
    "人数上限",
    "每单人数",
    "报名开始",
    "报名截止",
    "面向人群",
    "联系人",
]
GOOD = [
    [
        1,
        "科技工作者专场·巨幕影院",
        "Sci-Tech Workers' IMAX special",
        f"{DAY:%Y年%m月%d日} 19:00-20:30",
        "辽宁省科学技术馆 巨幕影院",
        "辽宁省科学技术协会",
        "巨幕",
        "420人",
        4,
        OPENS,
        f"{DAY} 17:00",
        "科技工作者及家属",
        "张老师",
    ],
    [
        2,
        "球幕影院家庭专场",
        "",
        f"{DAY} 14:00—15:00",
        "辽宁省科学技术馆 球幕影院",
        "辽宁省科学技术馆",
        "球幕",
        300,
        3,
        OPENS,
        f"{DAY} 12:00",
        "科技工作者及其家属",
        "李老师",
    ],
    [
        3,
        "致敬航天精神·科普报告会",
        "",
        f"{DAY:%Y/%m/%d} 下午2:30~4:00",
        "四平市科技活动周主会场 报告厅",
        "四平市科学技术协会",
        "报告会",
        200,
        2,
        "",
        "",
        "公众",
        "",
    ],
]


def csv_of(rows, header=HEADER, encoding="utf-8-sig") -> bytes:
    import csv

    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(header)
    writer.writerows(rows)
    return out.getvalue().encode(encoding)


@pytest.fixture
def reg(settings, redis):
    app = registration_app(settings)
    client = app.test_client()
    client.org = {"Authorization": "Bearer " + create_token(redis, settings.redis_prefix, "organizer", "org")}
    client.outbox = lambda: redis.xlen(stream_key(settings))
    return client


def upload(client, data: bytes, name="重点活动清单.csv", mode=None, headers=None, confirm=True, **extra):
    form = {"file": (io.BytesIO(data), name), **extra}
    if mode:
        form["mode"] = mode
    if confirm:  # the assumed values (default window, party size) are confirmed unless a test says not
        form["confirm"] = "1"
    return client.post(
        "/api/v1/activities/import",
        data=form,
        content_type="multipart/form-data",
        headers=client.org if headers is None else headers,
    )


def listed(client) -> dict:
    return {a["id"]: a for a in client.get("/api/v1/activities").get_json()["activities"]}


def test_a_good_csv_is_checked_then_imported_with_the_cities_headers(reg):
    data = csv_of(GOOD)
    check = upload(reg, data)  # mode defaults to check: a dry run
    body = check.get_json()
    assert check.status_code == 200, body
    assert (body["mode"], body["new"], body["created"], body["errors"]) == ("check", 3, 0, [])
    assert body["ignored_columns"] == ["序号", "联系人"] and body["unknown_columns"] == []
    assert listed(reg) == {} and reg.outbox() == 0

    done = upload(reg, data, mode="all").get_json()
    assert (done["created"], done["unchanged"], done["updated"], done["imported"]) == (3, 0, 0, True)
    assert [r["row"] for r in done["rows"]] == [2, 3, 4] and {r["action"] for r in done["rows"]} == {
        "created"
    }
    acts = listed(reg)
    imax, dome, talk = (acts[r["id"]] for r in done["rows"])
    assert imax["kind"] == "imax" and dome["kind"] == "dome" and talk["kind"] == "lecture"
    assert imax["title"] == {"zh": "科技工作者专场·巨幕影院", "en": "Sci-Tech Workers' IMAX special"}
    assert (imax["venue"]["name"], imax["hall"], imax["organizer"]) == (
        "辽宁省科学技术馆",
        "巨幕影院",
        "辽宁省科学技术协会",
    )
    assert imax["venue"]["id"] == dome["venue"]["id"] != talk["venue"]["id"]
    assert imax["starts_at"] == f"{DAY}T19:00:00+08:00" and imax["ends_at"] == f"{DAY}T20:30:00+08:00"
    assert (imax["capacity"], imax["max_party_size"], imax["audience"]) == (
        420,
        4,
        "sci_workers_and_families",
    )
    assert talk["starts_at"] == f"{DAY}T14:30:00+08:00" and talk["ends_at"] == f"{DAY}T16:00:00+08:00"
    assert talk["audience"] == "public"
    # no window in the file: opens 7 days before the start, closes 2 hours before
    assert (
        talk["registration_opens_at"]
        == (datetime.fromisoformat(talk["starts_at"]) - timedelta(days=7)).isoformat()
    )
    assert talk["registration_closes_at"] == f"{DAY}T12:30:00+08:00"
    assert reg.outbox() == 3  # one ActivityPublished per activity


def test_a_good_xlsx_with_a_title_line_and_separate_columns(reg):
    wb = Workbook()
    ws = wb.active
    ws.append(["2025年科普日计划开展重点活动清单"])
    ws.append(
        [
            "活动名称",
            "开始时间",
            "结束时间",
            "场馆",
            "厅室",
            "主办单位",
            "活动类型",
            "人数上限（人）",
            "每单人数",
            "报名开始",
            "报名截止",
            "面向人群",
        ]
    )
    start = datetime.combine(DAY, datetime.min.time()).replace(hour=9, minute=30)
    ws.append(
        [
            "“奋楫再出发”辽宁科技创新成果展",
            start,
            start + timedelta(hours=8),
            "辽宁省科学技术馆",
            "一楼西大厅",
            "辽宁省科学技术协会",
            "展览",
            500,
            5,
            datetime.now() - timedelta(days=1),
            start - timedelta(hours=1),
            "公众",
        ]
    )
    ws.append(
        [
            "科普讲座：量子科技",
            start + timedelta(hours=5),
            90,
            "辽宁省科学技术馆",
            "报告厅",
            "辽宁省科学技术协会",
            "",
            120.0,
            2,
            None,
            None,
            "公众",
        ]
    )
    # No end and no duration column: issue 26, a lecture lasts import_minutes_lecture (90), assumed.
    # (Until then this row was refused with 必须填写结束时间或时长.)
    ws.cell(row=4, column=3).value = None
    out = io.BytesIO()
    wb.save(out)
    body = upload(reg, out.getvalue(), name="list.xlsx", mode="valid_rows").get_json()
    assert body["created"] == 2 and body["errors"] == [], body
    created, talk = [r for r in body["rows"] if r["action"] == "created"]
    a = listed(reg)[created["id"]]
    assert created["row"] == 3 and a["kind"] == "exhibition" and a["hall"] == "一楼西大厅"
    assert a["starts_at"] == f"{DAY}T09:30:00+08:00" and a["capacity"] == 500 and a["max_party_size"] == 5
    assert (talk["row"], talk["kind"], talk["ends_at"]) == (4, "lecture", f"{DAY}T16:00:00+08:00")
    assert {"field": "ends_at", "value": f"{DAY}T16:00:00+08:00", "basis": "kind_length"} in talk["assumed"]


BAD = [
    GOOD[0],
    [
        2,
        "容量写错",
        "",
        f"{DAY} 10:00-11:00",
        "辽宁省科学技术馆 报告厅",
        "省科协",
        "讲座",
        "很多",
        2,
        OPENS,
        "",
        "公众",
        "",
    ],
    [
        3,
        "没有日期",
        "",
        "19:00-20:30",
        "辽宁省科学技术馆 报告厅",
        "省科协",
        "讲座",
        100,
        2,
        OPENS,
        "",
        "公众",
        "",
    ],
    [4, "没有厅室", "", f"{DAY} 10:00-11:00", "省科技馆", "省科协", "讲座", 100, 2, OPENS, "", "公众", ""],
    [
        5,
        "每单太多",
        "",
        f"{DAY} 10:00-11:00",
        "辽宁省科学技术馆 报告厅",
        "省科协",
        "讲座",
        100,
        20,
        OPENS,
        "",
        "公众",
        "",
    ],
    [
        6,
        "截止晚于开始",
        "",
        f"{DAY} 10:00-11:00",
        "辽宁省科学技术馆 报告厅",
        "省科协",
        "讲座",
        100,
        2,
        OPENS,
        f"{DAY} 12:00",
        "学生",
        "",
    ],
    GOOD[0],  # the same activity twice
]


def test_bad_rows_are_reported_with_row_and_column_and_nothing_is_imported(reg):
    resp = upload(reg, csv_of(BAD), mode="all")
    body = resp.get_json()
    assert resp.status_code == 422 and body["reason"] == "import_has_errors", body
    found = {(e["row"], e["field"]) for e in body["report"]["errors"]}
    assert found == {
        (3, "人数上限"),
        (4, "时间"),
        (6, "每单人数"),
        (7, "报名截止"),
        (7, "面向人群"),
        (8, "活动名称"),
    }
    messages = {(e["row"], e["field"]): e["message"] for e in body["report"]["errors"]}
    assert "很多" in messages[(3, "人数上限")]  # row 5 has no hall: issue 26, accepted (a square, a park)
    assert messages[(6, "每单人数")] == "应在 1 到 10 之间" and "第 2 行" in messages[(8, "活动名称")]
    assert body["errors"]["3"] == {"人数上限": [messages[(3, "人数上限")]]}
    assert listed(reg) == {} and reg.outbox() == 0  # nothing at all

    # English messages on request
    en = upload(reg, csv_of(BAD), mode="check", headers={**reg.org, "Accept-Language": "en"}).get_json()
    assert {e["message"] for e in en["errors"] if e["row"] == 6} == {
        "Must be greater than or equal to 1 and less than or equal to 10."
    }

    partial = upload(reg, csv_of(BAD), mode="valid_rows").get_json()
    assert (partial["created"], len({e["row"] for e in partial["errors"]})) == (2, 5)
    assert [r["action"] for r in partial["rows"]] == ["created", "error", "error", "created"] + ["error"] * 3
    assert partial["rows"][3]["hall"] == "" and len(listed(reg)) == 2 and reg.outbox() == 2


def test_importing_the_same_file_again_changes_nothing(reg):
    data = csv_of(GOOD)
    first = upload(reg, data, mode="all").get_json()
    before = {aid: a["revision"] for aid, a in listed(reg).items()}
    events = reg.outbox()
    for mode in ("all", "valid_rows", "check"):
        again = upload(reg, data, mode=mode).get_json()
        assert (again["created"], again["unchanged"], again["updated"], again["imported"]) == (
            0,
            3,
            0,
            False,
        ), again
        assert [r["id"] for r in again["rows"]] == [r["id"] for r in first["rows"]]
    assert {aid: a["revision"] for aid, a in listed(reg).items()} == before
    assert reg.outbox() == events

    # The same file saved by Excel in China (GB18030) maps to the same activities.
    gbk = upload(reg, csv_of(GOOD, encoding="gb18030"), mode="all").get_json()
    assert gbk["unchanged"] == 3 and reg.outbox() == events


def test_an_activity_edited_since_is_reported_and_left_alone(reg):
    first = upload(reg, csv_of(GOOD), mode="all").get_json()
    aid = first["rows"][0]["id"]
    assert reg.patch(f"/api/v1/activities/{aid}", json={"capacity": 500}, headers=reg.org).status_code == 200
    events = reg.outbox()
    again = upload(reg, csv_of(GOOD), mode="valid_rows").get_json()
    assert (again["differs"], again["unchanged"], again["created"]) == (1, 2, 0)
    assert again["rows"][0]["differs"] == ["capacity"]
    assert listed(reg)[aid]["capacity"] == 500 and reg.outbox() == events


def test_only_organizers_may_import_and_only_spreadsheets(reg, redis, settings):
    steward = {
        "Authorization": "Bearer " + create_token(redis, settings.redis_prefix, "steward", "s", "ln-stm")
    }
    assert upload(reg, csv_of(GOOD), headers=steward).get_json()["reason"] == "forbidden"
    assert upload(reg, csv_of(GOOD), headers={}).get_json()["reason"] == "unauthorized"
    bad = upload(reg, b"%PDF-1.7", name="list.pdf")
    assert bad.status_code == 422 and bad.get_json()["reason"] == "invalid_spreadsheet"
    no_header = upload(reg, b"a,b\n1,2\n")
    assert (
        no_header.get_json()["reason"] == "invalid_spreadsheet"
        and "活动名称" in no_header.get_json()["message"]
    )
    broken = upload(reg, b"PK\x03\x04not really a zip", name="list.xlsx")
    assert broken.get_json()["reason"] == "invalid_spreadsheet"
    # JSON is still required everywhere else
    other = reg.post(
        "/api/v1/activities",
        data={"file": (io.BytesIO(b"x"), "a.csv")},
        content_type="multipart/form-data",
        headers=reg.org,
    )
    assert other.status_code == 415


def test_a_year_typo_is_refused_before_it_reaches_a_ticket(reg):
    row = list(GOOD[0])
    row[3] = "2202年5月30日 19:00-20:30"
    body = upload(reg, csv_of([row]), mode="check").get_json()
    assert {(e["row"], e["field"], e["message"]) for e in body["errors"]} >= {
        (2, "时间", "年份应在 2000 到 2100 之间")
    }


def test_a_reimport_keeps_the_venue_even_if_its_name_now_maps_elsewhere(reg):
    from tests.conftest import activity_doc

    upload(reg, csv_of(GOOD), mode="all")
    # the demo catalogue's venue of the same name arrives later, with an earlier activity
    doc = activity_doc(
        "demo-first",
        venue={"id": "ln-science-museum", "name": "辽宁省科学技术馆", "address": "智慧三街159号"},
    )
    doc["starts_at"] = (datetime.now(TZ) + timedelta(days=2)).replace(microsecond=0).isoformat()
    doc["ends_at"] = (datetime.now(TZ) + timedelta(days=2, hours=1)).replace(microsecond=0).isoformat()
    doc["registration_closes_at"] = (datetime.now(TZ) + timedelta(days=1)).replace(microsecond=0).isoformat()
    assert reg.post("/api/v1/activities", json=doc, headers=reg.org).status_code == 201
    again = upload(reg, csv_of(GOOD), mode="all").get_json()
    assert (again["unchanged"], again["differs"], again["created"]) == (3, 0, 0), again["rows"]
    # a new row at that venue now joins the catalogue's venue
    row = list(GOOD[1])
    row[1] = "球幕影院加场"
    added = upload(reg, csv_of([row]), mode="all").get_json()
    assert listed(reg)[added["rows"][0]["id"]]["venue"]["id"] == "ln-science-museum"
