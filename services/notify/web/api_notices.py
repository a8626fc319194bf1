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
import uuid

from flask import request
from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import RAISE, Schema, fields, validate

from services.notify import vocabulary as V
from services.notify.delivery.intents import Deliveries, sealer_of
from services.notify.delivery.notices import Notice, send_notice
from services.notify.projection import Projection
from shared.auth import require
from shared.clock import SYSTEM_CLOCK
from shared.events import SLUG
from shared.i18n import LENGTH_BETWEEN, LENGTH_MAX, Keyed, as_rule
from shared.web import redis_of, settings_of

blp = Blueprint(
    "organizer_notices",
    __name__,
    url_prefix="/api/v1/notices",
    description="Organizer notices. "
    + V.describe(V.UNKNOWN_ACTIVITY, V.ACTIVITY_CANCELLED, V.VALIDATION_FAILED, V.UNAUTHORIZED, V.FORBIDDEN),
)


class NoticeIn(Keyed):
    """Every error is a field-rule key of shared/i18n.py, said in the request's language."""

    class Meta:
        unknown = RAISE

    activity_id = fields.String(required=True, validate=as_rule(SLUG, "invalid"))
    message_zh = fields.String(required=True, validate=validate.Length(min=1, max=500, error=LENGTH_BETWEEN))
    message_en = fields.String(load_default="", validate=validate.Length(max=500, error=LENGTH_MAX))


class NoticeOut(Schema):
    status = fields.String(
        metadata={"description": f"{V.ACCEPTED}: the messages are queued for their channels"}
    )
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
    @blp.alt_response(V.http_status(V.UNKNOWN_ACTIVITY), schema="Error", description=V.UNKNOWN_ACTIVITY)
    @blp.alt_response(V.http_status(V.ACTIVITY_CANCELLED), schema="Error", description=V.ACTIVITY_CANCELLED)
    def post(self, body):
        """Send a notice to everyone registered for an activity. Honours ``Idempotency-Key``."""
        redis, settings = redis_of(), settings_of()
        notice = Notice(notice_id(), body["activity_id"], body["message_zh"], body["message_en"])
        return send_notice(
            notice,
            projection=Projection(redis, settings.redis_prefix, sealer_of()),
            deliveries=Deliveries(
                redis,
                settings.redis_prefix,
                retention_s=settings.notify_retention_days * 86400,
                sealer=sealer_of(),
            ),
            clock=SYSTEM_CLOCK,
        )
