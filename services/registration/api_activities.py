"""Activities: public reading; organizers create, change and cancel them."""

from __future__ import annotations

from flask import current_app
from flask.views import MethodView
from flask_smorest import Blueprint

from services.registration import activities
from services.registration.schemas import (
    ActivityCancelIn,
    ActivityIn,
    ActivityListOut,
    ActivityOut,
    ActivityPatch,
)
from services.registration.store import refusal
from shared.auth import require
from shared.errors import ApiError

blp = Blueprint(
    "activities",
    __name__,
    url_prefix="/api/v1/activities",
    description="Screenings and lectures (活动). Reason codes: unknown_activity, "
    "activity_exists, revision_conflict, capacity_below_taken, validation_failed, "
    "unauthorized, forbidden.",
)


def store():
    return current_app.extensions["sciday.seats"]


def load_activity(aid: str) -> tuple[dict, dict]:
    got = store().get_activity(aid)
    if got is None:
        raise refusal("unknown_activity")
    return got


@blp.route("")
class ActivityList(MethodView):
    @blp.response(200, ActivityListOut)
    def get(self):
        """List activities with seats left and waitlist length."""
        return {"activities": [activities.view(d, c) for d, c in store().list_activities()]}

    @require("organizer")
    @blp.arguments(ActivityIn)
    @blp.response(201, ActivityOut)
    @blp.alt_response(409, schema="Error", description="activity_exists")
    @blp.alt_response(401, schema="Error", description="unauthorized")
    @blp.alt_response(403, schema="Error", description="forbidden")
    def post(self, data):
        """Create an activity (organizer token)."""
        doc = activities.to_doc(data)
        return create(doc)


def create(doc: dict, mode: str = "create") -> dict:
    store().put_activity(
        doc,
        mode=mode,
        expected_rev=None,
        event_type="ActivityPublished",
        event_data={"activity": activities.snapshot(doc)},
    )
    return activities.view(*load_activity(doc["id"]))


@blp.route("/<activity_id>")
class ActivityItem(MethodView):
    @blp.response(200, ActivityOut)
    @blp.alt_response(404, schema="Error", description="unknown_activity")
    def get(self, activity_id):
        """One activity."""
        return activities.view(*load_activity(activity_id))

    @require("organizer")
    @blp.arguments(ActivityPatch)
    @blp.response(200, ActivityOut)
    @blp.alt_response(
        409, schema="Error", description="capacity_below_taken | revision_conflict | activity_cancelled"
    )
    def patch(self, patch, activity_id):
        """Change an activity. Raising capacity promotes the waitlist in the same atomic step."""
        for _attempt in range(5):
            doc, counts = load_activity(activity_id)
            if doc["status"] == "cancelled":
                raise refusal("activity_cancelled")
            new = activities.merge(doc, patch)
            errors = activities.validate_times(new)
            if errors:
                raise ApiError(
                    "validation_failed", "Some fields are not valid.", status_code=422, errors=errors
                )
            changed = activities.changed(doc, new)
            if not changed:
                return activities.view(doc, counts)
            try:
                store().put_activity(
                    new,
                    mode="update",
                    expected_rev=int(counts["rev"]),
                    event_type="ActivityChanged",
                    event_data={"activity": activities.snapshot(new), "changed": changed},
                )
            except ApiError as exc:
                if exc.reason == "revision_conflict":
                    continue
                raise
            return activities.view(*load_activity(activity_id))
        raise refusal("revision_conflict")


@blp.route("/<activity_id>/cancel")
class ActivityCancel(MethodView):
    @require("organizer")
    @blp.arguments(ActivityCancelIn)
    @blp.response(200, ActivityOut)
    @blp.alt_response(404, schema="Error", description="unknown_activity")
    def post(self, body, activity_id):
        """Cancel an activity: every ticket of it is refused at the door from then on."""
        for _attempt in range(5):
            doc, counts = load_activity(activity_id)
            if doc["status"] == "cancelled":
                return activities.view(doc, counts)
            new = dict(doc, status="cancelled", cancel_reason=body.get("reason", ""))
            try:
                store().put_activity(
                    new,
                    mode="update",
                    expected_rev=int(counts["rev"]),
                    event_type="ActivityCancelled",
                    event_data={"activity": activities.snapshot(new), "reason": body.get("reason", "")},
                )
            except ApiError as exc:
                if exc.reason == "revision_conflict":
                    continue
                raise
            return activities.view(*load_activity(activity_id))
        raise refusal("revision_conflict")
