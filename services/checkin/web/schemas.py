"""Marshmallow schemas of the check-in API. OpenAPI is generated from these."""

from __future__ import annotations

from marshmallow import RAISE, Schema, fields, validate

from services.checkin.attendance.figures import ClosingOut
from services.checkin.door.admission import canonical_gate
from services.checkin.web.member_schemas import ticks_field
from shared.i18n import LENGTH_BETWEEN, LENGTH_MAX, RANGE_BETWEEN, Keyed, as_rule
from shared.text import no_controls

# Every error of the request schemas is a field-rule key of shared/i18n.py (zh-CN and en).
NO_CONTROLS = as_rule(no_controls, "characters")


class GateName(fields.String):
    """A gate's name, read in its one spelling (``admission.canonical_gate``: ``"G1 "`` is ``g1``);
    its length and characters are checked on that spelling."""

    def _deserialize(self, value, attr, data, **kwargs):
        return canonical_gate(super()._deserialize(value, attr, data, **kwargs))


class CheckinIn(Keyed):
    class Meta:
        unknown = RAISE

    code = fields.String(
        required=True,
        validate=validate.Length(min=1, max=400, error=LENGTH_BETWEEN),
        metadata={"description": "the QR text, SD1.…"},
    )
    gate = GateName(
        required=True,
        validate=[validate.Length(min=1, max=32, error=LENGTH_BETWEEN), NO_CONTROLS],
        metadata={"description": "e.g. 2号门; read case-folded, NFKC, trimmed (G1 is g1)"},
    )
    admit = fields.Integer(
        load_default=None,
        allow_none=True,
        strict=True,
        validate=validate.Range(min=1, max=20, error=RANGE_BETWEEN),
        metadata={"description": "people to admit now; default: the rest of the party"},
    )
    nonce = fields.String(
        load_default=None,
        allow_none=True,
        validate=validate.Length(min=1, max=64, error=LENGTH_BETWEEN),
        metadata={"description": "makes a retried upload safe: the first result is returned"},
    )
    scanned_at = fields.AwareDateTime(
        load_default=None,
        allow_none=True,
        metadata={
            "description": "when an offline scan happened: taken only with online_mark, from that "
            "moment to now plus Settings.door_clock_skew_s; never in the future (bad_scan_time)"
        },
    )
    online_mark = fields.String(
        load_default=None,
        allow_none=True,
        validate=validate.Length(min=1, max=64, error=LENGTH_BETWEEN),
        metadata={"description": "an offline upload: the scanner state's online_mark when it was scanned"},
    )
    id_number = fields.String(
        load_default=None,
        allow_none=True,
        validate=[validate.Length(min=1, max=40, error=LENGTH_BETWEEN), NO_CONTROLS],
        metadata={
            "description": "issue 23: a real-name member's ID card as read (a card reader types it); "
            "hashed and matched to a member, never stored (id_mismatch, id_required)"
        },
    )
    id_hash = fields.String(
        load_default=None,
        allow_none=True,
        validate=[
            validate.Length(equal=32, error=LENGTH_BETWEEN),
            as_rule(validate.Regexp("^[0-9a-f]{32}$"), "invalid"),
        ],
        metadata={"description": "an offline upload: the door hash the scanner made of the card it read"},
    )
    members = ticks_field()  # issue 26: member by member


class LookupIn(Keyed):
    """The steward's manual lookup when the QR cannot be read (issue 17)."""

    class Meta:
        unknown = RAISE

    last4 = fields.String(
        required=True,
        validate=[
            validate.Length(min=4, max=4, error=LENGTH_BETWEEN),
            as_rule(validate.Regexp(r"^[0-9]{3}[0-9Xx]$"), "invalid"),
        ],
        metadata={"description": "the last 4 digits of the phone, or of a member's ID number"},
    )
    name = fields.String(
        required=True,
        validate=[validate.Length(min=1, max=40, error=LENGTH_BETWEEN), NO_CONTROLS],
        metadata={"description": "the registrant's name"},
    )


class LookupMatch(Schema):
    registration_id = fields.String()
    activity_id = fields.String()
    activity_title = fields.Dict()
    hall = fields.String()
    starts_at = fields.String()
    name_masked = fields.String()
    phone_masked = fields.String()
    party_size = fields.Integer()
    members = fields.List(fields.Dict())
    status = fields.String()
    wheelchairs = fields.Integer(metadata={"description": "wheelchair places the party booked (issue 29)"})


