"""Door verdicts: POST /api/v1/checkins and undo. The rules are in ``usecases.py``."""

from __future__ import annotations

from flask import current_app, g
from flask.views import MethodView
from flask_smorest import Blueprint

from services.checkin import vocabulary as V
from services.checkin.door import lookup, read_ahead, usecases
from services.checkin.web.edge import staff, store
from services.checkin.web.history_schemas import UndoIn, UndoOut
from services.checkin.web.member_schemas import ticks_of
from services.checkin.web.schemas import (
    CheckinIn,
    CheckinOut,
    FoundIn,
    LookupIn,
    LookupOut,
    VerdictOut,
)
from shared.auth import require
from shared.web import settings_of

SCAN_REFUSALS = (
    V.REVOKED,
    V.ALREADY_CHECKED_IN,
    V.SEAT_RELEASED,
    V.WRONG_VENUE,
    V.WRONG_GATE,
    V.INVALID_TIME,
    V.BAD_SCAN_TIME,
    V.ACTIVITY_CANCELLED,
    V.NOT_CALLED,  # a standby ticket (SB1.) of a number not called yet (issue 15 §3)
    V.ID_MISMATCH,  # issue 23: the card read is no member's of the party
    V.ID_REQUIRED,  # issue 23: a real-name member must show their card
)
UNDO_REFUSALS = (V.ALREADY_REVERTED,)  # and undo_note_required (422): "other" needs a note

blp = Blueprint(
    "checkins",
    __name__,
    url_prefix="/api/v1/checkins",
    description=V.describe(
        V.INVALID,
        *SCAN_REFUSALS,
        V.UNAUTHORIZED,
        V.FORBIDDEN,
        V.RATE_LIMITED,
        V.VALIDATION_FAILED,
        V.UNKNOWN_CHECKIN,
        *UNDO_REFUSALS,
        V.UNDO_NOTE_REQUIRED,
        V.UNKNOWN_REGISTRATION,
        V.UNKNOWN_NUMBER,
        V.GATE_NOT_ALLOWED,
    ),
)


def _count_request() -> None:
    """Scans and lookups count against the token's rate limit."""
    settings, principal = settings_of(), g.principal
    current_app.extensions["sciday.ratelimit"].check(
        [("token", principal.token_hash, settings.rate_limit_token_per_min, 60)]
    )


@blp.route("")
class Checkins(MethodView):
    @require("steward", "supervisor", "organizer", read_ahead=read_ahead.scan)  # one round trip
    @blp.arguments(CheckinIn())  # one instance, not one per request (hot path)
    @blp.response(201, CheckinOut())
    @blp.alt_response(V.http_status(V.INVALID), schema="Error", description=V.INVALID)
    @blp.alt_response(V.http_status(V.REVOKED), schema="Error", description=V.alternatives(*SCAN_REFUSALS))
    @blp.alt_response(V.http_status(V.UNKNOWN_NUMBER), schema="Error", description=V.UNKNOWN_NUMBER)
    @blp.alt_response(V.http_status(V.GATE_NOT_ALLOWED), schema="Error", description=V.GATE_NOT_ALLOWED)
    def post(self, body):
        """Scan a ticket at a gate (a registration's ``SD1.`` or a called walk-in's standby ``SB1.``). One atomic step: two gates never admit the same people twice."""
        return _scan(body, peek=False)


def _scan(body: dict, *, peek: bool) -> dict:
    """A scan judged by the door's rules: admitted, or (``peek``) only judged."""
    _count_request()
    settings = settings_of()
    scan = usecases.Scan(
        code=body["code"],
        gate=body["gate"],
        admit=body["admit"] or 0,
        nonce=body["nonce"] or "",
        scanned_at=body["scanned_at"],
        online_mark=body["online_mark"] or "",
        id_number=body["id_number"] or "",
        id_hash=body["id_hash"] or "",
        members=ticks_of(body),
        peek=peek,
    )
    return usecases.admit(
        scan,
        staff(),
        tickets=current_app.extensions["sciday.keyring"],
        activities=read_ahead.activities(),  # the projection, read with the token
        door=store(),
        marks=current_app.extensions["sciday.online_marks"],
        policy=usecases.TimePolicy.from_settings(settings),
        cards=current_app.extensions["sciday.door_cards"],
    )


