"""A group's booking over HTTP (issue 29): the roster's preview, and the booking.

``POST /api/v1/activities/<id>/groups/roster``: the roster (multipart ``file``, .csv or .xlsx)
checked row by row, answered with each row masked, or ``roster_invalid`` with the errors by
spreadsheet row (``errors.rows["7"].id_number``), in the request's language; nothing is kept.
``POST /api/v1/activities/<id>/groups``: the lead teacher's form and the roster booked as ONE
registration of the channel ``group`` (groups/booking.py), with the same verified phone as any
registration (bearer token or the page cookie).  The public registration route never takes a
channel: only this route sets it, and the sold-out gate (seats/soldout_gate.py) never sees it.
"""

from __future__ import annotations

from typing import Any

from flask import request
from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import EXCLUDE, Schema, ValidationError, fields, validate

from services.registration import vocabulary as v
from services.registration.access import api as api_verification
from services.registration.bootstrap import ports
from services.registration.groups import booking, roster
from services.registration.seats import registrations
from services.registration.seats.api import REGISTER_REFUSALS, idempotency_digest
from services.registration.web.edge import documented, reasons_text
from services.registration.web.registration_schemas import RegistrationCreatedOut
from shared import spreadsheets
from shared.errors import PAYLOAD_TOO_LARGE
from shared.i18n import request_locale
from shared.web import accepts_files, settings_of

ROSTER_REFUSALS = (
    v.ROSTER_INVALID,
    v.INVALID_SPREADSHEET,
    v.SPREADSHEET_TOO_LARGE,
    v.UNKNOWN_ACTIVITY,
    v.PHONE_NOT_VERIFIED,
    v.CROSS_SITE_REQUEST,
    PAYLOAD_TOO_LARGE,
)
GROUP_REFUSALS = (*ROSTER_REFUSALS[:3], v.GROUP_QUOTA_FULL, *REGISTER_REFUSALS, PAYLOAD_TOO_LARGE)
blp = Blueprint(
    "groups",
    __name__,
    url_prefix="/api/v1/activities",
    description="Group bookings (schools, institutes; issue 29). " + reasons_text(*GROUP_REFUSALS),
)
FILE = {"file": {"type": "string", "format": "binary", "description": "the roster: .csv or .xlsx"}}


class GroupLeadIn(Schema):
    """The lead teacher's form fields (multipart, beside the roster ``file``)."""

    class Meta:
        unknown = EXCLUDE  # the file and the CSRF field come in the same form

    name = fields.String(required=True, validate=validate.Length(min=1, max=40))
    organization = fields.String(required=True, validate=validate.Length(min=1, max=80))
    email = fields.Email(load_default=None, allow_none=True)
    id_type = fields.String(load_default=None, validate=validate.Length(max=30))
    id_number = fields.String(load_default=None, validate=validate.Length(max=40))
    nationality = fields.String(load_default=None, validate=validate.Length(max=3))
    consent = fields.Boolean(load_default=None, truthy={"1", "true", "on"}, falsy={"0", "false"})
    locale = fields.String(load_default=None)


def _body(schema: type[Schema], required: list[str]) -> dict[str, Any]:
    props = {name: {"type": "string"} for name in schema().fields}
    return {
        "required": True,
        "content": {
            "multipart/form-data": {
                "schema": {"type": "object", "required": required, "properties": {**props, **FILE}}
            }
        },
    }


def uploaded_roster() -> roster.Roster:
    """The request's roster file, read within the import's limits, at most the group limit less
    the lead: ``invalid_spreadsheet``, ``spreadsheet_too_large`` or ``roster_invalid``."""
    settings = settings_of()
    request.max_content_length = settings.import_max_upload_bytes
    upload = request.files.get("file")
    if upload is None or not upload.filename:
        raise v.Refusal(v.INVALID_SPREADSHEET, {"rules": {"file": [v.ROSTER_EMPTY]}})
    limits = spreadsheets.Limits.of(settings)
    try:
        return roster.read(upload.filename, upload.read(), settings.group_size_limit - 1, limits)
    except spreadsheets.SheetTooLarge as exc:
        raise v.Refusal(v.SPREADSHEET_TOO_LARGE, {"errors": {"file": [_said(exc)]}}) from None
    except spreadsheets.UnreadableSheet as exc:
        raise v.Refusal(v.INVALID_SPREADSHEET, {"errors": {"file": [_said(exc)]}}) from None


def _said(exc: spreadsheets.UnreadableSheet) -> str:
    return exc.en if request_locale() == "en" else exc.zh


def verified() -> str:
    phone = api_verification.verified_phone()
    if phone is None:
        raise v.Refusal(v.PHONE_NOT_VERIFIED)
    return phone


@blp.route("/<activity_id>/groups/roster")
@accepts_files
class GroupRoster(MethodView):
    @blp.doc(requestBody=_body(Schema, ["file"]))
    @documented(blp, *ROSTER_REFUSALS)
    def post(self, activity_id):
        """Check a roster before booking: each row masked (``row``, ``name_masked``, ``id_masked``,
        ``child``), or ``roster_invalid`` with the errors by spreadsheet row. Nothing is kept."""
        verified()
        rows = booking.check(ports(), activity_id, uploaded_roster())
        return {"status": "ok", "party_size": len(rows) + 1, "rows": rows}


@blp.route("/<activity_id>/groups")
@accepts_files
class GroupCreate(MethodView):
    @blp.doc(requestBody=_body(GroupLeadIn, ["file", "name", "organization"]))
    @blp.response(201, RegistrationCreatedOut())
    @documented(blp, *GROUP_REFUSALS)
    def post(self, activity_id):
        """Book a group: the lead teacher (``name``, ``organization``; on a real-name activity the
        teacher's ``id_type`` and ``id_number``) and the roster ``file``, as ONE registration whose
        seats come from the activity's group quota. The roster's errors are said by spreadsheet
        row (``errors.rows``), the teacher's as ``errors.lead``."""
        try:
            lead = GroupLeadIn().load({k: x for k, x in request.form.items() if x.strip()})  # "" is not given
        except ValidationError as err:
            raise v.Refusal(v.VALIDATION_FAILED, {"errors": err.messages}) from None
        reg = booking.book(
            ports(),
            activity_id,
            lead,
            uploaded_roster(),
            idem=idempotency_digest(),
            locale=request_locale(lead.get("locale")),
            client_address=request.remote_addr or "-",
            session_ref=api_verification.session_ref(),
        )
        return registrations.created_view(reg, ports().base_url)