class LookupOut(Schema):
    matches = fields.List(fields.Nested(LookupMatch))


class FoundIn(Keyed):
    """Admit a party found by the manual lookup: the same verdicts as a scan."""

    class Meta:
        unknown = RAISE

    activity_id = fields.String(required=True, validate=validate.Length(min=1, max=64, error=LENGTH_BETWEEN))
    registration_id = fields.String(
        required=True, validate=validate.Length(min=1, max=32, error=LENGTH_BETWEEN)
    )
    gate = CheckinIn._declared_fields["gate"]
    admit = CheckinIn._declared_fields["admit"]
    nonce = CheckinIn._declared_fields["nonce"]
    id_number = CheckinIn._declared_fields["id_number"]
    members = ticks_field()


class RegistrationSummary(Schema):
    id = fields.String()
    activity_id = fields.String()
    activity_title = fields.Dict()
    name_masked = fields.String()
    members = fields.List(
        fields.Dict(),
        metadata={"description": "real-name parties: name_masked, id_type, id_masked of each member"},
    )
    party_size = fields.Integer()
    admitted_total = fields.Integer()
    standby_number = fields.Integer(
        metadata={"description": "a called walk-in's standby ticket (issue 15 §3)"}
    )
    wheelchairs = fields.Integer(metadata={"description": "wheelchair places the party booked (issue 29)"})


class CheckinOut(Schema):
    status = fields.String()
    checkin_id = fields.String()
    admitted = fields.Integer()
    remaining = fields.Integer()
    registration = fields.Nested(RegistrationSummary)
    checked_in_at = fields.String()
    gate = fields.String()
    replayed = fields.Boolean(
        metadata={"description": "true when a repeated nonce returned the first result"}
    )
    member = fields.Integer(
        metadata={"description": "issue 23: the place (from 1) of the member whose ID card matched; 0 none"}
    )
    members = fields.List(
        fields.Integer(),
        metadata={"description": "issue 26: the places (from 1) of the members admitted now"},
    )


class GateCount(Schema):
    gate = fields.String()
    checked_in = fields.Integer()


class ArrivalBucket(Schema):
    at = fields.String(metadata={"description": "start of the 5-minute bucket"})
    people = fields.Integer()


class AttendanceFigures(ClosingOut):
    """The figures of one activity, shared by its attendance and by the festival's rows; those
    that count only once it has ended are ``figures.ClosingOut``'s (issue 26)."""

    activity_id = fields.String()
    title = fields.Dict()
    status = fields.String()
    starts_at = fields.String()
    ends_at = fields.String()
    capacity = fields.Integer()
    confirmed = fields.Integer(metadata={"description": "people with a confirmed registration"})
    waitlisted = fields.Integer()
    checked_in = fields.Integer()
    remaining = fields.Integer(metadata={"description": "confirmed people not yet in"})
    denied = fields.Integer()
    # issue 15: allocation beyond first come, first served
    standby_admitted = fields.Integer(metadata={"description": "seats filled from on-site standby (people)"})
    lottery_entries = fields.Integer(metadata={"description": "lottery entries (parties); 0 without a draw"})
    lottery_winners = fields.Integer(metadata={"description": "parties seated by the draw"})
    lottery_waitlisted = fields.Integer(metadata={"description": "parties on the waitlist after the draw"})


class AttendanceOut(AttendanceFigures):
    unseen_tickets = fields.Integer(
        metadata={"description": "admitted on the signature before the event arrived"}
    )
    undone = fields.Integer(metadata={"description": "people whose admission was undone (not in checked_in)"})
    gates = fields.List(fields.Nested(GateCount))
    arrivals = fields.List(fields.Nested(ArrivalBucket))


class GateQuery(Keyed):
    gate = GateName(load_default=None, validate=validate.Length(max=32, error=LENGTH_MAX))


class VerdictOut(Schema):
    """Issue 26: the verdict a scan would get, nobody admitted (POST /api/v1/checkins/verdict)."""

    status = fields.String()
    admitted = fields.Integer(
        metadata={"description": "the people the scan would admit (admit, or the rest)"}
    )
    remaining = fields.Integer(metadata={"description": "people of the party not yet in"})
    admitted_total = fields.Integer(metadata={"description": "people of the party already in, at any gate"})
    party_size = fields.Integer(metadata={"description": "the party now (smaller after a dropped member)"})
    registration = fields.Nested(RegistrationSummary)
