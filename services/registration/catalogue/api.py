"""Activities: public reading; organizers create, change and cancel them."""

from __future__ import annotations

from flask import current_app
from flask.views import MethodView
from flask_smorest import Blueprint

from services.registration import vocabulary as v
from services.registration.bootstrap import ports
from services.registration.catalogue import activities
from services.registration.lottery import group_edge, single
from services.registration.lottery import run as lottery_run
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
from shared.i18n import rule
from shared.web import settings_of

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
        v.LOTTERY_CLOSED,
        v.VALIDATION_FAILED,
        UNAUTHORIZED,
        FORBIDDEN,
    ),
)


def set_lottery(activity_id: str, lottery: dict | None) -> None:
    """The form's lottery times (issue 26): open the activity's lottery, or move its times."""
    if lottery is None:
        return
    hours = lottery.get("confirm_hours")
    if single.opens_v2(
        settings_of().lottery_single_v2, current_app.extensions["sciday.lotteries"], activity_id
    ):
        single.set_times(
            group_edge.engine(),
            activity_id,
            opens_at=lottery["opens_at"].timestamp(),
            closes_at=lottery["closes_at"].timestamp(),
            draw_at=lottery["draw_at"].timestamp(),
            confirm_hours=settings_of().lottery_confirm_hours if hours is None else hours,
        )
        return
    lottery_run.set_times(
        ports(),
        current_app.extensions["sciday.lotteries"],
        activity_id,
        opens_at=lottery["opens_at"].timestamp(),
        closes_at=lottery["closes_at"].timestamp(),
        draw_at=lottery["draw_at"].timestamp(),
        confirm_hours=settings_of().lottery_confirm_hours if hours is None else hours,
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
    @documented(blp, v.ACTIVITY_EXISTS, v.VALIDATION_FAILED, UNAUTHORIZED, FORBIDDEN)
    def post(self, data):
        """Create an activity (organizer token); with ``lottery``, open its lottery too."""
        lottery = data.pop("lottery", None)
        if lottery is not None:
            lottery_run.ensure_drawn_by_lot(data["allocation"])
        created = publishing.publish_activity(ports(), activities.to_doc(data))
        set_lottery(created["id"], lottery)
        return created


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
        v.LOTTERY_CLOSED,
        v.VALIDATION_FAILED,
        UNAUTHORIZED,
        FORBIDDEN,
    )
    def patch(self, patch, activity_id):
        """Change an activity. Raising capacity promotes the waitlist in the same atomic step.
        With ``lottery``, open its lottery or move its times (``lottery_closed`` once drawn)."""
        lottery = patch.pop("lottery", None)
        if lottery is not None:
            doc, _counts = publishing.activity(ports(), activity_id)
            lottery_run.ensure_drawn_by_lot(patch.get("allocation", doc.get("allocation", v.FCFS)))
            if lottery["draw_at"] > patch.get("starts_at", activities.parse(doc["starts_at"])):
                errors = {"lottery": {"draw_at": [rule(activities.NOT_AFTER_START)]}}
                raise v.Refusal(v.VALIDATION_FAILED, {"errors": errors})
        changed = publishing.change_activity(ports(), activity_id, patch)
        set_lottery(activity_id, lottery)
        return changed


@blp.route("/<activity_id>/cancel")
class ActivityCancel(MethodView):
    @require("organizer")
    @blp.arguments(ActivityCancelIn)
    @blp.response(200, ActivityOut)
    @documented(blp, v.UNKNOWN_ACTIVITY, v.REVISION_CONFLICT, UNAUTHORIZED, FORBIDDEN)
    def post(self, body, activity_id):
        """Cancel an activity: every ticket of it is refused at the door from then on."""
        return publishing.cancel_activity(ports(), activity_id, body.get("reason", ""))
