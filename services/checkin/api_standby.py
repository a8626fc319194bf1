"""On-site standby over HTTP: the public board, releasing seats, calling numbers, admitting one.

Joining (a walk-in scans the poster's QR and verifies a phone) waits for the verified-phone flow;
the use case (standby.join) is ready for it.
"""

from __future__ import annotations

import functools
from datetime import UTC, datetime

from flask import current_app, g
from flask.views import MethodView
from flask_smorest import Blueprint

from services.checkin import standby as sb
from services.checkin.schemas import (
    StandbyAdmitIn,
    StandbyBoardOut,
    StandbyCalledOut,
    StandbyCallIn,
    StandbyReleaseOut,
)
from shared.auth import require
from shared.errors import ApiError
from shared.i18n import request_locale
from shared.web import settings_of

blp = Blueprint(
    "standby",
    __name__,
    url_prefix="/api/v1/activities/<activity_id>/standby",
    description="Reason codes: unknown_activity, unknown_number (404), release_not_due, not_called, "
    "already_checked_in (409), unauthorized (401), forbidden (403).",
)


def port():
    return current_app.extensions["sciday.standby"]


def policy() -> sb.Policy:
    return sb.Policy.from_settings(settings_of())


def refusal(exc: sb.StandbyRefusal) -> ApiError:
    status, zh, en = sb.REASONS[exc.reason]
    message = en if request_locale() == "en" else zh
    return ApiError(exc.reason, message, status_code=status, extra={"detail": exc.details})


def answering_refusals(view):
    """Turn the core's refusals into the error shape (the edge alone picks HTTP statuses)."""

    @functools.wraps(view)
    def wrapped(*args, **kwargs):
        try:
            return view(*args, **kwargs)
        except sb.StandbyRefusal as exc:
            raise refusal(exc) from None

    return wrapped


def now() -> datetime:
    return datetime.now(UTC)


def guard(activity_id: str) -> None:
    """Staff tokens are for one venue: refuse another venue's activity."""
    activity = port().activity(activity_id)
    if activity is None:
        raise refusal(sb.StandbyRefusal("unknown_activity"))
    if not g.principal.may_access_venue(activity["venue"]["id"]):
        raise ApiError("forbidden", "此令牌不属于该场馆 / This token is for another venue.", status_code=403)


@blp.route("")
class Board(MethodView):
    @blp.response(200, StandbyBoardOut())
    @blp.alt_response(404, schema="Error", description="unknown_activity")
    def get(self, activity_id):
        """What the door screen shows: numbers called (newest first); no personal data."""
        if port().activity(activity_id) is None:
            raise refusal(sb.StandbyRefusal("unknown_activity"))
        return port().board(activity_id)


@blp.route("/release")
class Release(MethodView):
    @require("supervisor", "organizer")
    @answering_refusals
    @blp.response(200, StandbyReleaseOut())
    @blp.alt_response(409, schema="Error", description="release_not_due")
    def post(self, activity_id):
        """Release confirmed seats not scanned by the start plus the grace period (once)."""
        guard(activity_id)
        t = now()
        try:
            return sb.release(
                port(), activity_id, now=t.timestamp(), occurred_at=t.isoformat(), policy=policy()
            )
        except sb.StandbyRefusal as exc:
            raise refusal(exc) from None


@blp.route("/calls")
class Calls(MethodView):
    @require("steward", "supervisor", "organizer")
    @answering_refusals
    @blp.arguments(StandbyCallIn())
    @blp.response(201, StandbyCalledOut(many=True))
    def post(self, body, activity_id):
        """Call the next waiting numbers in order while seats are free; each is told by SMS."""
        guard(activity_id)
        return sb.call(port(), activity_id, most=body["most"], occurred_at=now().isoformat())


@blp.route("/admissions")
class Admissions(MethodView):
    @require("steward", "supervisor", "organizer")
    @answering_refusals
    @blp.arguments(StandbyAdmitIn())
    @blp.response(201, StandbyCalledOut())
    @blp.alt_response(409, schema="Error", description="not_called | already_checked_in")
    def post(self, body, activity_id):
        """Admit a called standby number at a gate (once)."""
        guard(activity_id)
        return sb.admit(port(), activity_id, body["number"], gate=body["gate"], at=now().isoformat())
