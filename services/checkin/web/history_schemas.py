"""Schemas of a supervisor's search of past admissions and of an undo with a reason (issue 26).
OpenAPI is generated from these."""

from __future__ import annotations

from marshmallow import RAISE, Schema, fields, validate

from services.checkin import vocabulary as V
from services.checkin.web.schemas import NO_CONTROLS, GateName, LookupMatch
from shared.i18n import LENGTH_MAX, Keyed, as_rule


class HistoryQuery(Keyed):
    class Meta:
        unknown = RAISE

    ticket = fields.String(
        load_default="",
        validate=[validate.Length(max=400, error=LENGTH_MAX), NO_CONTROLS],
        metadata={"description": "a ticket code (SD1.…), or the start of a registration or check-in id"},
    )
    last4 = fields.String(
        load_default="",
        validate=as_rule(validate.Regexp(r"^([0-9]{3}[0-9Xx])?$"), "invalid"),
        metadata={"description": "the last 4 digits of the phone, or of a member's ID number"},
    )
    name = fields.String(
        load_default="",
        validate=[validate.Length(max=40, error=LENGTH_MAX), NO_CONTROLS],
        metadata={"description": "the registrant's or a member's name"},
    )
    gate = GateName(load_default="", validate=validate.Length(max=32, error=LENGTH_MAX))
    since = fields.AwareDateTime(load_default=None, format="iso")
    until = fields.AwareDateTime(load_default=None, format="iso")


class UndoIn(Keyed):
    """Why the admission is undone; a bare undo (no body) is the scanner's ``at_scanner``."""

    class Meta:
        unknown = RAISE

    reason = fields.String(
        load_default=V.UNDO_AT_SCANNER,
        validate=validate.OneOf(V.UNDO_REASONS),
        metadata={"description": "one of " + ", ".join(V.UNDO_REASONS) + " (other needs a note)"},
    )
    note = fields.String(load_default="", validate=[validate.Length(max=200, error=LENGTH_MAX), NO_CONTROLS])


class UndoOut(Schema):
    """An undo's answer; the reason and the activity's figure after it came with issue 26."""

    status = fields.String()
    checkin_id = fields.String()
    reverted = fields.Integer()
    admitted_total = fields.Integer()
    registration_id = fields.String()
    checked_in = fields.Integer(metadata={"description": "the activity's people in, after the undo"})
    reason = fields.String(metadata={"description": "why: one of the undo reasons (issue 26)"})


class PastAdmission(LookupMatch):
    """One check-in with its party as the manual lookup shows it (masked), and any undo."""

    checkin_id = fields.String()
    admitted = fields.Integer(metadata={"description": "people this check-in admitted"})
    member = fields.Dict(allow_none=True, metadata={"description": "the member admitted on their card"})
    gate = fields.String()
    at = fields.String()
    staff = fields.String(metadata={"description": "the device or steward that admitted"})
    reverted = fields.Boolean()
    reverted_by = fields.String()
    reverted_at = fields.String()
    undo_reason = fields.String()
    undo_note = fields.String()


class HistoryOut(Schema):
    admissions = fields.List(fields.Nested(PastAdmission))