@blp.route("/verdict")
class Verdict(MethodView):
    @require("steward", "supervisor", "organizer", read_ahead=read_ahead.scan)
    @blp.arguments(CheckinIn())
    @blp.response(200, VerdictOut())
    @blp.alt_response(V.http_status(V.INVALID), schema="Error", description=V.INVALID)
    @blp.alt_response(V.http_status(V.REVOKED), schema="Error", description=V.alternatives(*SCAN_REFUSALS))
    @blp.alt_response(V.http_status(V.GATE_NOT_ALLOWED), schema="Error", description=V.GATE_NOT_ALLOWED)
    def post(self, body):
        """The verdict a scan would get, nobody admitted (issue 26): the scanner asks before it shows a
        count, so a ticket that will be refused is refused at once and a party partly in is offered
        only the rest. The same rules and atomic step as a scan; a refusal is recorded as a scan's."""
        return _scan(body, peek=True)


@blp.route("/<checkin_id>/undo")
class Undo(MethodView):
    @require("supervisor", "organizer")
    @blp.arguments(UndoIn(), required=False)
    @blp.response(200, UndoOut)
    @blp.alt_response(V.http_status(V.UNKNOWN_CHECKIN), schema="Error", description=V.UNKNOWN_CHECKIN)
    @blp.alt_response(
        V.http_status(V.ALREADY_REVERTED), schema="Error", description=V.alternatives(*UNDO_REFUSALS)
    )
    @blp.alt_response(V.http_status(V.UNDO_NOTE_REQUIRED), schema="Error", description=V.UNDO_NOTE_REQUIRED)
    def post(self, body, checkin_id):
        """Take back a check-in made at any gate or device of the venue (supervisors of the venue,
        organizers), with a reason (issue 26): counted, recorded and audited in the same step."""
        body = body or {}
        return usecases.undo(
            checkin_id,
            staff(),
            door=store(),
            reason=body.get("reason") or V.UNDO_AT_SCANNER,
            note=body.get("note") or "",
        )


@blp.route("/lookup")
class Lookup(MethodView):
    @require("steward", "supervisor", "organizer")
    @blp.arguments(LookupIn())
    @blp.response(200, LookupOut)
    def post(self, body):
        """When the QR cannot be read: the parties of this venue's recent activities whose phone (or
        a member's ID) ends in ``last4`` and whose registrant is ``name``. Masked values only."""
        _count_request()
        query = lookup.Lookup(body["last4"], body["name"])
        return {"matches": lookup.find(query, staff(), directory=store().projection)}


@blp.route("/found")
class Found(MethodView):
    @require("steward", "supervisor", "organizer")
    @blp.arguments(FoundIn())
    @blp.response(201, CheckinOut())
    @blp.alt_response(
        V.http_status(V.UNKNOWN_REGISTRATION), schema="Error", description=V.UNKNOWN_REGISTRATION
    )
    @blp.alt_response(V.http_status(V.REVOKED), schema="Error", description=V.alternatives(*SCAN_REFUSALS))
    def post(self, body):
        """Admit a party found by the lookup: the same rules and atomic step as a scan of its ticket."""
        return _found(body, peek=False)


def _found(body: dict, *, peek: bool) -> dict:
    """A party found by the lookup, judged as a scan of its ticket: admitted, or (``peek``) only judged."""
    _count_request()
    scan = usecases.Scan(
        code="",
        gate=body["gate"],
        admit=body["admit"] or 0,
        nonce=body["nonce"] or "",
        id_number=body["id_number"] or "",
        members=ticks_of(body),
        peek=peek,
    )
    s = store()
    return lookup.admit_found(
        body["activity_id"],
        body["registration_id"],
        scan,
        staff(),
        activities=s.projection,
        door=s,
        cards=current_app.extensions["sciday.door_cards"],
        policy=usecases.TimePolicy.from_settings(settings_of()),
    )


@blp.route("/found/verdict")
class FoundVerdict(MethodView):
    @require("steward", "supervisor", "organizer")
    @blp.arguments(FoundIn())
    @blp.response(200, VerdictOut())
    @blp.alt_response(
        V.http_status(V.UNKNOWN_REGISTRATION), schema="Error", description=V.UNKNOWN_REGISTRATION
    )
    @blp.alt_response(V.http_status(V.REVOKED), schema="Error", description=V.alternatives(*SCAN_REFUSALS))
    def post(self, body):
        """The verdict admitting a party found by the lookup would get, nobody admitted (issue 26)."""
        return _found(body, peek=True)
