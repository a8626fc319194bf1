"""The notify service: the delivery log over HTTP.

``gunicorn 'services.notify.app:create_app()'``
"""

from __future__ import annotations

from pathlib import Path

from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import Schema, fields, validate

from services.notify import vocabulary as V
from services.notify.channels import sms, voice
from services.notify.delivery.intents import Deliveries, sealer_of
from services.notify.web import api_codes, api_notices, edge
from shared import internal
from shared.auth import require
from shared.config import Settings, load
from shared.i18n import LENGTH_BETWEEN, Keyed
from shared.web import make_app, redis_of, settings_of

blp = Blueprint(
    "notifications",
    __name__,
    url_prefix="/api/v1/notifications",
    description="Delivery log. " + V.describe(V.UNAUTHORIZED, V.FORBIDDEN, V.VALIDATION_FAILED),
)


class NotificationQuery(Keyed):
    registration_id = fields.String(
        required=True, validate=validate.Length(min=1, max=64, error=LENGTH_BETWEEN)
    )


class NotificationOut(Schema):
    notification_id = fields.String(metadata={"description": "sha256 of (event, channel, recipient)"})
    event_id = fields.String(metadata={"description": "the event that called for the message"})
    registration_id = fields.String()
    channel = fields.String(metadata={"description": "sms | email"})
    recipient = fields.String(metadata={"description": "masked phone, or the email address"})
    template = fields.String(metadata={"description": V.one_of(V.TEMPLATES)})
    status = fields.String(metadata={"description": V.one_of(V.INTENT_STATUSES)})
    attempts = fields.Integer()
    recorded_at = fields.String(metadata={"description": "when the intent was recorded"})
    handoff_at = fields.String(metadata={"description": "last hand-off to the provider"})
    sent_at = fields.String()
    provider_message_id = fields.String()
    last_error = fields.String()
    lag_ms = fields.Integer(metadata={"description": "from the event's occurred_at to the hand-off"})


class NotificationListOut(Schema):
    notifications = fields.List(fields.Nested(NotificationOut))


@blp.route("")
class Notifications(MethodView):
    @require("organizer")
    @blp.arguments(NotificationQuery, location="query")
    @blp.response(200, NotificationListOut)
    @blp.alt_response(V.http_status(V.UNAUTHORIZED), schema="Error", description=V.UNAUTHORIZED)
    @blp.alt_response(V.http_status(V.FORBIDDEN), schema="Error", description=V.FORBIDDEN)
    def get(self, query):
        """What was sent (or is due) for one registration: when, over which channel, with what outcome."""
        log = Deliveries(redis_of(), settings_of().redis_prefix, sealer=sealer_of())
        return {"notifications": log.entries(query["registration_id"])}


def create_app(settings: Settings | None = None, redis_client=None):
    settings = settings or load()
    app, api = make_app(
        "notify",
        settings,
        title="sciday notify",
        description="SMS and email notifications, exactly once per person.",
        redis_client=redis_client,
        root_path=str(Path(__file__).parent),
    )
    edge.install(app)  # use-case refusals -> the error shape, with the vocabulary's HTTP status
    api.register_blueprint(blp)
    api.register_blueprint(api_notices.blp)  # organizer notices (the organizer page, issue 6)
    # Verification codes from the registration service, sent at once and never stored (issue 14).
    app.extensions["sciday.internal_key"] = internal.key_of(settings)
    app.extensions["sciday.sms"] = sms.from_settings(settings)
    app.extensions["sciday.voice"] = voice.from_settings(settings)  # voice codes (issue 29)
    app.register_blueprint(api_codes.bp)
    return app
