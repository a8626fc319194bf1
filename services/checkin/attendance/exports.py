"""Check-ins of one activity as CSV or XLSX: ``GET /api/v1/activities/<id>/checkins.csv|.xlsx``.

One row per admission at a gate (time, gate, people admitted, staff, whether it was undone, by
whom and when), joined with the registration as the check-in projection knows it: the name
masked (张*) and the phone masked (138****5678). The projection never holds full phone numbers;
organizers get those from the registration service's export.
"""

from __future__ import annotations

import json

from flask.views import MethodView
from flask_smorest import Blueprint

from services.checkin import vocabulary as V
from services.checkin.door import admission, usecases
from services.checkin.web.edge import staff, store
from shared import spreadsheets
from shared.auth import require
from shared.i18n import request_locale
from shared.masking import mask_name

blp = Blueprint(
    "checkin_exports",
    __name__,
    url_prefix="/api/v1/activities",
    description="Exports. " + V.describe(V.UNKNOWN_ACTIVITY, V.UNAUTHORIZED, V.FORBIDDEN),
)

COLUMNS = (
    ("at", "入场时间", "Checked in at"),
    ("gate", "入口", "Gate"),
    ("admitted", "入场人数", "People admitted"),
    ("staff", "工作人员", "Staff"),
    ("reverted", "已撤销", "Undone"),
    ("reverted_at", "撤销时间", "Undone at"),
    ("reverted_by", "撤销人", "Undone by"),
    ("registration_id", "报名编号", "Registration"),
    ("name", "姓名", "Name"),
    ("phone", "手机号", "Phone"),
    ("party_size", "报名人数", "Party size"),
    ("checkin_id", "入场记录编号", "Check-in"),
)


def local_time(value: str | None) -> str:
    from datetime import datetime

    return (
        datetime.fromisoformat(value).astimezone(admission.TZ).strftime("%Y-%m-%d %H:%M:%S") if value else ""
    )


def records(aid: str) -> list[dict]:
    raw = store().redis.hvals(store().k("checkins", aid))
    return sorted((json.loads(v) for v in raw), key=lambda r: (r["at"], r["checkin_id"]))


def rows_of(aid: str, locale: str) -> list[list]:
    proj, yes, no = (
        store().projection,
        ("Yes" if locale == "en" else "是"),
        ("No" if locale == "en" else "否"),
    )
    rows = []
    for rec in records(aid):
        reg = proj.registration(aid, rec["registration_id"]) or {}
        rows.append(
            [
                local_time(rec["at"]),
                rec["gate"],
                int(rec["admitted"]),
                rec.get("staff", ""),
                yes if rec.get("reverted") else no,
                local_time(rec.get("reverted_at")),
                rec.get("reverted_by", ""),
                rec["registration_id"],
                mask_name(reg.get("name", "")),
                reg.get("phone_masked", ""),
                reg.get("party_size", ""),
                rec["checkin_id"],
            ]
        )
    return rows


def export(activity_id: str, fmt: str):
    activity = usecases.visible_activity(activity_id, staff(), activities=store().projection)
    locale = request_locale()
    headers = [en if locale == "en" else zh for _, zh, en in COLUMNS]
    rows = rows_of(activity_id, locale)
    name = f"{activity_id}-checkins.{fmt}"
    if fmt == "csv":
        return spreadsheets.download(spreadsheets.csv_bytes(headers, rows), name, spreadsheets.CSV_TYPE)
    title = (activity["title"].get("en") if locale == "en" else None) or activity["title"]["zh"]
    sheet = spreadsheets.Sheet(
        "Check-ins" if locale == "en" else "入场记录",
        headers,
        rows,
        notes=[
            f"{title} · {spreadsheets.readable_span(activity['starts_at'], activity.get('ends_at'), locale, admission.TZ)}"
        ],
    )
    return spreadsheets.download(spreadsheets.xlsx_bytes([sheet]), name, spreadsheets.XLSX_TYPE)


@blp.route("/<activity_id>/checkins.csv")
class CheckinCsv(MethodView):
    @require("steward", "supervisor", "organizer")
    @blp.response(200, description="CSV, UTF-8 with a byte-order mark", content_type="text/csv")
    @blp.alt_response(V.http_status(V.UNKNOWN_ACTIVITY), schema="Error", description=V.UNKNOWN_ACTIVITY)
    @blp.alt_response(V.http_status(V.FORBIDDEN), schema="Error", description=V.FORBIDDEN)
    def get(self, activity_id):
        """Every admission at the door for the activity, undone ones included (marked), as CSV."""
        return export(activity_id, "csv")


@blp.route("/<activity_id>/checkins.xlsx")
class CheckinXlsx(MethodView):
    @require("steward", "supervisor", "organizer")
    @blp.response(200, description="XLSX", content_type=spreadsheets.XLSX_TYPE)
    @blp.alt_response(V.http_status(V.UNKNOWN_ACTIVITY), schema="Error", description=V.UNKNOWN_ACTIVITY)
    @blp.alt_response(V.http_status(V.FORBIDDEN), schema="Error", description=V.FORBIDDEN)
    def get(self, activity_id):
        """Every admission at the door for the activity, undone ones included (marked), as XLSX."""
        return export(activity_id, "xlsx")
