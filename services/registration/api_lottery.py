"""The lottery over HTTP: organizers open one and trigger its draw; anyone reads the draw page.

``GET /api/v1/activities/<id>/lottery`` is the public draw page's JSON: before the draw the
commitment and the window; after it, everything ``scripts/verify_draw.py`` needs (seed, entry ids,
party sizes, capacity, order, winners, waitlist) and no personal data.  Entering does not use fair
access's verified session yet (lottery.enter is ready for it; docs/lottery.md); the draw at the set time will be run by the
scheduler when the registration service's refactor has landed (this POST does the same step).
"""

from __future__ import annotations

import secrets
from datetime import UTC, datetime

from flask import current_app
from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import RAISE, Schema, fields, validate, validates_schema
from marshmallow import ValidationError as MarshmallowValidationError

from services.registration import lottery as lot
from services.registration import noshow
from services.registration import vocabulary as v
from services.registration.edge import documented, reasons_text
from shared.auth import require
from shared.web import settings_of

OPEN_REFUSALS = (v.UNKNOWN_ACTIVITY, v.VALIDATION_FAILED)
DRAW_REFUSALS = (v.UNKNOWN_ACTIVITY, v.DRAW_NOT_DUE, v.DRAW_IN_PROGRESS)
ENTER_REFUSALS = (
    v.UNKNOWN_ACTIVITY,
    v.LOTTERY_NOT_OPEN,
    v.LOTTERY_CLOSED,
    v.ALREADY_ENTERED,
    v.PARTY_TOO_LARGE,
    v.NOSHOW_LOCKED,
    v.VALIDATION_FAILED,
)
CONFIRM_REFUSALS = (v.UNKNOWN_ENTRY, v.UNAUTHORIZED, v.NOT_A_WINNER, v.CONFIRM_EXPIRED)
blp = Blueprint(
    "lottery",
    __name__,
    url_prefix="/api/v1/activities/<activity_id>/lottery",
    description=reasons_text(
        *dict.fromkeys(OPEN_REFUSALS + DRAW_REFUSALS + ENTER_REFUSALS + CONFIRM_REFUSALS)
    ),
)


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


def page(aid: str) -> dict:
    d = store().get_draw(aid)
    if d is not None:
        return {**d.public(), "state": "drawn"}
    commitment = store().commitment(aid)
    if commitment is None:
        raise lot.LotteryRefusal(v.UNKNOWN_ACTIVITY)
    return {
        "algorithm": lot.ALGORITHM,
        "activity_id": aid,
        "state": store().state(aid),
        "commitment": commitment,
    }


@blp.route("")
class Lottery(MethodView):
    @blp.response(200, LotteryOut())
    @documented(blp, v.UNKNOWN_ACTIVITY)
    def get(self, activity_id):
        """The public draw page: the commitment; after the draw, the seed and all it takes to verify."""
        return page(activity_id)

    @require("organizer")
    @blp.arguments(LotteryIn())
    @blp.response(201, LotteryOut())
    @documented(blp, *OPEN_REFUSALS)
    def post(self, body, activity_id):
        """Allocate this activity's seats by lottery: fixes the secret seed; publish the commitment
        before entries open. Opening again changes the times but never the committed seed."""
        doc = current_app.extensions["sciday.seats"].activity_doc(activity_id, max_age_s=0)
        if doc is None:
            raise lot.LotteryRefusal(v.UNKNOWN_ACTIVITY)
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
    @blp.response(200, LotteryOut())
    @documented(blp, *DRAW_REFUSALS)
    def post(self, activity_id):
        """Draw now if due (exactly once, whoever calls), then tell every entrant their outcome."""
        if store().commitment(activity_id) is None:
            raise lot.LotteryRefusal(v.UNKNOWN_ACTIVITY)
        s = settings_of()
        d = lot.draw(store(), activity_id, now=datetime.now(UTC).timestamp(), lease_s=s.lottery_draw_lease_s)
        lot.publish(store(), d, chunk=s.lottery_publish_chunk)
        return page(activity_id)


class EntryIn(Schema):
    class Meta:
        unknown = RAISE

    name = fields.String(required=True, validate=validate.Length(min=1, max=40))
    phone = fields.String(required=True, validate=validate.Regexp(r"^1[3-9][0-9]{9}$"))
    email = fields.Email(load_default=None, allow_none=True)
    locale = fields.String(load_default="zh-CN", validate=validate.OneOf(["zh-CN", "en"]))
    party_size = fields.Integer(required=True, strict=True, validate=validate.Range(min=1, max=20))


class EntryOut(Schema):
    entry_id = fields.String(required=True)
    token = fields.String(required=True, metadata={"description": "keep it: it confirms a win"})


class ConfirmOut(Schema):
    entry_id = fields.String(required=True)


class ConfirmIn(Schema):
    class Meta:
        unknown = RAISE

    token = fields.String(required=True, validate=validate.Length(min=1, max=64))


def no_show_record():
    return current_app.extensions["sciday.noshow"]


@blp.route("/entries")
class Entries(MethodView):
    @blp.arguments(EntryIn())
    @blp.response(201, EntryOut())
    @documented(blp, *ENTER_REFUSALS)
    def post(self, body, activity_id):
        """Enter the lottery during its window: one entry per phone; the whole party enters.

        The phone is taken as given (not yet the verified session); a holder locked for
        repeated no-shows cannot enter."""
        lottery = store().settings(activity_id)
        if lottery is None:
            raise lot.LotteryRefusal(v.UNKNOWN_ACTIVITY)
        if body["party_size"] > lottery.max_party_size:
            raise lot.LotteryRefusal(v.PARTY_TOO_LARGE)
        s, now = settings_of(), datetime.now(UTC).timestamp()
        holders = [f"phone:{noshow.identity_hash(s.noshow_pepper, body['phone'])}"]
        noshow.ensure_may_register(no_show_record(), holders, now=now, policy=noshow.Policy.from_settings(s))
        token = secrets.token_urlsafe(16)
        entry_id = lot.enter(store(), activity_id, holders=holders, entry={**body, "token": token}, now=now)
        return {"entry_id": entry_id, "token": token}


@blp.route("/entries/<entry_id>/confirmation")
class Confirmation(MethodView):
    @blp.arguments(ConfirmIn())
    @blp.response(201, ConfirmOut())
    @documented(blp, *CONFIRM_REFUSALS)
    def post(self, body, activity_id, entry_id):
        """A winner confirms they will come, within the confirmation window if there is one."""
        entry = store().entry(activity_id, entry_id)
        if entry is None:
            raise lot.LotteryRefusal(v.UNKNOWN_ENTRY)
        if not secrets.compare_digest(entry.get("token", "").encode(), body["token"].encode()):
            raise lot.LotteryRefusal(v.UNAUTHORIZED)
        lot.confirm(store(), activity_id, entry_id, now=datetime.now(UTC).timestamp())
        return {"entry_id": entry_id}
