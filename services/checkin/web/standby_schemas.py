"""Marshmallow schemas of the on-site standby API (issue 15): the board, calling, admitting by
number, joining from registration's page. OpenAPI is generated from these."""

from __future__ import annotations

from marshmallow import RAISE, Schema, fields, validate

from services.checkin.web.schemas import GateName
from shared.phone_field import CanonicalPhone
from shared.text import no_controls
from shared.words import LOCALES


class StandbyCallIn(Schema):
    class Meta:
        unknown = RAISE

    most = fields.Integer(
        load_default=0, strict=True, validate=validate.Range(min=0, max=500),
        metadata={"description": "numbers to call at most; 0 = as many as the free seats take"},
    )  # fmt: skip


class StandbyAdmitIn(Schema):
    class Meta:
        unknown = RAISE

    number = fields.Integer(required=True, strict=True, validate=validate.Range(min=1))
    gate = GateName(required=True, validate=[validate.Length(min=1, max=32), no_controls])


class StandbyCalledOut(Schema):
    number = fields.Integer(required=True)
    party_size = fields.Integer(required=True)


class StandbyBoardOut(Schema):
    called = fields.List(fields.Integer(), required=True, metadata={"description": "newest first"})
    waiting = fields.Integer(required=True)
    seats_free = fields.Integer(required=True)
    released = fields.Integer(required=True)
    admitted = fields.Integer(required=True)
    handed_back = fields.Integer(
        metadata={
            "description": "seats handed back by registrants, kept from booking (issue 27): in the pool once released"
        }
    )


class StandbyEntryOut(Schema):
    number = fields.Integer(required=True)
    party_size = fields.Integer(required=True)
    phone_masked = fields.String(metadata={"description": "138****5678"})
    status = fields.String(required=True, metadata={"description": "waiting | called | admitted"})
    joined_at = fields.Float(metadata={"description": "Unix seconds"})
    called_at = fields.String()
    admitted_at = fields.String()
    gate = fields.String()


class StandbyDeskOut(StandbyBoardOut):
    entries = fields.List(fields.Nested(StandbyEntryOut), required=True)


class StandbyReleaseOut(Schema):
    released = fields.Integer(required=True)
    handed_back = fields.Integer(
        metadata={"description": "seats handed back that joined the pool too (issue 27)"}
    )
    registrations = fields.Integer(required=True)
    replayed = fields.Boolean(required=True)


class StandbyJoinIn(Schema):
    class Meta:
        unknown = RAISE

    phone = CanonicalPhone(required=True)
    phone_sealed = fields.String(
        required=True, validate=validate.Regexp(r"^SX1\.notify\.[0-9]+\.[A-Za-z0-9_-]+$")
    )
    party_size = fields.Integer(required=True, strict=True, validate=validate.Range(min=1, max=20))
    locale = fields.String(load_default="zh-CN", validate=validate.OneOf(LOCALES))


class StandbyPlaceIn(Schema):
    class Meta:
        unknown = RAISE

    phone = StandbyJoinIn._declared_fields["phone"]


class StandbyNumberOut(Schema):
    number = fields.Integer(required=True)
    replayed = fields.Boolean(required=True, metadata={"description": "this phone had joined before"})
