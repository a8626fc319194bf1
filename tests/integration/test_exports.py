"""Exports and the festival summary over real Redis: the summary XLSX parsed back and every figure
compared with the attendance API; phone masking by role; check-in exports; the summary while
the registration service is down."""

from __future__ import annotations

import csv
import hashlib
import io
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from openpyxl import load_workbook

from services.checkin.attendance.summary import RegistrationFigures
from tests.conftest import activity_doc
from tests.integration.test_checkin_api import Door, soon

TZ = ZoneInfo("Asia/Shanghai")


class FiguresFromClient:
    """The summary's registration adapter, answered by the registration app's test client."""

    def __init__(self, client):
        self.client = client

    def turned_away(self):
        return {
            a["id"]: a["turned_away"] for a in self.client.get("/api/v1/activities").get_json()["activities"]
        }


def ok(resp, status=200):
    assert resp.status_code == status, resp.get_data(as_text=True)[:500]
    return resp


@pytest.fixture
def festival(settings, redis):
    """Four activities: one starting soon (with waitlist and people turned away), one that has
    ended (with a no-show), one cancelled, one at another venue."""
    redis.delete("proj-cursor")
    door = Door(settings, redis)
    door.steward = door.bearer("steward", "王师傅", "ln-stm")
    door.ck.application.extensions["sciday.registration_figures"] = FiguresFromClient(door.reg)
    door.activity(soon("sum-imax", capacity=6, waitlist={"enabled": True, "max_length": 1}))
    a = door.register("sum-imax", phone="13800000001", party=4)["ticket"]["code"]
    b = door.register("sum-imax", phone="13800000002", party=2)["ticket"]["code"]
    door.register("sum-imax", phone="13800000003", party=3)  # waitlisted
    refused = door.reg.post(
        "/api/v1/activities/sum-imax/registrations",
        json={"name": "赵六", "phone": "13800000004", "organization": "所", "party_size": 2},
    )
    assert refused.get_json()["reason"] == "sold_out"  # 2 people turned away
    door.activity(soon("sum-dome", kind="dome", capacity=10))
    c = door.register("sum-dome", phone="13800000005", party=3)["ticket"]["code"]
    door.register("sum-dome", phone="13800000006", party=2)  # will not come
    door.activity(soon("sum-gone", kind="lecture", capacity=5))
    door.register("sum-gone", phone="13800000007", party=1)
    ok(door.reg.post("/api/v1/activities/sum-gone/cancel", json={"reason": "场地维修"}, headers=door.org))
    door.activity(
        activity_doc(
            "sum-siping",
            kind="lecture",
            capacity=50,
            audience="public",
            venue={"id": "siping", "name": "四平市科技活动周主会场", "address": "四平市"},
        )
    )
    door.register("sum-siping", phone="13800000008", party=2)
    door.project()
    door.scan(a, gate="1号门", admit=3)
    door.scan(b, gate="2号门")
    # sum-dome happened earlier today: move it into the past, then upload its door scan as an
    # offline scan made during the screening.
    now = datetime.now(TZ).replace(microsecond=0)
    ok(
        door.reg.patch(
            "/api/v1/activities/sum-dome",
            headers=door.org,
            json={
                "starts_at": (now - timedelta(hours=3)).isoformat(),
                "ends_at": (now - timedelta(hours=1)).isoformat(),
                "registration_opens_at": (now - timedelta(days=2)).isoformat(),
                "registration_closes_at": (now - timedelta(hours=4)).isoformat(),
            },
        )
    )
    door.project()
    # The scanner was last online before the screening: its online mark vouches for the time
    # (issue 16: a client's scan time counts only on an offline upload, after that moment).
    token = door.steward["Authorization"].removeprefix("Bearer ")
    holder = hashlib.sha256(token.encode()).hexdigest()
    mark = door.ck.application.extensions["sciday.online_marks"].issue(holder, now - timedelta(hours=3))
    ok(door.scan(c, gate="东门", scanned_at=(now - timedelta(hours=2)).isoformat(), online_mark=mark), 201)
    return door


