"""The notify service: the delivery log over HTTP.

``gunicorn 'services.notify.app:create_app()'``
"""
from __future__ import annotations

from pathlib import Path

from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import Schema, fields

from shared.auth import require
from shared.config import Settings, load
from shared.web import make_app, redis_of, settings_of

from services.notify.deliveries import DeliveryLog

blp = Blueprint("notifications", __name__, url_prefix="/api/v1/notifications",
                description="Delivery log. Reason codes: unauthorized, forbidden, validation_failed.")


class NotificationQuery(Schema):
    registration_id = fields.String(required=True)


class NotificationOut(Schema):
    event_id = fields.String()
    registration_id = fields.String()
    channel = fields.String()
    recipient = fields.String(metadata={"description": "masked"})
    template = fields.String()
    status = fields.String()
    recorded_at = fields.String()


class NotificationListOut(Schema):
    notifications = fields.List(fields.Nested(NotificationOut))


@blp.route("")
class Notifications(MethodView):
    @require("organizer")
    @blp.arguments(NotificationQuery, location="query")
    @blp.response(200, NotificationListOut)
    @blp.alt_response(401, schema="Error", description="unauthorized")
    @blp.alt_response(403, schema="Error", description="forbidden")
    def get(self, query):
        """What was (or is to be) sent for one registration, over which channel."""
        log = DeliveryLog(redis_of(), settings_of().redis_prefix)
        return {"notifications": log.entries(query["registration_id"])}


def create_app(settings: Settings | None = None, redis_client=None):
    settings = settings or load()
    app, api = make_app("notify", settings, title="sciday notify",
                        description="SMS and email notifications, exactly once per person.",
                        redis_client=redis_client, root_path=str(Path(__file__).parent))
    api.register_blueprint(blp)
    return app
