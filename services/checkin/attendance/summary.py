"""The festival summary (活动总结): ``GET /api/v1/summary``, ``/api/v1/summary.xlsx`` and the printable
page ``/summary``.

Per activity: capacity, registered (confirmed people), attended (checked in), attendance rate
(attended / registered), waitlist demand (people waitlisted + people turned away with
``sold_out``) and no-shows (registered − attended, once the activity has ended). Totals per
venue, per kind and per day (dates in Settings.timezone) and overall; cancelled activities are listed
but left out of every total.

Attendance is this service's data. ``turned_away`` lives in the registration service, which
is asked server-side (``GET /api/v1/activities``, short timeout). If it does not answer, the
summary still renders and says that waitlist demand is unknown (null in JSON, "未知" in XLSX).
"""

from __future__ import annotations

from datetime import datetime

import requests
from flask import current_app, g
from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import Schema, fields

from services.checkin import vocabulary as V
from services.checkin.attendance import festival, figures
from services.checkin.attendance.summary_workbook import ALLOCATION, pick, workbook
from services.checkin.door import admission
from shared import spreadsheets
from shared.auth import require
from shared.i18n import request_locale

blp = Blueprint(
    "summary",
    __name__,
    url_prefix="/api/v1",
    description="Festival summary. " + V.describe(V.UNAUTHORIZED, V.FORBIDDEN),
)

SUMMED = ("capacity", "registered", "attended", "waitlisted", "turned_away", "waitlist_demand")


class RegistrationFigures:
    """The registration service's public activity list, for ``turned_away`` per activity."""

    def __init__(self, base_url: str, timeout_s: float = 2.0):
        self.url, self.timeout_s = base_url.rstrip("/") + "/api/v1/activities", timeout_s

    def turned_away(self) -> dict[str, int | None] | None:
        try:
            resp = requests.get(self.url, timeout=self.timeout_s)
            resp.raise_for_status()
            return {a["id"]: a.get("turned_away") for a in resp.json()["activities"]}
        except (requests.RequestException, ValueError, KeyError, TypeError):
            return None


def day_of(iso: str) -> str:
    return datetime.fromisoformat(iso).astimezone(admission.TZ).date().isoformat()


def activity_rows(principal, turned: dict | None) -> list[dict]:
    out = []
    for r, _counts in festival.rows_for(principal):
        away = (turned or {}).get(r["activity_id"]) if turned is not None else None
        out.append(
            {
                "activity_id": r["activity_id"],
                "title": r["title"],
                "kind": r["kind"],
                "venue": r["venue"],
                "hall": r["hall"],
                "hall_en": r["hall_en"],
                "status": r["status"],
                "day": day_of(r["starts_at"]),
                "starts_at": r["starts_at"],
                "ends_at": r["ends_at"],
                "ended": r["ended"],
                "capacity": r["capacity"],
                "registered": r["confirmed"],
                "attended": r["checked_in"] - r["standby_admitted"],  # registrants; walk-ins apart
                "attendance_rate": r["attendance_rate"],  # once ended (figures.py)
                "waitlisted": r["waitlisted"],
                "turned_away": away,
                "waitlist_demand": r["waitlisted"] + away if away is not None else None,
                "no_shows": r["no_shows"],
                "no_show_rate": r["no_show_rate"],
                "to_come": r["to_come"],
                **{k: r[k] for k in ALLOCATION},
            }
        )
    return out


def group(rows: list[dict], key) -> dict:
    """Sums of the figures; a sum is None when one of its terms is unknown. No-shows and the two
    rates are over the group's ended activities only (``figures.over_ended``; None when none has
    ended), as on the dashboards."""
    out = {"key": key, "activities": len(rows)}
    for f in SUMMED + ALLOCATION:
        values = [r[f] for r in rows]
        out[f] = None if any(v is None for v in values) else sum(values)
    closing = figures.over_ended(rows, registered="registered")
    out.update({k: closing[k] for k in ("no_shows", "no_show_rate", "attendance_rate", "to_come")})
    return out


