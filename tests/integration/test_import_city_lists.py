"""Importing the key-activity lists cities really send (issue 17, part 1) and the import's bounds
(issue 16): the template shape of seed 004's 附件2 (a title line, a 填报单位 line, then 序号,
活动名称, 主办单位, 活动时间, 活动地点, 活动形式, 预计参与人数, 联系人, 联系电话), other synonyms
in a GBK tab-separated CSV, a file whose headers only the organizer can map (remembered for the
next file, per organizer), the preview before anything is created, the assumed values the
organizer confirms, and a crafted XLSX refused by its bounds."""

from __future__ import annotations

import csv
import io
import json
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from services.registration.app import create_app as registration_app
from shared.auth import create_token
from shared.outbox import stream_key
from tests import crafted_xlsx

TZ = ZoneInfo("Asia/Shanghai")
D = (datetime.now(TZ) + timedelta(days=20)).date()
E = D + timedelta(days=5)


@pytest.fixture
def reg(settings, redis):
    app = registration_app(settings)
    client = app.test_client()

    def token(name):
        return {"Authorization": "Bearer " + create_token(redis, settings.redis_prefix, "organizer", name)}

    client.org, client.other_org = token("shenyang"), token("siping")
    client.outbox = lambda: redis.xlen(stream_key(settings))
    return client


def post(client, data: bytes, name: str, headers=None, **form):
    return client.post(
        "/api/v1/activities/import",
        data={"file": (io.BytesIO(data), name), **form},
        content_type="multipart/form-data",
        headers=headers or client.org,
    )


def listed(client) -> dict:
    return {a["title"]["zh"]: a for a in client.get("/api/v1/activities").get_json()["activities"]}


def template_004() -> bytes:
    """附件2 with the two activities of crafted_xlsx.template_004, a third whose date leaves out
    the year, and the numbered blank rows the template comes with."""
    talk = [
        3,
        "院士讲坛：走近量子",
        "辽宁省科学技术协会",
        f"{E.month}月{E.day}日 14:00-16:00",
        "辽宁省科学技术馆 报告厅",
        "报告会",
        "300人次",
        "邹老师",
        "13800001111",
    ]
    return crafted_xlsx.template_004(D, E, more=(talk,), blank_rows=4)


def test_the_004_template_is_previewed_then_imported_once_the_assumptions_are_confirmed(reg):
    data = template_004()
    preview = post(reg, data, "附件2 重点活动清单.xlsx")
    body = preview.get_json()
    assert preview.status_code == 200, body
    assert (body["new"], body["errors"], body["missing_columns"], body["unknown_columns"]) == (3, [], [], [])
    assert {c["header"]: c["key"] for c in body["columns"]}["预计参与人数"] == "expected"
    assert [r["row"] for r in body["rows"]] == [4, 5, 6]  # the blank numbered rows are skipped
    night, fair, talk = body["rows"]
    assert (night["capacity"], night["kind"]) == (80, "lecture")
    assert (fair["capacity"], fair["kind"], fair["hall"]) == (500, "exhibition", "一楼展厅")
    assert (fair["starts_at"], fair["ends_at"]) == (f"{D}T09:00:00+08:00", f"{E}T17:00:00+08:00")
    assert (talk["capacity"], talk["starts_at"]) == (300, f"{E}T14:00:00+08:00")
    bases = {(r["row"], a["field"], a["basis"]) for r in body["rows"] for a in r["assumed"]}
    assert {
        (4, "capacity", "expected"),
        (5, "kind", "form"),
        (5, "starts_at", "day_opens"),
        (5, "ends_at", "day_closes"),
        (6, "starts_at", "year"),
    } <= bases
    assert body["assumed_rows"] == 3 and listed(reg) == {} and reg.outbox() == 0  # a preview writes nothing

    refused = post(reg, data, "附件2 重点活动清单.xlsx", mode="all")
    assert refused.status_code == 422 and refused.get_json()["reason"] == "import_unconfirmed"
    assert refused.get_json()["report"]["created"] == 0 and listed(reg) == {} and reg.outbox() == 0

    done = post(reg, data, "附件2 重点活动清单.xlsx", mode="all", confirm="1").get_json()
    assert done["created"] == 3, done
    acts = listed(reg)
    fair = acts["机器人科普展"]
    assert (fair["starts_at"], fair["ends_at"], fair["capacity"], fair["kind"]) == (
        f"{D}T09:00:00+08:00",
        f"{E}T17:00:00+08:00",
        500,
        "exhibition",
    )
    assert acts["科学之夜·天文观测"]["organizer"] == "沈阳市科学技术协会"
    stored = json.dumps(acts, ensure_ascii=False)
    assert "15041455447" not in stored and "王老师" not in stored  # contacts are not imported
    again = post(
        reg, data, "附件2 重点活动清单.xlsx", mode="all"
    ).get_json()  # nothing new: no confirmation needed
    assert (again["created"], again["unchanged"]) == (0, 3)


