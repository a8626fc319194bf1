"""On-site standby over HTTP: the public board, releasing seats, calling numbers, admitting one.

Joining is not here: a walk-in scans the poster's QR, verifies a phone on the registration
service's join page, and registration hands the verified phone over in a signed internal call
(``api_standby_join.py``).
"""

from __future__ import annotations

from datetime import UTC, datetime

from flask import current_app, g
from flask.views import MethodView
from flask_smorest import Blueprint

from services.checkin import vocabulary as V
from services.checkin.door.usecases import Refusal, check_gate
from services.checkin.standby import usecases as sb
from services.checkin.web.edge import staff
from services.checkin.web.standby_schemas import (
    StandbyAdmitIn,
    StandbyBoardOut,
    StandbyCalledOut,
    StandbyCallIn,
    StandbyDeskOut,
    StandbyReleaseOut,
)
from shared.auth import require
from shared.web import settings_of

JOIN_REASONS = (V.STANDBY_NOT_OPEN, V.STANDBY_CLOSED, V.PARTY_TOO_LARGE)
STANDBY_REASONS = (
    *JOIN_REASONS,
    V.UNKNOWN_ACTIVITY,
    V.UNKNOWN_NUMBER,
    V.RELEASE_NOT_DUE,
    V.NOT_CALLED,
    V.ALREADY_CHECKED_IN,
    V.UNAUTHORIZED,
    V.FORBIDDEN,
    V.VALIDATION_FAILED,
)
blp = Blueprint(
    "standby",
    __name__,
    url_prefix="/api/v1/activities/<activity_id>/standby",
    description=V.describe(*STANDBY_REASONS),
)


def port():
    return current_app.extensions["sciday.standby"]


def policy() -> sb.Policy:
    return sb.Policy.from_settings(settings_of())


def now() -> datetime:
    return datetime.now(UTC)


def guard(activity_id: str) -> None:
    """Staff tokens are for one venue: refuse another venue's activity."""
    activity = port().activity(activity_id)
    if activity is None:
        raise sb.Refusal(V.UNKNOWN_ACTIVITY)
    if not g.principal.may_access_venue(activity["venue"]["id"]):
        raise Refusal(V.FORBIDDEN, {"venue_id": activity["venue"]["id"]}, V.OTHER_VENUE)


@blp.route("")
class Board(MethodView):
    @blp.response(200, StandbyBoardOut())
    @blp.alt_response(404, schema="Error", description=V.alternatives(V.UNKNOWN_ACTIVITY))
    def get(self, activity_id):
        """What the door screen shows: numbers called (newest first); no personal data."""
        if port().activity(activity_id) is None:
            raise sb.Refusal(V.UNKNOWN_ACTIVITY)
        return port().board(activity_id)


@blp.route("/release")
class Release(MethodView):
    @require("supervisor", "organizer")
    @blp.response(200, StandbyReleaseOut())
    @blp.alt_response(409, schema="Error", description=V.alternatives(V.RELEASE_NOT_DUE))
    def post(self, activity_id):
        """Release confirmed seats not scanned by the start plus the grace period (once)."""
        guard(activity_id)
        t = now()
        return sb.release(port(), activity_id, now=t.timestamp(), occurred_at=t.isoformat(), policy=policy())


@blp.route("/calls")
class Calls(MethodView):
    @require("steward", "supervisor", "organizer")
    @blp.arguments(StandbyCallIn())
    @blp.response(201, StandbyCalledOut(many=True))
    def post(self, body, activity_id):
        """Call the next waiting numbers in order while seats are free; each is told by SMS."""
        guard(activity_id)
        return sb.call(port(), activity_id, most=body["most"], occurred_at=now().isoformat())


@blp.route("/admissions")
class Admissions(MethodView):
    @require("steward", "supervisor", "organizer")
    @blp.arguments(StandbyAdmitIn())
    @blp.response(201, StandbyCalledOut())
    @blp.alt_response(409, schema="Error", description=V.alternatives(V.NOT_CALLED, V.ALREADY_CHECKED_IN))
    @blp.alt_response(404, schema="Error", description=V.alternatives(V.UNKNOWN_NUMBER))
    def post(self, body, activity_id):
        """Admit a called standby number at a gate (once)."""
        guard(activity_id)
        check_gate(staff(), body["gate"])  # issue 23: a device bound to its gates
        return sb.admit(port(), activity_id, body["number"], gate=body["gate"], at=now().isoformat())


@blp.route("/list")
class WaitingList(MethodView):
    @require("steward", "supervisor", "organizer")
    @blp.response(200, StandbyDeskOut())
    @blp.alt_response(404, schema="Error", description=V.alternatives(V.UNKNOWN_ACTIVITY))
    def get(self, activity_id):
        """The steward's standby page (issue 26): the board and every number in order, masked."""
        guard(activity_id)
        return sb.desk(port(), activity_id)