def attendance(door, aid):
    return ok(door.ck.get(f"/api/v1/activities/{aid}/attendance", headers=door.org)).get_json()


def table(ws, first_header):
    """The rows under the header row that starts with ``first_header``, as dicts."""
    rows = list(ws.iter_rows(values_only=True))
    top = next(i for i, r in enumerate(rows) if r and r[0] == first_header)
    return [dict(zip(rows[top], r)) for r in rows[top + 1 :]], rows[:top]


def test_summary_xlsx_figures_equal_the_attendance_api(festival):
    door = festival
    resp = ok(door.ck.get("/api/v1/summary.xlsx", headers=door.org))
    assert resp.mimetype == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    assert "filename*=UTF-8''" in resp.headers["Content-Disposition"]
    wb = load_workbook(io.BytesIO(resp.data))
    assert wb.sheetnames == ["分活动", "按场馆", "按类型", "按日期"]
    acts, notes = table(wb["分活动"], "活动编号")
    assert not any("未知" in str(n[0]) for n in notes if n and n[0])
    turned = {a["id"]: a["turned_away"] for a in door.reg.get("/api/v1/activities").get_json()["activities"]}
    assert turned["sum-imax"] == 2
    by_id = {r["活动编号"]: r for r in acts}
    assert set(by_id) == {"sum-imax", "sum-dome", "sum-gone", "sum-siping"}
    api = {aid: attendance(door, aid) for aid in by_id}
    for aid, row in by_id.items():
        att = api[aid]
        assert row["容量"] == att["capacity"]
        assert row["报名人数"] == att["confirmed"]
        assert row["到场人数"] == att["checked_in"]
        # issue 26: 到场率, like 未到, only once the activity has ended (attendance/figures.py)
        assert row["到场率"] == (
            pytest.approx(att["checked_in"] / att["confirmed"]) if att["ended"] else "未结束"
        )
        assert att["attendance_rate"] == (
            pytest.approx(att["checked_in"] / att["confirmed"]) if att["ended"] else None
        )
        assert row["候补人数"] == att["waitlisted"]
        assert row["名额已满未能报名"] == turned[aid]
        assert row["候补需求"] == att["waitlisted"] + turned[aid]
        assert row["未到人数"] == (att["no_shows"] if att["ended"] else "未结束")
        assert row["日期"] == att["starts_at"][:10] and row["开始"] == att["starts_at"][11:16]
    # the figures themselves, as the scenario made them
    assert (api["sum-imax"]["confirmed"], api["sum-imax"]["checked_in"], api["sum-imax"]["waitlisted"]) == (
        6,
        5,
        3,
    )
    assert by_id["sum-imax"]["候补需求"] == 5
    assert (api["sum-dome"]["ended"], api["sum-dome"]["no_shows"], api["sum-dome"]["no_show_rate"]) == (
        True,
        2,
        0.4,
    )
    assert by_id["sum-gone"]["状态"] == "已取消"

    # totals per venue, kind and day: sums of the attendance API over the activities not cancelled
    live = {aid: a for aid, a in api.items() if a["status"] != "cancelled"}
    doc = {a["id"]: a for a in door.reg.get("/api/v1/activities").get_json()["activities"]}
    keys = {
        "按场馆": ("场馆", lambda aid: doc[aid]["venue"]["name"]),
        "按类型": (
            "类型",
            lambda aid: {"imax": "巨幕影院", "dome": "球幕影院", "lecture": "科普讲座"}[doc[aid]["kind"]],
        ),
        "按日期": ("日期", lambda aid: live[aid]["starts_at"][:10]),
    }
    for sheet, (label, key_of) in keys.items():
        rows, _ = table(wb[sheet], label)
        groups = {}
        for aid in live:
            groups.setdefault(key_of(aid), []).append(aid)
        groups["合计"] = list(live)
        assert {r[label] for r in rows} == set(groups), sheet
        for r in rows:
            members = [live[aid] for aid in groups[r[label]]]
            assert r["活动数"] == len(members)
            assert r["容量"] == sum(m["capacity"] for m in members)
            assert r["报名人数"] == sum(m["confirmed"] for m in members)
            assert r["到场人数"] == sum(m["checked_in"] for m in members)
            ended = [m for m in members if m["ended"]]  # issue 26: the rate over ended activities only
            assert r["到场率"] == (
                pytest.approx(sum(m["checked_in"] for m in ended) / sum(m["confirmed"] for m in ended))
                if ended
                else "—"
            )
            assert r["候补需求"] == sum(m["waitlisted"] + turned[m["activity_id"]] for m in members)
            ended = [m for m in members if m["ended"]]
            assert r["未到人数"] == (sum(m["no_shows"] for m in ended) if ended else "—")

    # the festival attendance API agrees with the same totals
    fest = ok(door.ck.get("/api/v1/attendance", headers=door.org)).get_json()
    total, _ = table(wb["按场馆"], "场馆")
    total = total[-1]
    assert (fest["totals"]["capacity"], fest["totals"]["confirmed"], fest["totals"]["checked_in"]) == (
        total["容量"],
        total["报名人数"],
        total["到场人数"],
    )
    assert fest["totals"]["no_shows"] == total["未到人数"] == 2
    assert {(g["venue"]["id"], g["gate"]): g["checked_in"] for g in fest["gates"]} == {
        ("ln-stm", "1号门"): 3,
        ("ln-stm", "2号门"): 2,
        ("ln-stm", "东门"): 3,
    }
    # issue 26: the gates grouped by venue id, each venue once with its total
    assert [(v["venue"]["id"], v["checked_in"], [g["gate"] for g in v["gates"]]) for v in fest["venues"]] == [
        ("ln-stm", 8, ["1号门", "2号门", "东门"]),
        ("siping", 0, []),
    ]
    assert fest["totals"]["attendance_rate"] == pytest.approx(3 / 5)  # sum-dome only: 3 of 5 came


