"""The lottery over HTTP: organizers open one and trigger its draw; anyone reads the draw page.

``GET /api/v1/activities/<id>/lottery`` is the public draw page's JSON: before the draw the
commitment and the window; after it, everything ``scripts/verify_draw.py`` needs (seed, entry ids,
party sizes, capacity, order, winners, waitlist) and no personal data.  Entering takes the verified
session's phone and the party's real-name members, like registering (lottery_entry.py); the
scheduler draws at the set time and turns the draw into registrations (POST …/draw does the same
step by hand).
"""

from __future__ import annotations

import secrets
from datetime import UTC, datetime

from flask import current_app, request
from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import RAISE, Schema, fields, validate

from services.registration import vocabulary as v
from services.registration.access import api as api_verification
from services.registration.bootstrap import ports
from services.registration.catalogue import activities
from services.registration.lottery import draw as lot
from services.registration.lottery import entry as lottery_entry
from services.registration.lottery import group_edge, groups, rounds_api, single, specification
from services.registration.lottery import run as lottery_run
from services.registration.web.edge import documented, reasons_text
from services.registration.web.registration_schemas import RegistrationIn
from services.registration.web.schemas import LotteryIn
from shared.auth import require
from shared.errors import RATE_LIMITED
from shared.i18n import request_locale
from shared.web import settings_of

