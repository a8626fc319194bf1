"""The no-show record for organizers: a holder's standing, and forgiving a mark with a note."""

from __future__ import annotations

from datetime import UTC, datetime

from flask import current_app, g
from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import RAISE, Schema, ValidationError, fields, validate, validates_schema

from services.registration import vocabulary as v
from services.registration.access import verification
from services.registration.access.identity import ID_TYPES
from services.registration.bootstrap import ports
from services.registration.noshow import lookup
from services.registration.noshow import record as noshow
from services.registration.web.edge import documented, reasons_text
from shared.auth import require
from shared.i18n import ONE_OF, rule
from shared.web import settings_of

FORGIVE_REFUSALS = (v.UNKNOWN_MARK, v.NOTE_REQUIRED, v.VALIDATION_FAILED)
LOOKUP_REFUSALS = (v.PHONE_INVALID, v.ID_INVALID, v.VALIDATION_FAILED)
blp = Blueprint(
    "noshow",
    __name__,
    url_prefix="/api/v1/noshow",
    description=reasons_text(*FORGIVE_REFUSALS, v.PHONE_INVALID, v.ID_INVALID),
)


class ForgiveIn(Schema):
    class Meta:
        unknown = RAISE

    note = fields.String(required=True, validate=validate.Length(max=500))


class StandingOut(Schema):
    holder = fields.String(required=True)
    marks = fields.List(fields.Dict(), required=True)
    counting = fields.Integer(required=True, metadata={"description": "marks inside the window"})
    locked_until = fields.Float(allow_none=True, metadata={"description": "Unix seconds, if locked now"})


class LookupIn(Schema):
    """A phone, or an ID document (issue 26): ``id_type`` and ``id_number``."""

    class Meta:
        unknown = RAISE

    phone = fields.String(validate=validate.Length(max=20))
    id_type = fields.String(validate=validate.OneOf(ID_TYPES, error=ONE_OF))
    id_number = fields.String(
        validate=validate.Length(max=40), metadata={"description": "hashed, never kept"}
    )

    @validates_schema
    def _one(self, data, **_):
        if "id_number" in data and "id_type" not in data:
            raise ValidationError(rule("required"), "id_type")
        if "id_number" not in data and "phone" not in data:
            raise ValidationError(rule("required"), "phone")


class LookupOut(Schema):
    marks = fields.List(
        fields.Dict(), required=True, metadata={"description": "each with activity_title and holder_kind"}
    )
    counting = fields.Integer(required=True, metadata={"description": "most marks counting for one holder"})
    locked_until = fields.Float(allow_none=True, metadata={"description": "Unix seconds, if locked now"})
    marks_to_lock = fields.Integer()
    window_days = fields.Integer()


class ForgivenessLogOut(Schema):
    entries = fields.List(
        fields.Dict(),
        required=True,
        metadata={"description": "newest first: mark_id, by, note, at, activity_id, activity_title, cause"},
    )


def record():
    return current_app.extensions["sciday.noshow"]


def policy() -> noshow.Policy:
    return noshow.Policy.from_settings(settings_of())


@blp.route("/holders/<holder>")
class Standing(MethodView):
    @require("organizer")
    @blp.response(200, StandingOut())
    def get(self, holder):
        """A holder's marks (``phone:<hash>`` or ``id:<hash>``) and the lock's end, if locked now."""
        return noshow.standing(record(), holder, now=datetime.now(UTC).timestamp(), policy=policy())


@blp.route("/marks/<mark_id>/forgiveness")
class Forgiveness(MethodView):
    @require("organizer")
    @blp.arguments(ForgiveIn())
    @blp.response(201, StandingOut())
    @documented(blp, *FORGIVE_REFUSALS)
    def post(self, body, mark_id):
        """Forgive one mark; the note and the organizer's name go to the audit log."""
        now = datetime.now(UTC).timestamp()
        noshow.forgive(record(), mark_id, by=g.principal.name, note=body["note"], now=now)
        return noshow.standing(record(), record().holder_of(mark_id), now=now, policy=policy())


@blp.route("/lookups")
class Lookup(MethodView):
    @require("organizer")
    @blp.arguments(LookupIn())
    @blp.response(200, LookupOut())
    @documented(blp, *LOOKUP_REFUSALS)
    def post(self, body):
        """A phone's record with the marks of the IDs it booked, or one ID document's record, for
        an organizer who was told the number (in the body, never a URL: it stays out of access
        logs). The record is kept under keyed hashes only; the number is hashed here and dropped."""
        secret = current_app.extensions["sciday.hmac"]
        if "id_number" in body:
            holders = [lookup.id_holder(secret, body["id_type"], body["id_number"])]
        else:
            holders = lookup.phone_holders(ports(), secret, verification.canonical_phone(body["phone"]))
        return lookup.looked_up(ports(), record(), holders, now=datetime.now(UTC).timestamp())


@blp.route("/forgiveness")
class ForgivenessLog(MethodView):
    @require("organizer")
    @blp.response(200, ForgivenessLogOut())
    def get(self):
        """The forgiveness log (issue 26): who forgave which mark, when and why, newest first."""
        count = settings_of().noshow_forgiveness_log_max
        return {"entries": lookup.forgiveness_log(ports(), record(), count)}
