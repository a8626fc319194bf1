"""Organizer notices: ``POST /api/v1/notices`` sends one message to everyone registered for an
activity (confirmed or waitlisted), by SMS and, where given, email.

It only records: one delivery intent per (notice, channel, recipient) through the same
``Deliveries.record`` the event handlers use, and the senders deliver them, with their rate
limits and retries. The notice id comes from the ``Idempotency-Key`` header when there is one
(a retried POST finds its intents and records nothing new), else it is random. Each registrant
gets the text in their language; the Chinese text stands in when there is no English one.
"""

from __future__ import annotations

import hashlib
import time
import uuid
from datetime import UTC, datetime

from flask import request
from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import RAISE, Schema, fields, validate

from services.notify.deliveries import Deliveries
from services.notify.projection import ACTIVE, Projection
from shared.auth import require
from shared.errors import ApiError
from shared.events import SLUG
from shared.web import redis_of, settings_of

blp = Blueprint(
    "organizer_notices",
    __name__,
    url_prefix="/api/v1/notices",
    description="Organizer notices. Reason codes: unknown_activity (404), activity_cancelled (409), "
    "validation_failed (422), unauthorized (401), forbidden (403).",
)


class NoticeIn(Schema):
    class Meta:
        unknown = RAISE

    activity_id = fields.String(required=True, validate=SLUG)
    message_zh = fields.String(required=True, validate=validate.Length(min=1, max=500))
    message_en = fields.String(load_default="", validate=validate.Length(max=500))


class NoticeOut(Schema):
    status = fields.String(metadata={"description": "accepted: the messages are queued for their channels"})
    notice_id = fields.String()
    activity_id = fields.String()
    recipients = fields.Integer(metadata={"description": "registrations addressed (confirmed or waitlisted)"})
    messages = fields.Integer(metadata={"description": "new messages queued (SMS and email); 0 on a retry"})


def notice_id() -> str:
    key = request.headers.get("Idempotency-Key")
    if key and len(key) <= 128:
        return "notice:" + hashlib.sha256(key.encode()).hexdigest()[:32]
    return "notice:" + uuid.uuid4().hex


@blp.route("")
class Notices(MethodView):
    @require("organizer")
    @blp.arguments(NoticeIn)
    @blp.response(202, NoticeOut)
    @blp.alt_response(404, schema="Error", description="unknown_activity")
    @blp.alt_response(409, schema="Error", description="activity_cancelled")
    def post(self, body):
        """Send a notice to everyone registered for an activity. Honours ``Idempotency-Key``."""
        redis, settings = redis_of(), settings_of()
        projection = Projection(redis, settings.redis_prefix)
        aid = body["activity_id"]
        activity = projection.activity(aid)
        if activity is None:
            raise ApiError("unknown_activity", "没有这个活动 / No such activity.", status_code=404)
        if activity["status"] == "cancelled":
            raise ApiError("activity_cancelled", "活动已取消 / The activity was cancelled.", status_code=409)
        deliveries = Deliveries(
            redis, settings.redis_prefix, retention_s=settings.notify_retention_days * 86400
        )
        nid, now_ms = notice_id(), int(time.time() * 1000)
        occurred_at = datetime.now(UTC).isoformat(timespec="milliseconds")
        context = {"message_zh": body["message_zh"], "message_en": body["message_en"]}
        registrants = projection.registrants(aid, ACTIVE)
        new = sum(
            deliveries.record(
                event_id=nid,
                cause_type="OrganizerNotice",
                occurred_at=occurred_at,
                activity_id=aid,
                reg=reg,
                template="notice",
                now_ms=now_ms,
                context=context,
            )
            for reg in registrants
        )
        return {
            "status": "accepted",
            "notice_id": nid,
            "activity_id": aid,
            "recipients": len(registrants),
            "messages": new,
        }
