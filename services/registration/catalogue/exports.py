"""Registrations of one activity as CSV or XLSX: ``GET /api/v1/activities/<id>/registrations.csv|.xlsx``.

Organizers get phone numbers, names and emails in full. Stewards and supervisors of the
activity's venue get them masked (138****5678, 张*, a***@example.com), as the door shows them.
Headers and labels are Chinese, English with ``?lang=en``.

The admitted column (入场人数) is the check-in service's figure, asked server-side with the
caller's own token (``GET /api/v1/activities/<id>/admissions`` on ``checkin_url``, short timeout).
If it does not answer, the column is left empty and the XLSX title rows say why.
"""

from __future__ import annotations

from urllib.parse import quote

import requests
from flask import current_app, g, request
from flask.views import MethodView
from flask_smorest import Blueprint

from services.registration import vocabulary as v
from services.registration.bootstrap import ports, store
from services.registration.catalogue import activities
from services.registration.seats import publishing
from services.registration.web.edge import documented, reasons_text
from shared import spreadsheets
from shared.auth import require
from shared.errors import FORBIDDEN, UNAUTHORIZED
from shared.i18n import request_locale
from shared.masking import mask_name, mask_phone
from shared.msgid import N_, text
from shared.refusal import Refusal
from shared.web import settings_of

# issue 26: said in the request's language (once "此令牌不属于该场馆 / This token is for another
# venue." in one string); the Chinese is in the registration service's catalogue.
OTHER_VENUE = N_("This token is for another venue.")

blp = Blueprint(
    "exports",
    __name__,
    url_prefix="/api/v1/activities",
    description="Exports. " + reasons_text(v.UNKNOWN_ACTIVITY, UNAUTHORIZED, FORBIDDEN),
)

COLUMNS = (  # (key, Chinese header, English header)
    ("registration_id", "报名编号", "Registration"),
    ("status", "状态", "Status"),
    ("name", "姓名", "Name"),
    ("phone", "手机号", "Phone"),
    ("email", "邮箱", "Email"),
    ("organization", "工作单位", "Organization"),
    ("party_size", "人数", "Party size"),
    ("admitted", "入场人数", "Admitted"),
    ("locale", "语言", "Language"),
    ("created_at", "报名时间", "Registered at"),
    ("cancelled_at", "取消时间", "Cancelled at"),
)


def mask_email(email: str | None) -> str:
    if not email or "@" not in email:
        return email or ""
    local, _, domain = email.partition("@")
    return f"{local[:1]}***@{domain}"


def local_time(value: str | None) -> str:
    return activities.parse(value).astimezone(activities.TZ).strftime("%Y-%m-%d %H:%M:%S") if value else ""


ADMITTED_UNKNOWN = (
    "入场人数未知：检票服务未响应。",
    "Admitted unknown: the check-in service did not answer.",
)
ADMISSIONS_TIMEOUT_S = 2.0


class CheckinAdmissions:
    """People admitted per registration, from the check-in service."""

    def __init__(self, base_url: str, timeout_s: float = ADMISSIONS_TIMEOUT_S):
        self.base_url, self.timeout_s = base_url.rstrip("/"), timeout_s

    def admitted(self, activity_id: str, authorization: str) -> dict[str, int] | None:
        try:
            resp = requests.get(
                f"{self.base_url}/api/v1/activities/{quote(activity_id)}/admissions",
                headers={"Authorization": authorization},
                timeout=self.timeout_s,
            )
            if resp.status_code == 404:  # the projection has not seen the activity: nobody admitted
                return {}
            resp.raise_for_status()
            return {str(k): int(v) for k, v in resp.json()["admitted"].items()}
        except (requests.RequestException, ValueError, KeyError, TypeError, AttributeError):
            return None


def admissions() -> CheckinAdmissions:
    """The adapter, made on first use; tests put their own under the same name."""
    return current_app.extensions.setdefault(
        "sciday.admissions", CheckinAdmissions(settings_of().checkin_url)
    )


def rows_of(aid: str, full: bool, locale: str, admitted: dict | None = None) -> list[list]:
    rows = []
    for reg in sorted(
        store().registrations(aid), key=lambda r: (r.get("created_at") or "", r["registration_id"])
    ):
        rows.append(
            [
                reg["registration_id"],
                v.status_text(reg["status"], locale),
                reg["name"] if full else mask_name(reg["name"]),
                reg["phone"] if full else mask_phone(reg["phone"]),
                (reg.get("email") or "") if full else mask_email(reg.get("email")),
                reg.get("organization") or "",
                reg["party_size"],
                "" if admitted is None else admitted.get(reg["registration_id"], 0),
                reg.get("locale", ""),
                local_time(reg.get("created_at")),
                local_time(reg.get("cancelled_at")),
            ]
        )
    return rows


def export(activity_id: str, fmt: str):
    doc, _counts = publishing.activity(ports(), activity_id)
    if not g.principal.may_access_venue(doc["venue"]["id"]):
        raise Refusal(FORBIDDEN, message=text(OTHER_VENUE, request_locale(), v.CATALOGUE))
    locale = request_locale()
    headers = [en if locale == "en" else zh for _, zh, en in COLUMNS]
    admitted = admissions().admitted(activity_id, request.headers.get("Authorization", ""))
    rows = rows_of(activity_id, g.principal.role == "organizer", locale, admitted)
    name = f"{activity_id}-registrations.{fmt}"
    if fmt == "csv":
        return spreadsheets.download(spreadsheets.csv_bytes(headers, rows), name, spreadsheets.CSV_TYPE)
    title = (doc["title"].get("en") if locale == "en" else None) or doc["title"]["zh"]
    sheet = spreadsheets.Sheet(
        "报名" if locale != "en" else "Registrations",
        headers,
        rows,
        notes=[
            f"{title} · {spreadsheets.readable_span(doc['starts_at'], doc['ends_at'], locale, activities.TZ)}"
        ]
        + ([ADMITTED_UNKNOWN[1] if locale == "en" else ADMITTED_UNKNOWN[0]] if admitted is None else []),
    )
    return spreadsheets.download(spreadsheets.xlsx_bytes([sheet]), name, spreadsheets.XLSX_TYPE)


@blp.route("/<activity_id>/registrations.csv")
class RegistrationCsv(MethodView):
    @require("steward", "supervisor", "organizer")
    @blp.response(200, description="CSV, UTF-8 with a byte-order mark", content_type="text/csv")
    @documented(blp, v.UNKNOWN_ACTIVITY, UNAUTHORIZED, FORBIDDEN)  # forbidden: another venue's token
    def get(self, activity_id):
        """Every registration of the activity, waitlisted and cancelled ones included, as CSV."""
        return export(activity_id, "csv")


@blp.route("/<activity_id>/registrations.xlsx")
class RegistrationXlsx(MethodView):
    @require("steward", "supervisor", "organizer")
    @blp.response(200, description="XLSX", content_type=spreadsheets.XLSX_TYPE)
    @documented(blp, v.UNKNOWN_ACTIVITY, UNAUTHORIZED, FORBIDDEN)  # forbidden: another venue's token
    def get(self, activity_id):
        """Every registration of the activity, waitlisted and cancelled ones included, as XLSX."""
        return export(activity_id, "xlsx")
