"""Gate plans over HTTP: PUT /api/v1/gates/<gate> opens a gate for given activities, DELETE opens
it for all again. Supervisors of the venue and organizers. The rules are in ``gates.py``."""

from __future__ import annotations

from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import RAISE, Schema, fields, validate

from services.checkin import vocabulary as V
from services.checkin.door import gates
from services.checkin.web.edge import staff, store
from shared.auth import require
from shared.i18n import LENGTH_BETWEEN, Keyed

REFUSALS = (V.UNKNOWN_ACTIVITY, V.FORBIDDEN, V.UNAUTHORIZED, V.VALIDATION_FAILED)

blp = Blueprint("gates", __name__, url_prefix="/api/v1/gates", description=V.describe(*REFUSALS))


class GatePlanIn(Keyed):
    class Meta:
        unknown = RAISE

    activities = fields.List(
        fields.String(validate=validate.Length(min=1, max=64, error=LENGTH_BETWEEN)),
        required=True,
        validate=validate.Length(min=1, max=gates.MAX_ACTIVITIES, error=LENGTH_BETWEEN),
        metadata={
            "description": "the activities this gate takes; tickets of others are refused (wrong_gate)"
        },
    )
    venue = fields.String(load_default=None, metadata={"description": "organizers: the venue"})


class VenueQuery(Keyed):
    venue = fields.String(load_default=None)


class GatePlanOut(Schema):
    venue = fields.String()
    gate = fields.String()
    activities = fields.List(
        fields.String(), allow_none=True, metadata={"description": "null: every activity"}
    )


@blp.route("/<gate>")
class Gate(MethodView):
    @require("supervisor", "organizer")
    @blp.arguments(GatePlanIn())
    @blp.response(200, GatePlanOut)
    @blp.alt_response(V.http_status(V.UNKNOWN_ACTIVITY), schema="Error", description=V.UNKNOWN_ACTIVITY)
    def put(self, body, gate):
        """Open this gate for the given activities of the venue only."""
        s = store()
        return gates.open_gate(
            staff(), gate, body["activities"], body["venue"], plans=s, activities=s.projection
        )

    @require("supervisor", "organizer")
    @blp.arguments(VenueQuery, location="query")
    @blp.response(200, GatePlanOut)
    def delete(self, query, gate):
        """Open this gate for every activity of the venue again."""
        return gates.open_gate_to_all(staff(), gate, query["venue"], plans=store())
