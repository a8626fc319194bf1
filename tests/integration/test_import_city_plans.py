"""Issue 26: a list as a city sends it imports without row errors. A screening given only its
start, an outdoor exhibition over a range of dates (a square: no hall) and a talk, in CSV and in
XLSX, with what was assumed shown in the dry run; the range imported as one activity a day when
the organizer chooses it (each_day), and as one long activity when not."""

from __future__ import annotations

import csv
import io
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from openpyxl import Workbook

from services.registration.app import create_app as registration_app
from services.registration.catalogue.sheet_columns import TEMPLATE_004 as HEADER  # seed 004, 附件2
from shared.auth import create_token
from shared.outbox import stream_key

TZ = ZoneInfo("Asia/Shanghai")
D = (datetime.now(TZ) + timedelta(days=20)).date()  # dates far enough ahead at any hour
E = D + timedelta(days=3)
ROWS = [
    [
        1,
        "科普电影《流浪地球》",
        "市科协",
        f"{D:%Y年%m月%d日} 19:00",
        "市科技馆 4D影院",
        "观影",
        "约120人",
        "王",
        "138",
    ],
    [
        2,
        "四平市科技成果展",
        "市科技局",
        f"{D:%Y.%m.%d}-{E:%m.%d}",
        "四平市铁东区广场",
        "展览展示",
        "1000人次",
        "李",
        "139",
    ],
    [
        3,
        "院士讲座：量子科技",
        "市科协",
        f"{D:%Y-%m-%d} 14:30-16:00",
        "市科技馆 报告厅",
        "讲座",
        "200",
        "张",
        "137",
    ],
]


@pytest.fixture
def reg(settings, redis):
    client = registration_app(settings).test_client()
    client.org = {
        "Authorization": "Bearer " + create_token(redis, settings.redis_prefix, "organizer", "siping")
    }
    client.outbox = lambda: redis.xlen(stream_key(settings))
    return client


def as_csv() -> tuple[str, bytes]:
    out = io.StringIO()
    csv.writer(out).writerows([["2026年科技活动周重点活动清单"], HEADER, *ROWS])
    return "清单.csv", out.getvalue().encode("gb18030")


def as_xlsx() -> tuple[str, bytes]:
    wb = Workbook()
    for line in (["2026年科技活动周重点活动清单"], ["填报单位：四平市科协"], HEADER, *ROWS):
        wb.active.append(line)
    out = io.BytesIO()
    wb.save(out)
    return "清单.xlsx", out.getvalue()


def upload(client, file, **form):
    name, data = file
    return client.post(
        "/api/v1/activities/import",
        data={"file": (io.BytesIO(data), name), **form},
        content_type="multipart/form-data",
        headers=client.org,
    )


@pytest.mark.parametrize("file", [as_csv(), as_xlsx()], ids=["csv", "xlsx"])
def test_a_city_list_has_no_row_errors_and_shows_what_was_assumed(reg, file):
    resp = upload(reg, file)
    body = resp.get_json()
    assert resp.status_code == 200 and body["errors"] == [], body
    screening, fair, talk = body["rows"]
    assert (screening["kind"], screening["ends_at"]) == ("screening", f"{D}T20:30:00+08:00")
    assert {"field": "ends_at", "value": f"{D}T20:30:00+08:00", "basis": "kind_length"} in screening[
        "assumed"
    ]
    assert (fair["kind"], fair["venue"], fair["hall"], fair["days"], fair["day"]) == (
        "exhibition",
        "四平市铁东区广场",
        "",
        4,
        None,
    )
    assert {"field": "hall", "value": "", "basis": "no_hall"} in fair["assumed"]
    assert (talk["kind"], talk["ends_at"], talk["days"]) == ("lecture", f"{D}T16:00:00+08:00", 1)
    assert body["new"] == 3 and reg.outbox() == 0  # a dry run


@pytest.mark.parametrize("file", [as_csv(), as_xlsx()], ids=["csv", "xlsx"])
def test_a_range_of_dates_becomes_one_activity_a_day_when_chosen(reg, file):
    fair_row = upload(reg, file).get_json()["rows"][1]["row"]  # as the dry run numbers it
    each = upload(reg, file, each_day=str(fair_row)).get_json()
    days = [r for r in each["rows"] if r["row"] == fair_row]
    assert [(r["day"], r["days"], r["starts_at"], r["ends_at"]) for r in days] == [
        (n + 1, 4, f"{D + timedelta(days=n)}T09:00:00+08:00", f"{D + timedelta(days=n)}T17:00:00+08:00")
        for n in range(4)
    ]
    assert len({r["id"] for r in days}) == 4 and each["new"] == 6 and each["errors"] == []

    done = upload(reg, file, each_day=str(fair_row), mode="all", confirm="1").get_json()
    assert done["created"] == 6 and reg.outbox() == 6
    listed = reg.get("/api/v1/activities").get_json()["activities"]
    assert sorted(a["starts_at"][:10] for a in listed if a["title"]["zh"] == "四平市科技成果展") == [
        str(D + timedelta(days=n)) for n in range(4)
    ]
    again = upload(reg, file, each_day="all").get_json()  # the same choice again: nothing new
    assert (again["new"], again["unchanged"]) == (0, 6)


def test_each_day_that_is_not_row_numbers_is_refused(reg):
    resp = upload(reg, as_csv(), each_day="3;x")
    body = resp.get_json()
    assert resp.status_code == 422 and body["reason"] == "validation_failed" and "each_day" in body["errors"]


def test_an_activity_at_a_place_without_halls_admits_and_counts_at_the_door(settings, redis):
    from tests.integration.test_checkin_api import Door, soon, verdict

    redis.delete("proj-cursor")
    door = Door(settings, redis)
    door.steward = door.bearer("steward", "王师傅", "ln-stm")
    doc = soon("square-fair", venue={"id": "ln-stm", "name": "铁东区广场", "address": ""}, kind="exhibition")
    del doc["hall"]  # a square: no hall
    door.activity(doc)
    code = door.register("square-fair", party=3)["ticket"]["code"]
    door.project()
    assert verdict(door.scan(code, admit=2), 201)["admitted"] == 2
    att = verdict(door.ck.get("/api/v1/activities/square-fair/attendance", headers=door.steward), 200)
    assert (att["checked_in"], att["confirmed"]) == (2, 3)
    festival = verdict(door.ck.get("/api/v1/attendance", headers=door.org), 200)
    [row] = [a for a in festival["activities"] if a["activity_id"] == "square-fair"]
    assert (row["hall"], row["checked_in"]) == ("", 2)
    summary = verdict(door.ck.get("/api/v1/summary", headers=door.org), 200)
    assert any(r["activity_id"] == "square-fair" and r["hall"] == "" for r in summary["activities"])
    assert door.ck.get("/api/v1/summary.xlsx", headers=door.org).status_code == 200
