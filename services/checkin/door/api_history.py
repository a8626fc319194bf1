"""Past admissions for supervisors (issue 26): ``GET /api/v1/admissions``. The undo is
``POST /api/v1/checkins/<id>/undo`` (``api.py``) with ``{"reason", "note"}``."""

from __future__ import annotations

from flask import current_app
from flask.views import MethodView
from flask_smorest import Blueprint

from services.checkin import vocabulary as V
from services.checkin.door import history
from services.checkin.door.api import _count_request
from services.checkin.door.history_store import HistoryReads
from services.checkin.web.edge import staff, store
from services.checkin.web.history_schemas import HistoryOut, HistoryQuery
from shared.auth import require
from shared.web import settings_of

blp = Blueprint(
    "admissions",
    __name__,
    url_prefix="/api/v1/admissions",
    description=V.describe(V.INVALID, V.UNAUTHORIZED, V.FORBIDDEN, V.RATE_LIMITED, V.VALIDATION_FAILED),
)


@blp.route("")
class PastAdmissions(MethodView):
    @require("supervisor", "organizer")
    @blp.arguments(HistoryQuery, location="query")
    @blp.response(200, HistoryOut)
    @blp.alt_response(V.http_status(V.INVALID), schema="Error", description=V.INVALID)
    def get(self, query):
        """Search this venue's past admissions (an organizer: every venue's), newest first, masked:
        by ticket, last 4 of the phone or an ID, name, gate and time (the last hours by default)."""
        _count_request()  # as the manual lookup: against the token's rate limit
        found = history.search(
            history.Search(**query),
            staff(),
            past=HistoryReads(store()),
            tickets=current_app.extensions["sciday.keyring"],
            limits=history.Limits.from_settings(settings_of()),
        )
        return {"admissions": found}