def test_summary_json_and_english_workbook(festival):
    door = festival
    s = ok(door.ck.get("/api/v1/summary", headers=door.org)).get_json()
    assert s["waitlist_demand_known"] is True
    assert s["totals"]["registered"] == 6 + 5 + 2 and s["totals"]["activities"] == 3
    assert sorted(g["label"] for g in s["by_venue"]) == sorted(["四平市科技活动周主会场", "辽宁省科学技术馆"])
    en = ok(door.ck.get("/api/v1/summary.xlsx?lang=en", headers=door.org))
    wb = load_workbook(io.BytesIO(en.data))
    assert wb.sheetnames == ["Activities", "By venue", "By kind", "By day"]
    rows, _ = table(wb["Activities"], "Activity")
    assert {r["Activity"] for r in rows} >= {"sum-imax", "sum-dome"}


def test_the_summary_says_when_waitlist_demand_is_unknown(festival):
    door = festival
    door.ck.application.extensions["sciday.registration_figures"] = RegistrationFigures(
        "http://127.0.0.1:9", 0.5
    )
    s = ok(door.ck.get("/api/v1/summary", headers=door.org)).get_json()
    assert s["waitlist_demand_known"] is False and s["totals"]["waitlist_demand"] is None
    assert s["totals"]["attended"] == 8  # everything else is still there
    wb = load_workbook(io.BytesIO(ok(door.ck.get("/api/v1/summary.xlsx", headers=door.org)).data))
    acts, notes = table(wb["分活动"], "活动编号")
    assert any("候补需求未知" in str(n[0]) for n in notes if n and n[0])
    assert {r["候补需求"] for r in acts} == {"未知"} and {r["名额已满未能报名"] for r in acts} == {"未知"}


