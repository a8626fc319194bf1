"""Activities: public reading; organizers create, change and cancel them."""

from __future__ import annotations

from flask.views import MethodView
from flask_smorest import Blueprint

from services.registration import vocabulary as v
from services.registration.bootstrap import ports
from services.registration.catalogue import activities
from services.registration.seats import publishing
from services.registration.web.edge import documented, reasons_text
from services.registration.web.schemas import (
    ActivityCancelIn,
    ActivityIn,
    ActivityListOut,
    ActivityOut,
    ActivityPatch,
)
from shared.auth import require
from shared.errors import FORBIDDEN, UNAUTHORIZED

blp = Blueprint(
    "activities",
    __name__,
    url_prefix="/api/v1/activities",
    description="Screenings and lectures (活动). "
    + reasons_text(
        v.UNKNOWN_ACTIVITY,
        v.ACTIVITY_EXISTS,
        v.REVISION_CONFLICT,
        v.CAPACITY_BELOW_TAKEN,
        v.ACTIVITY_CANCELLED_REASON,
        v.ALLOCATION_LOCKED,
        v.VALIDATION_FAILED,
        UNAUTHORIZED,
        FORBIDDEN,
    ),
)


@blp.route("")
class ActivityList(MethodView):
    @blp.response(200, ActivityListOut)
    def get(self):
        """List activities with seats left and waitlist length."""
        return {"activities": [activities.view(d, c) for d, c in ports().seats.list_activities()]}

    @require("organizer")
    @blp.arguments(ActivityIn)
    @blp.response(201, ActivityOut)
    @documented(blp, v.ACTIVITY_EXISTS, UNAUTHORIZED, FORBIDDEN)
    def post(self, data):
        """Create an activity (organizer token)."""
        return publishing.publish_activity(ports(), activities.to_doc(data))


@blp.route("/<activity_id>")
class ActivityItem(MethodView):
    @blp.response(200, ActivityOut)
    @documented(blp, v.UNKNOWN_ACTIVITY)
    def get(self, activity_id):
        """One activity."""
        return activities.view(*publishing.activity(ports(), activity_id))

    @require("organizer")
    @blp.arguments(ActivityPatch)
    @blp.response(200, ActivityOut)
    @documented(
        blp,
        v.UNKNOWN_ACTIVITY,
        v.CAPACITY_BELOW_TAKEN,
        v.REVISION_CONFLICT,
        v.ACTIVITY_CANCELLED_REASON,
        v.ALLOCATION_LOCKED,
        v.VALIDATION_FAILED,
        UNAUTHORIZED,
        FORBIDDEN,
    )
    def patch(self, patch, activity_id):
        """Change an activity. Raising capacity promotes the waitlist in the same atomic step."""
        return publishing.change_activity(ports(), activity_id, patch)


@blp.route("/<activity_id>/cancel")
class ActivityCancel(MethodView):
    @require("organizer")
    @blp.arguments(ActivityCancelIn)
    @blp.response(200, ActivityOut)
    @documented(blp, v.UNKNOWN_ACTIVITY, v.REVISION_CONFLICT, UNAUTHORIZED, FORBIDDEN)
    def post(self, body, activity_id):
        """Cancel an activity: every ticket of it is refused at the door from then on."""
        return publishing.cancel_activity(ports(), activity_id, body.get("reason", ""))