OPEN_REFUSALS = (
    v.UNKNOWN_ACTIVITY,
    v.VALIDATION_FAILED,
    v.LOTTERY_CLOSED,
    v.SESSION_TAKEN,
)  # the last two: a group of one
DRAW_REFUSALS = (v.UNKNOWN_ACTIVITY, v.DRAW_NOT_DUE, v.DRAW_IN_PROGRESS, v.BEACON_UNAVAILABLE)
ENTER_REFUSALS = (
    v.PHONE_NOT_VERIFIED,
    v.PHONE_INVALID,
    v.ID_INVALID,
    v.ID_UNVERIFIED,
    v.REALNAME_UNAVAILABLE,
    v.UNKNOWN_ACTIVITY,
    v.LOTTERY_NOT_OPEN,
    v.LOTTERY_CLOSED,
    v.ALREADY_ENTERED,
    v.NOSHOW_LOCKED,
    v.VALIDATION_FAILED,
    RATE_LIMITED,
    v.CROSS_SITE_REQUEST,
    v.ID_DUPLICATE,  # issue 23: the per-ID limits count at entry (lottery_enter.lua)
    v.ID_LIMIT_REACHED,
    v.GUARDIAN_INVALID,  # issue 26: a child's guardian, another member with an ID
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
    times = fields.Dict(
        metadata={"description": "opens_at, closes_at, draw_at (ISO-8601) and confirm_hours, as opened"}
    )
    # issue 27: a v2 group of one (lottery_groups' GroupOut), before its draw
    group_id = fields.String()
    sessions = fields.List(fields.Dict())
    max_choices = fields.Integer()
    chain = fields.Dict()
    beacon_rounds = fields.List(fields.Integer())
    freezes = fields.List(fields.Integer())
    weights = fields.Dict()
    receipt_key = fields.String()
    merkle_root = fields.String(allow_none=True)
    demand = fields.List(fields.Dict())


def store():
    return current_app.extensions["sciday.lotteries"]


def page(aid: str) -> dict:
    d = store().get_draw(aid)
    if d is not None:
        return {**d.public(), "state": v.LOT_DRAWN, "times": times(aid)}
    commitment = store().commitment(aid)
    if commitment is None:
        return group_of_one(aid)
    return {
        "algorithm": specification.ALGORITHM,
        "activity_id": aid,
        "state": store().state(aid),
        "commitment": commitment,
        "times": times(aid),
    }


def group_of_one(aid: str) -> dict:
    """The group of one opened for ``aid`` (issue 27): its public information, as the v2 page."""
    if group_edge.engine().groups.meta(aid) is None:
        raise lot.Refusal(v.UNKNOWN_ACTIVITY)
    info = groups.group_info(group_edge.engine(), aid)
    at = {k: info[k] for k in ("opens_at", "closes_at", "draw_at", "confirm_hours")}
    return {**info, "activity_id": aid, "times": at}


def times(aid: str) -> dict:
    """The lottery's times as opened (the organizers' form shows them to edit)."""
    s = store().settings(aid)
    if s is None:
        return {}
    at = {
        k: activities.iso(datetime.fromtimestamp(getattr(s, k), UTC))
        for k in ("opens_at", "closes_at", "draw_at")
    }
    return {**at, "confirm_hours": s.confirm_hours}


@blp.route("")
class Lottery(MethodView):
    @blp.response(200, LotteryOut())
    @documented(blp, v.UNKNOWN_ACTIVITY)
    def get(self, activity_id):
        """The public draw page: the commitment; after the draw, the seed and all it takes to verify.
        A session of a lottery group (issue 27) answers the group's ``sciday-lottery-v2`` JSON."""
        group = rounds_api.group_of(activity_id)
        return rounds_api.public(group) if group is not None else page(activity_id)

    @require("organizer")
    @blp.arguments(LotteryIn())
    @blp.response(201, LotteryOut())
    @documented(blp, *OPEN_REFUSALS)
    def post(self, body, activity_id):
        """Allocate this activity's seats by lottery: fixes the secret seed; publish the commitment
        before entries open. Opening again changes the times but never the committed seed."""
        hours = body["confirm_hours"]
        if single.opens_v2(settings_of().lottery_single_v2, store(), activity_id):  # issue 27
            group_edge.open_from(dict(body, activity_ids=[activity_id]), activity_id)
            return page(activity_id)
        lottery_run.open_for(
            ports(),
            store(),
            activity_id,
            opens_at=body["opens_at"].timestamp(),
            closes_at=body["closes_at"].timestamp(),
            draw_at=body["draw_at"].timestamp(),
            confirm_hours=settings_of().lottery_confirm_hours if hours is None else hours,
        )
        return page(activity_id)


@blp.route("/draw")
class Draw(MethodView):
    @require("organizer")
    @blp.response(200, LotteryOut())
    @documented(blp, *DRAW_REFUSALS)
    def post(self, activity_id):
        """Draw now if due (exactly once, whoever calls), then tell every entrant their outcome.
        A group of one (issue 27) draws its due rounds as ``POST /api/v1/lottery-groups/<id>/draw``
        (``beacon_unavailable`` while its beacon round cannot be verified) and answers its v2 JSON."""
        if (
            store().commitment(activity_id) is None
            and group_edge.engine().groups.meta(activity_id) is not None
        ):
            return rounds_api.GroupDraw().post(activity_id)
        s = settings_of()
        now = datetime.now(UTC).timestamp()
        lottery_run.draw_now(
            ports(),
            store(),
            activity_id,
            now=now,
            lease_s=s.lottery_draw_lease_s,
            chunk=s.lottery_publish_chunk,
        )
        return page(activity_id)


class EntryOut(Schema):
    entry_id = fields.String(required=True)
    activity_id = fields.String(required=True)
    draw_at = fields.String(required=True, metadata={"description": "when the draw runs (ISO-8601)"})
    token = fields.String(required=True, metadata={"description": "keep it: it confirms a win"})
    receipt = fields.Dict(metadata={"description": "a v2 group of one's signed receipt (issue 27)"})


class ConfirmOut(Schema):
    entry_id = fields.String(required=True)


class ConfirmIn(Schema):
    class Meta:
        unknown = RAISE

    token = fields.String(required=True, validate=validate.Length(min=1, max=64))


def enter(body: dict, activity_id: str) -> dict:
    """Enter as a person does (the API and the entry page): verified phone, real-name party.
    Where the activity's lottery is a v2 group of one (issue 27), its one session is the choice."""
    if store().commitment(activity_id) is None and group_edge.engine().groups.meta(activity_id) is not None:
        out = group_edge.enter(dict(body, choices=[activity_id]), activity_id)
        return dict(out, activity_id=activity_id)
    token = secrets.token_urlsafe(16)
    out = lottery_entry.enter(
        ports(),
        store(),
        activity_id,
        dict(body, token=token),
        locale=request_locale(body.get("locale")),
        client_address=request.remote_addr or "-",
        session_phone=api_verification.verified_phone(),
    )
    return dict(out, token=token, draw_at=datetime.fromtimestamp(out["draw_at"], UTC).isoformat())


@blp.route("/entries")
class Entries(MethodView):
    @blp.arguments(RegistrationIn())
    @blp.response(201, EntryOut())
    @documented(blp, *ENTER_REFUSALS)
    def post(self, body, activity_id):
        """Enter the lottery during its window, with the same body as a registration: the phone is
        the verified session's, and on a real-name activity each member gives a name and an ID.
        One entry per phone and per ID; the whole party enters; a holder locked for repeated
        no-shows cannot enter."""
        return enter(body, activity_id)


@blp.route("/entries/<entry_id>/confirmation")
class Confirmation(MethodView):
    @blp.arguments(ConfirmIn())
    @blp.response(201, ConfirmOut())
    @documented(blp, *CONFIRM_REFUSALS)
    def post(self, body, activity_id, entry_id):
        """A winner confirms they will come, within the confirmation window if there is one."""
        entry = store().entry(activity_id, entry_id)
        if entry is None:
            raise lot.Refusal(v.UNKNOWN_ENTRY)
        if not secrets.compare_digest(entry.get("token", "").encode(), body["token"].encode()):
            raise lot.Refusal(v.UNAUTHORIZED)
        lot.confirm(store(), activity_id, entry_id, now=datetime.now(UTC).timestamp())
        lottery_entry.register_outcomes(ports(), store(), activity_id)  # the winner's registration
        return {"entry_id": entry_id}