def test_registration_exports_mask_phones_unless_organizer(festival):
    door = festival
    full = ok(door.reg.get("/api/v1/activities/sum-imax/registrations.csv", headers=door.org))
    assert full.data.startswith(b"\xef\xbb\xbf") and full.mimetype == "text/csv"
    rows = list(csv.DictReader(io.StringIO(full.data.decode("utf-8-sig"))))
    assert sorted(r["手机号"] for r in rows) == ["13800000001", "13800000002", "13800000003"]
    assert {r["状态"] for r in rows} == {"已确认", "候补"} and rows[0]["姓名"] == "张三丰"
    masked = ok(door.reg.get("/api/v1/activities/sum-imax/registrations.xlsx", headers=door.steward))
    ws = load_workbook(io.BytesIO(masked.data)).active
    staff_rows, _ = table(ws, "报名编号")
    assert sorted(r["手机号"] for r in staff_rows) == ["138****0001", "138****0002", "138****0003"]
    assert {r["姓名"] for r in staff_rows} == {"张**"}
    assert sum(r["人数"] for r in staff_rows) == 9
    other = door.bearer("supervisor", "外馆", "siping")
    assert (
        door.reg.get("/api/v1/activities/sum-imax/registrations.csv", headers=other).get_json()["reason"]
        == "forbidden"
    )
    assert door.reg.get("/api/v1/activities/sum-imax/registrations.csv").status_code == 401
    assert (
        door.reg.get("/api/v1/activities/nope/registrations.csv", headers=door.org).get_json()["reason"]
        == "unknown_activity"
    )
    en = ok(door.reg.get("/api/v1/activities/sum-imax/registrations.csv?lang=en", headers=door.org))
    assert en.data.decode("utf-8-sig").startswith("Registration,Status,Name,Phone")


def test_checkin_exports_match_the_attendance_api(festival):
    door = festival
    att = attendance(door, "sum-imax")
    resp = ok(door.ck.get("/api/v1/activities/sum-imax/checkins.xlsx", headers=door.steward))
    rows, _ = table(load_workbook(io.BytesIO(resp.data)).active, "入场时间")
    assert sum(r["入场人数"] for r in rows if r["已撤销"] == "否") == att["checked_in"]
    per_gate = {}
    for r in rows:
        per_gate[r["入口"]] = per_gate.get(r["入口"], 0) + r["入场人数"]
    assert [{"gate": k, "checked_in": v} for k, v in sorted(per_gate.items())] == att["gates"]
    assert {r["姓名"] for r in rows} == {"张**"} and all("****" in r["手机号"] for r in rows)
    assert {r["工作人员"] for r in rows} == {"王师傅"}
    # an undone check-in stays in the export, marked
    cid = rows[0]["入场记录编号"]
    ok(door.ck.post(f"/api/v1/checkins/{cid}/undo", headers=door.org))
    text = ok(door.ck.get("/api/v1/activities/sum-imax/checkins.csv", headers=door.org)).data.decode(
        "utf-8-sig"
    )
    undone = [r for r in csv.DictReader(io.StringIO(text)) if r["入场记录编号"] == cid]
    assert undone[0]["已撤销"] == "是" and undone[0]["撤销时间"]
    other = door.bearer("steward", "外馆", "siping")
    assert (
        door.ck.get("/api/v1/activities/sum-imax/checkins.csv", headers=other).get_json()["reason"]
        == "forbidden"
    )


def test_festival_attendance_is_scoped_to_the_staff_venue(festival):
    door = festival
    mine = ok(door.ck.get("/api/v1/attendance", headers=door.steward)).get_json()
    assert {a["activity_id"] for a in mine["activities"]} == {"sum-imax", "sum-dome", "sum-gone"}
    assert mine["venue"] == "ln-stm" and mine["totals"]["activities"] == 2
    elsewhere = ok(
        door.ck.get("/api/v1/attendance", headers=door.bearer("steward", "s", "siping"))
    ).get_json()
    assert [a["activity_id"] for a in elsewhere["activities"]] == ["sum-siping"]
    assert elsewhere["gates"] == [] and elsewhere["totals"]["no_show_rate"] is None


class AdmissionsFromClient:
    """The registrations export's check-in adapter, answered by the check-in app's test client."""

    def __init__(self, client):
        self.client = client

    def admitted(self, activity_id, authorization):
        resp = self.client.get(
            f"/api/v1/activities/{activity_id}/admissions", headers={"Authorization": authorization}
        )
        return resp.get_json()["admitted"] if resp.status_code == 200 else None


