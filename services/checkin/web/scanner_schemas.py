"""The scanner's state (GET /api/v1/scanner/state): what each scanner judges offline from."""

from __future__ import annotations

from marshmallow import Schema, fields


class ScannerActivity(Schema):
    id = fields.String()
    title = fields.Dict()
    venue_id = fields.String(metadata={"description": "the activity's current venue"})
    venue_name = fields.String()
    hall = fields.String()
    hall_en = fields.String()  # issue 26: the English scanner shows it
    status = fields.String()
    opens_at = fields.Integer(metadata={"description": "Unix seconds"})
    closes_at = fields.Integer()
    revoked = fields.List(fields.String())
    reduced = fields.Dict(
        keys=fields.String(),
        values=fields.Integer(),
        metadata={"description": "registration id -> party size, for parties that dropped a member"},
    )
    released = fields.List(
        fields.String(),
        metadata={"description": "registrations whose unscanned seats went to standby (seat_released)"},
    )
    admitted = fields.Dict(
        keys=fields.String(),
        values=fields.Dict(),
        metadata={
            "description": "issue 26: registration id -> {n, at, gate, members}: people in at any gate, "
            "the first admission's time and gate, the member places in on their card"
        },
    )
    door_key = fields.String(
        metadata={"description": "issue 23: this activity's door key (hex), to hash an ID card offline"}
    )
    cards = fields.Dict(
        keys=fields.String(),
        values=fields.List(fields.String()),
        metadata={"description": "registration id -> its members' door hashes ('' for none)"},
    )
    parties = fields.Dict(
        keys=fields.String(),
        values=fields.List(fields.Dict()),
        metadata={
            "description": "issue 26: registration id -> its members, masked (name_masked, id_type, id_masked)"
        },
    )
    wheelchairs = fields.Dict(
        keys=fields.String(),
        values=fields.Integer(),
        metadata={"description": "issue 29: registration id -> its wheelchair places (parties with some)"},
    )


class ElsewhereActivity(Schema):
    id = fields.String()
    title = fields.Dict()
    venue_id = fields.String()
    venue_name = fields.String()


class ScannerStateOut(Schema):
    venue = fields.String(allow_none=True)
    role = fields.String(metadata={"description": "steward, supervisor or organizer"})
    keys = fields.List(fields.Dict())
    activities = fields.List(fields.Nested(ScannerActivity))
    elsewhere = fields.List(
        fields.Nested(ElsewhereActivity),
        metadata={
            "description": "activities of other venues not yet over: a wrong-venue ticket is named offline"
        },
    )
    gate_activities = fields.List(
        fields.String(), allow_none=True, metadata={"description": "this gate's plan; null: every activity"}
    )
    gate_checked_in = fields.Integer()
    id_required = fields.Boolean(
        metadata={"description": "issue 23: real-name members must each show their ID card"}
    )
    server_time = fields.String()
    online_mark = fields.String(metadata={"description": "send with offline scans (scanned_at)"})
