"""Activities: public reading; organizers create, change and cancel them."""

from __future__ import annotations

from flask.views import MethodView
from flask_smorest import Blueprint

from services.registration import activities, usecases
from services.registration.bootstrap import ports
from services.registration.schemas import (
    ActivityCancelIn,
    ActivityIn,
    ActivityListOut,
    ActivityOut,
    ActivityPatch,
)
from shared.auth import require

blp = Blueprint(
    "activities",
    __name__,
    url_prefix="/api/v1/activities",
    description="Screenings and lectures (活动). Reason codes: unknown_activity, "
    "activity_exists, revision_conflict, capacity_below_taken, validation_failed, "
    "unauthorized, forbidden.",
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
    @blp.alt_response(409, schema="Error", description="activity_exists")
    @blp.alt_response(401, schema="Error", description="unauthorized")
    @blp.alt_response(403, schema="Error", description="forbidden")
    def post(self, data):
        """Create an activity (organizer token)."""
        return usecases.publish_activity(ports(), activities.to_doc(data))


@blp.route("/<activity_id>")
class ActivityItem(MethodView):
    @blp.response(200, ActivityOut)
    @blp.alt_response(404, schema="Error", description="unknown_activity")
    def get(self, activity_id):
        """One activity."""
        return activities.view(*usecases.activity(ports(), activity_id))

    @require("organizer")
    @blp.arguments(ActivityPatch)
    @blp.response(200, ActivityOut)
    @blp.alt_response(
        409, schema="Error", description="capacity_below_taken | revision_conflict | activity_cancelled"
    )
    def patch(self, patch, activity_id):
        """Change an activity. Raising capacity promotes the waitlist in the same atomic step."""
        return usecases.change_activity(ports(), activity_id, patch)


@blp.route("/<activity_id>/cancel")
class ActivityCancel(MethodView):
    @require("organizer")
    @blp.arguments(ActivityCancelIn)
    @blp.response(200, ActivityOut)
    @blp.alt_response(404, schema="Error", description="unknown_activity")
    def post(self, body, activity_id):
        """Cancel an activity: every ticket of it is refused at the door from then on."""
        return usecases.cancel_activity(ports(), activity_id, body.get("reason", ""))