def build(principal) -> dict:
    turned = current_app.extensions["sciday.registration_figures"].turned_away()
    rows = activity_rows(principal, turned)
    live = [r for r in rows if r["status"] != V.CANCELLED]

    def by(field):
        keys = sorted({field(r) for r in live})
        return [group([r for r in live if field(r) == k], k) for k in keys]

    venues = {r["venue"]["id"]: r["venue"] for r in live}
    per_venue = by(lambda r: r["venue"]["id"])
    for v in per_venue:
        v["label"], v["label_en"] = venues[v["key"]]["name"], venues[v["key"]].get("name_en", "")
    return {
        "generated_at": admission.now().astimezone(admission.TZ).isoformat(),
        "waitlist_demand_known": turned is not None,
        "activities": rows,
        "totals": group(live, "all"),
        "by_venue": per_venue,
        "by_kind": by(lambda r: r["kind"]),
        "by_day": by(lambda r: r["day"]),
    }


class _Figures(Schema):
    capacity = fields.Integer()
    registered = fields.Integer(metadata={"description": "confirmed people"})
    attended = fields.Integer(metadata={"description": "people checked in"})
    attendance_rate = fields.Float(
        allow_none=True, metadata={"description": "attended / registered, over the ended activities"}
    )
    waitlisted = fields.Integer()
    turned_away = fields.Integer(
        allow_none=True, metadata={"description": "null: the registration service did not answer"}
    )
    waitlist_demand = fields.Integer(allow_none=True, metadata={"description": "waitlisted + turned_away"})
    no_shows = fields.Integer(
        allow_none=True, metadata={"description": "null until the activity (any in a group) has ended"}
    )
    no_show_rate = fields.Float(allow_none=True, metadata={"description": "no_shows / registered (ended)"})
    to_come = fields.Integer(metadata={"description": "registered and not yet in, at activities not ended"})
    standby_admitted = fields.Integer(metadata={"description": "seats filled from on-site standby"})
    lottery_entries = fields.Integer()
    lottery_winners = fields.Integer()
    lottery_waitlisted = fields.Integer()


class SummaryActivityOut(_Figures):
    activity_id = fields.String()
    title = fields.Dict()
    kind = fields.String()
    venue = fields.Nested(festival.VenueRef)
    hall = fields.String()
    hall_en = fields.String()
    status = fields.String()
    day = fields.String(metadata={"description": "date of the start in the festival's time zone"})
    starts_at = fields.String()
    ends_at = fields.String()
    ended = fields.Boolean()


class SummaryGroupOut(_Figures):
    key = fields.String(metadata={"description": 'venue id, kind, date, or "all"'})
    label = fields.String(metadata={"description": "venue name (by_venue)"})
    label_en = fields.String(metadata={"description": "venue's English name (by_venue); empty when none"})
    activities = fields.Integer()


class SummaryOut(Schema):
    generated_at = fields.String()
    waitlist_demand_known = fields.Boolean()
    activities = fields.List(fields.Nested(SummaryActivityOut))
    totals = fields.Nested(SummaryGroupOut)
    by_venue = fields.List(fields.Nested(SummaryGroupOut))
    by_kind = fields.List(fields.Nested(SummaryGroupOut))
    by_day = fields.List(fields.Nested(SummaryGroupOut))


@blp.route("/summary")
class Summary(MethodView):
    @require("steward", "supervisor", "organizer")
    @blp.response(200, SummaryOut)
    def get(self):
        """The festival summary's figures (staff: their venue's)."""
        return build(g.principal)


@blp.route("/summary.xlsx")
class SummaryWorkbook(MethodView):
    @require("steward", "supervisor", "organizer")
    @blp.response(
        200,
        description="XLSX: sheets per activity, per venue, per kind and per day",
        content_type=spreadsheets.XLSX_TYPE,
    )
    def get(self):
        """The festival summary as a workbook to paste into the 活动总结 report."""
        locale = request_locale()
        data = workbook(build(g.principal), locale)
        stamp = admission.now().astimezone(admission.TZ).strftime("%Y%m%d")
        return spreadsheets.download(
            data, f"{pick(locale, '活动总结', 'summary')}-{stamp}.xlsx", spreadsheets.XLSX_TYPE
        )