def test_a_gbk_tab_separated_list_with_other_synonyms(reg):
    rows = [
        ["编号", "项目名称", "承办单位", "起止时间", "举办地点", "开展形式", "活动规模", "联系方式"],
        [
            1,
            "青少年科技创新大赛成果展",
            "四平市科协",
            f"{D:%Y/%m/%d}~{E:%Y/%m/%d} 9:30-16:30",
            "四平市科技馆·二楼展厅",
            "展览",
            "1.2万",
            "0434-1234567",
        ],
        [
            2,
            "球幕电影：宇宙的奥秘",
            "四平市科技馆",
            f"{D:%Y-%m-%d} 10:00-10:40",
            "四平市科技馆 球幕影院",
            "球幕",
            "200-300",
            "",
        ],
    ]
    out = io.StringIO()
    csv.writer(out, delimiter="\t").writerows(rows)
    body = post(reg, out.getvalue().encode("gb18030"), "list.csv", mode="all", confirm="1").get_json()
    assert (body["created"], body["errors"], body["unknown_columns"]) == (2, [], []), body
    acts = listed(reg)
    fair = acts["青少年科技创新大赛成果展"]
    assert (fair["starts_at"], fair["ends_at"], fair["capacity"], fair["hall"]) == (
        f"{D}T09:30:00+08:00",
        f"{E}T16:30:00+08:00",
        12000,
        "二楼展厅",
    )
    assert (acts["球幕电影：宇宙的奥秘"]["kind"], acts["球幕电影：宇宙的奥秘"]["capacity"]) == ("dome", 200)


def unknown_headed() -> bytes:
    out = io.StringIO()
    csv.writer(out).writerows(
        [
            ["No.", "科普项目", "日期时段", "场所（场馆 厅室）", "可接待", "负责同志"],
            [1, "天文夜", f"{D} 19:00-21:00", "沈阳市科学宫 天文台", 40, "赵"],
        ]
    )
    return out.getvalue().encode("utf-8")


def test_unknown_headers_are_mapped_once_and_remembered_for_that_organizer(reg):
    first = post(reg, unknown_headed(), "list.csv").get_json()
    assert first["missing_columns"] == ["title", "time", "place", "capacity"] and first["rows"] == []
    assert [c["source"] for c in first["columns"]] == [
        "ignored",
        "unknown",
        "unknown",
        "unknown",
        "unknown",
        "unknown",
    ]
    mapping = {
        "科普项目": "title",
        "日期时段": "time",
        "场所（场馆 厅室）": "place",
        "可接待": "capacity",
        "负责同志": "",
    }
    mapped = post(
        reg, unknown_headed(), "list.csv", columns=json.dumps(mapping, ensure_ascii=False)
    ).get_json()
    assert (mapped["missing_columns"], mapped["new"], mapped["errors"]) == ([], 1, [])
    assert {c["header"]: c["source"] for c in mapped["columns"]}["科普项目"] == "chosen"

    later = post(reg, unknown_headed(), "list-v2.csv").get_json()  # the next file: no mapping sent
    assert later["missing_columns"] == [] and later["new"] == 1
    assert {c["header"]: c["source"] for c in later["columns"]}["科普项目"] == "remembered"
    assert later["ignored_columns"] == ["No.", "负责同志"]

    other = post(reg, unknown_headed(), "list.csv", headers=reg.other_org).get_json()
    assert other["missing_columns"] == ["title", "time", "place", "capacity"]  # per organizer


def test_a_mapping_naming_no_column_is_refused(reg):
    bad = post(reg, unknown_headed(), "list.csv", columns=json.dumps({"科普项目": "seats"}))
    assert bad.status_code == 422 and bad.get_json()["reason"] == "validation_failed"
    assert "columns" in bad.get_json()["errors"]
    worse = post(reg, unknown_headed(), "list.csv", columns="[[[")
    assert worse.status_code == 422 and worse.get_json()["reason"] == "validation_failed"


def test_a_crafted_xlsx_whose_strings_inflate_to_34_mb_is_refused_by_its_bounds(reg, monkeypatch):
    import openpyxl

    data = crafted_xlsx.inflating()
    assert len(data) < 200 * 1024
    monkeypatch.setattr(openpyxl, "load_workbook", lambda *a, **k: pytest.fail("parsed a refused file"))
    r = post(reg, data, "list.xlsx")
    assert r.status_code == 413 and r.get_json()["reason"] == "spreadsheet_too_large", r.get_json()
    assert "文件过大" in r.get_json()["message"]
