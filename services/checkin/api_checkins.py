"""Door verdicts: POST /api/v1/checkins and undo. The rules are in ``usecases.py``."""

from __future__ import annotations

from flask import current_app, g
from flask.views import MethodView
from flask_smorest import Blueprint

from services.checkin import usecases
from services.checkin import vocabulary as V
from services.checkin.edge import staff, store
from services.checkin.schemas import CheckinIn, CheckinOut, UndoOut
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
)
UNDO_REFUSALS = (V.ALREADY_REVERTED,)

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
    ),
)


@blp.route("")
class Checkins(MethodView):
    @require("steward", "supervisor", "organizer")
    @blp.arguments(CheckinIn())  # one instance, not one per request (hot path)
    @blp.response(201, CheckinOut())
    @blp.alt_response(V.http_status(V.INVALID), schema="Error", description=V.INVALID)
    @blp.alt_response(V.http_status(V.REVOKED), schema="Error", description=V.alternatives(*SCAN_REFUSALS))
    def post(self, body):
        """Scan a ticket at a gate. One atomic step: two gates never admit the same people twice."""
        settings, principal = settings_of(), g.principal
        current_app.extensions["sciday.ratelimit"].check(
            [("token", principal.token_hash, settings.rate_limit_token_per_min, 60)]
        )
        scan = usecases.Scan(
            code=body["code"],
            gate=body["gate"],
            admit=body["admit"] or 0,
            nonce=body["nonce"] or "",
            scanned_at=body["scanned_at"],
            online_mark=body["online_mark"] or "",
        )
        s = store()
        return usecases.admit(
            scan,
            staff(),
            tickets=current_app.extensions["sciday.keyring"],
            activities=s.projection,
            door=s,
            marks=current_app.extensions["sciday.online_marks"],
            policy=usecases.TimePolicy(settings.door_clock_skew_s, settings.door_offline_max_s),
        )


@blp.route("/<checkin_id>/undo")
class Undo(MethodView):
    @require("supervisor", "organizer")
    @blp.response(200, UndoOut)
    @blp.alt_response(V.http_status(V.UNKNOWN_CHECKIN), schema="Error", description=V.UNKNOWN_CHECKIN)
    @blp.alt_response(
        V.http_status(V.ALREADY_REVERTED), schema="Error", description=V.alternatives(*UNDO_REFUSALS)
    )
    def post(self, checkin_id):
        """Take back a mistaken check-in (supervisors of the venue, organizers)."""
        return usecases.undo(checkin_id, staff(), door=store())