def test_the_registrations_export_has_the_admitted_count_of_each_party(festival):
    door = festival
    door.reg.application.extensions["sciday.admissions"] = AdmissionsFromClient(door.ck)
    att = attendance(door, "sum-imax")
    text = ok(door.reg.get("/api/v1/activities/sum-imax/registrations.csv", headers=door.org)).data
    rows = list(csv.DictReader(io.StringIO(text.decode("utf-8-sig"))))
    by_phone = {r["手机号"]: (r["人数"], r["入场人数"]) for r in rows}
    assert by_phone == {"13800000001": ("4", "3"), "13800000002": ("2", "2"), "13800000003": ("3", "0")}
    assert sum(int(r["入场人数"]) for r in rows) == att["checked_in"]
    ws = load_workbook(
        io.BytesIO(
            ok(door.reg.get("/api/v1/activities/sum-imax/registrations.xlsx", headers=door.steward)).data
        )
    ).active
    staff_rows, notes = table(ws, "报名编号")
    assert sorted(r["入场人数"] for r in staff_rows) == [0, 2, 3]  # a steward of the venue gets it too
    assert not any("入场人数未知" in str(n[0]) for n in notes)
    en = ok(door.reg.get("/api/v1/activities/sum-imax/registrations.csv?lang=en", headers=door.org)).data
    assert "Party size,Admitted," in en.decode("utf-8-sig").splitlines()[0]


def test_without_the_checkin_service_the_admitted_column_is_empty_and_says_why(festival):
    from services.registration.catalogue.exports import CheckinAdmissions

    door = festival
    door.reg.application.extensions["sciday.admissions"] = CheckinAdmissions("http://127.0.0.1:9", 0.5)
    resp = ok(door.reg.get("/api/v1/activities/sum-imax/registrations.xlsx", headers=door.org))
    rows, notes = table(load_workbook(io.BytesIO(resp.data)).active, "报名编号")
    assert {r["入场人数"] for r in rows} == {None} and len(rows) == 3
    assert any("入场人数未知" in str(n[0]) for n in notes)


def test_xlsx_title_rows_show_the_activity_time_readably(festival):
    door = festival
    doc = door.reg.get("/api/v1/activities/sum-imax").get_json()
    s, e = (datetime.fromisoformat(doc[k]).astimezone(TZ) for k in ("starts_at", "ends_at"))
    months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
    if s.date() == e.date():
        zh = f"{s.year}年{s.month}月{s.day}日 {s:%H:%M}–{e:%H:%M}"
        en = f"{s.day} {months[s.month - 1]} {s.year} {s:%H:%M}–{e:%H:%M}"
    else:  # the fixture's activity starts 30 minutes from now, so late in the evening it ends tomorrow
        year = f"{e.year}年" if e.year != s.year else ""
        zh = f"{s.year}年{s.month}月{s.day}日 {s:%H:%M} – {year}{e.month}月{e.day}日 {e:%H:%M}"
        en = f"{s.day} {months[s.month - 1]} {s.year} {s:%H:%M} – {e.day} {months[e.month - 1]} {e.year} {e:%H:%M}"
    for client, path, first in (
        (door.reg, "registrations", "报名编号"),
        (door.ck, "checkins", "入场时间"),
    ):
        wb = load_workbook(
            io.BytesIO(ok(client.get(f"/api/v1/activities/sum-imax/{path}.xlsx", headers=door.org)).data)
        )
        _, notes = table(wb.active, first)
        assert notes[0][0] == f"{doc['title']['zh']} · {zh}", notes[0][0]
        wb = load_workbook(
            io.BytesIO(
                ok(client.get(f"/api/v1/activities/sum-imax/{path}.xlsx?lang=en", headers=door.org)).data
            )
        )
        _, notes = table(wb.active, "Registration" if path == "registrations" else "Checked in at")
        title = doc["title"].get("en") or doc["title"]["zh"]
        assert notes[0][0] == f"{title} · {en}", notes[0][0]
