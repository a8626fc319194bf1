"""The release queue over HTTP (issue 28): join with a verified phone, one's status (cheap: one
script call, never the seat script), the public queue, and the audit after the release."""

from __future__ import annotations

from flask import current_app
from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import Schema, fields

from services.registration import vocabulary as v
from services.registration.access import api as api_verification
from services.registration.access import fair as fair_access
from services.registration.access import verification
from services.registration.bootstrap import EXTENSION as REGISTRATION
from services.registration.bootstrap import ports
from services.registration.queue import usecases
from services.registration.queue.store import QueueStore
from services.registration.web.edge import documented, reasons_text
from shared.web import settings_of

EXTENSION = "sciday.queue"
ME_REFUSALS = (v.PHONE_NOT_VERIFIED, v.UNKNOWN_ACTIVITY, v.QUEUE_NOT_OPEN, v.CROSS_SITE_REQUEST)
blp = Blueprint(
    "queue",
    __name__,
    url_prefix="/api/v1/activities",
    description="The release queue (issue 28, docs/queue.md). " + reasons_text(*ME_REFUSALS),
)


class QueuePublicOut(Schema):
    activity_id = fields.String()
    algorithm = fields.String(metadata={"description": "sciday-queue-v1 (docs/queue.md)"})
    state = fields.String(
        metadata={"description": "not_open (before its window) | waiting | releasing | released"}
    )
    opens_at = fields.String(metadata={"description": "the queue opens (its seed is committed)"})
    release_at = fields.String(metadata={"description": "registration opens: the shuffle"})
    commitment = fields.String(metadata={"description": "SHA-256 of the seed, hex"})
    joined = fields.Integer()
    released_n = fields.Integer(allow_none=True, metadata={"description": "present at the release"})
    rate_per_min = fields.Integer(metadata={"description": "admissions per minute"})
    sold_out = fields.Boolean(metadata={"description": "no seat and no waitlist place left"})


class QueueMeOut(Schema):
    activity_id = fields.String()
    state = fields.String(
        metadata={"description": "not_open | waiting | queued | admitted | sold_out | closed | not_joined"}
    )
    queue_state = fields.String(
        metadata={"description": "the queue's: not_open | waiting | releasing | released"}
    )
    queue_id = fields.String(allow_none=True)
    position = fields.Integer(allow_none=True, metadata={"description": "1-based; null before the release"})
    ahead = fields.Integer(allow_none=True, metadata={"description": "people ahead not yet admitted"})
    admitted_upto = fields.Integer(allow_none=True, metadata={"description": "places admitted so far"})
    estimate_s = fields.Integer(allow_none=True, metadata={"description": "ahead ÷ admissions per minute"})
    poll_s = fields.Integer(
        metadata={
            "description": "ask again after this many seconds: at the release (spread), at this "
            "place's turn, else a heartbeat (docs/queue.md)"
        }
    )
    token = fields.String(
        metadata={"description": "admitted: the admission token, sent as X-Queue-Token when registering"}
    )
    opens_at, release_at, commitment = fields.String(), fields.String(), fields.String()
    joined = fields.Integer()
    released_n = fields.Integer(allow_none=True)
    sold_out = fields.Boolean()
    title = fields.Dict(metadata={"description": "in 我的报名's list only"})


class QueueAuditOut(Schema):
    activity_id = fields.String()
    algorithm = fields.String()
    commitment = fields.String()
    seed = fields.String(metadata={"description": "hex; SHA-256 of it is the commitment"})
    arrivals = fields.List(fields.String(), metadata={"description": "queue ids present, in arrival order"})
    order = fields.List(fields.String(), metadata={"description": "the same ids by HMAC-SHA256(seed, id)"})


def install(app, api, settings) -> None:
    """Wire the queue (the ticket key ring signs its tokens) and register its endpoints."""
    app.extensions[EXTENSION] = QueueStore(app.extensions["sciday.redis"], settings)
    api.register_blueprint(blp)


def queue() -> usecases.Queue:
    return queue_of(current_app)


def queue_of(app) -> usecases.Queue:
    """The queue's use-case wiring of ``app`` (also the status gate's, outside a request)."""
    p = app.extensions[REGISTRATION]
    return usecases.Queue.of(app.extensions[EXTENSION], p.signer, p.clock, settings_of(app))


def mine(ref: str) -> list[dict]:
    """我的报名's ``queues``: the phone's places, each with its status."""
    return usecases.mine(ports(), queue(), ref)


def my_ref() -> str:
    ref = ref_of(current_app, api_verification.session_token())
    if ref is None:
        raise v.Refusal(v.PHONE_NOT_VERIFIED)
    return ref


def ref_of(app, session_token: str | None) -> str | None:
    """The owner ref of a session token's verified phone, or None (no such session)."""
    phone = verification.session_phone(session_token, app.extensions["sciday.verification"].store)
    return None if phone is None else fair_access.owner_ref(app.extensions["sciday.hmac"], phone)


@blp.route("/<activity_id>/queue")
class QueueView(MethodView):
    @blp.response(200, QueuePublicOut())
    @documented(blp, v.UNKNOWN_ACTIVITY, v.QUEUE_NOT_OPEN)
    def get(self, activity_id):
        """The queue as anyone sees it: state, times, the seed's commitment, how many joined."""
        return usecases.public(ports(), queue(), activity_id)

    @blp.response(200, QueueMeOut())
    @blp.alt_response(201, schema=QueueMeOut, description="a new place")
    @documented(blp, *ME_REFUSALS)
    def post(self, activity_id):
        """Join with the verified phone: one place per phone (201 new, 200 the same place again)."""
        created, out = usecases.join(ports(), queue(), activity_id, my_ref())
        return out, 201 if created else 200


@blp.route("/<activity_id>/queue/me")
class QueueMe(MethodView):
    @blp.response(200, QueueMeOut())
    @documented(blp, *ME_REFUSALS)
    def get(self, activity_id):
        """The verified phone's place: position, people ahead, the estimate, and once admitted the
        token. One script call; never the seat script."""
        return usecases.status(ports(), queue(), activity_id, my_ref())


@blp.route("/<activity_id>/queue/audit")
class QueueAudit(MethodView):
    @blp.response(200, QueueAuditOut())
    @documented(blp, v.UNKNOWN_ACTIVITY, v.QUEUE_NOT_OPEN)
    def get(self, activity_id):
        """After the release: the seed and the pre-queue, so anyone reproduces the shuffle."""
        return usecases.audit(ports(), queue(), activity_id)
