"""The lottery over HTTP: organizers open one and trigger its draw; anyone reads the draw page.

``GET /api/v1/activities/<id>/lottery`` is the public draw page's JSON: before the draw the
commitment and the window; after it, everything ``scripts/verify_draw.py`` needs (seed, entry ids,
party sizes, capacity, order, winners, waitlist) and no personal data.  Entering waits for the
verified-phone flow (lottery.enter is ready for it); the draw at the set time will be run by the
scheduler when the registration service's refactor has landed (this POST does the same step).
"""

from __future__ import annotations

import functools
from datetime import UTC, datetime

from flask import current_app
from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import RAISE, Schema, fields, validate, validates_schema
from marshmallow import ValidationError as MarshmallowValidationError

from services.registration import lottery as lot
from shared.auth import require
from shared.refusal import to_api_error
from shared.web import settings_of

blp = Blueprint(
    "lottery",
    __name__,
    url_prefix="/api/v1/activities/<activity_id>/lottery",
    description="Reason codes: unknown_activity (404), draw_not_due, draw_in_progress (409), "
    "unauthorized (401), forbidden (403), validation_failed (422).",
)
REASONS = {**lot.REASONS, "unknown_activity": (404, "没有这个活动", "No such activity.")}


class LotteryIn(Schema):
    class Meta:
        unknown = RAISE

    opens_at = fields.AwareDateTime(required=True, metadata={"description": "entries open"})
    closes_at = fields.AwareDateTime(required=True, metadata={"description": "entries close"})
    draw_at = fields.AwareDateTime(required=True, metadata={"description": "the draw, at or after closes_at"})
    confirm_hours = fields.Integer(
        load_default=None, allow_none=True, strict=True, validate=validate.Range(min=0, max=168),
        metadata={"description": "winners confirm within N hours (0 = no confirmation)"},
    )  # fmt: skip

    @validates_schema
    def _order(self, data, **_):
        if not data["opens_at"] < data["closes_at"] <= data["draw_at"]:
            raise MarshmallowValidationError("opens_at < closes_at <= draw_at", "draw_at")


class LotteryOut(Schema):
    algorithm = fields.String(required=True)
    activity_id = fields.String(required=True)
    state = fields.String(required=True, metadata={"description": "open | drawing | drawn"})
    commitment = fields.String(required=True, metadata={"description": "SHA-256 of the secret seed"})
    seed = fields.String(metadata={"description": "revealed after the draw"})
    capacity = fields.Integer()
    entries = fields.List(fields.Dict(), metadata={"description": "[{entry_id, party_size}], after the draw"})
    order = fields.List(fields.String())
    winners = fields.List(fields.String())
    waitlist = fields.List(fields.String())
    counts = fields.Dict()
    verify = fields.String()


def store():
    return current_app.extensions["sciday.lotteries"]


def answering_refusals(view):
    @functools.wraps(view)
    def wrapped(*args, **kwargs):
        try:
            return view(*args, **kwargs)
        except lot.LotteryRefusal as exc:
            raise to_api_error(exc, REASONS) from None

    return wrapped


def page(aid: str) -> dict:
    d = store().get_draw(aid)
    if d is not None:
        return {**d.public(), "state": "drawn"}
    commitment = store().commitment(aid)
    if commitment is None:
        raise lot.LotteryRefusal("unknown_activity")
    return {
        "algorithm": lot.ALGORITHM,
        "activity_id": aid,
        "state": store().state(aid),
        "commitment": commitment,
    }


@blp.route("")
class Lottery(MethodView):
    @answering_refusals
    @blp.response(200, LotteryOut())
    @blp.alt_response(404, schema="Error", description="unknown_activity")
    def get(self, activity_id):
        """The public draw page: the commitment; after the draw, the seed and all it takes to verify."""
        return page(activity_id)

    @require("organizer")
    @answering_refusals
    @blp.arguments(LotteryIn())
    @blp.response(201, LotteryOut())
    def post(self, body, activity_id):
        """Allocate this activity's seats by lottery: fixes the secret seed; publish the commitment
        before entries open. Opening again changes the times but never the committed seed."""
        doc = current_app.extensions["sciday.seats"].activity_doc(activity_id, max_age_s=0)
        if doc is None:
            raise lot.LotteryRefusal("unknown_activity")
        hours = body["confirm_hours"]
        lot.open_lottery(
            store(),
            lot.Lottery(
                activity_id,
                int(doc["capacity"]),
                body["opens_at"].timestamp(),
                body["closes_at"].timestamp(),
                body["draw_at"].timestamp(),
                settings_of().lottery_confirm_hours if hours is None else hours,
                int(doc["max_party_size"]),
            ),
        )
        return page(activity_id)


@blp.route("/draw")
class Draw(MethodView):
    @require("organizer")
    @answering_refusals
    @blp.response(200, LotteryOut())
    @blp.alt_response(409, schema="Error", description="draw_not_due | draw_in_progress")
    def post(self, activity_id):
        """Draw now if due (exactly once, whoever calls), then tell every entrant their outcome."""
        if store().commitment(activity_id) is None:
            raise lot.LotteryRefusal("unknown_activity")
        s = settings_of()
        d = lot.draw(store(), activity_id, now=datetime.now(UTC).timestamp(), lease_s=s.lottery_draw_lease_s)
        lot.publish(store(), d, chunk=s.lottery_publish_chunk)
        return page(activity_id)
