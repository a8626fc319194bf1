"""The organizers' activity management page, ``/organizer``, and the two small APIs it needs.

The page is a shell (zh-CN first, ``?lang=en``): ``static/organizer.js`` keeps the organizer's
token in sessionStorage (localStorage if "remember" is ticked) and calls the JSON API with
``Authorization: Bearer``, so no token travels in a URL and no cookie authorizes anything (no
CSRF surface). It lists, creates, edits, re-sizes and cancels activities, imports spreadsheets,
downloads registrations, and sends notices.

A notice goes through the notify service: ``POST /api/v1/activities/<id>/notices`` here hands
``{activity_id, message_zh, message_en}`` to notify's ``POST /api/v1/notices`` server-side, with
the same bearer token, so the browser needs no cross-origin call (three origins under
``sciday up``).
"""

from __future__ import annotations

import requests
from flask import Blueprint, g, request
from flask.views import MethodView
from flask_smorest import Blueprint as ApiBlueprint
from marshmallow import RAISE, Schema, fields, validate

from services.registration import vocabulary as v
from services.registration.access import identity
from services.registration.bootstrap import ports
from services.registration.seats import publishing
from services.registration.web.edge import documented, http_status, reasons_text
from services.registration.web.rendering import render
from shared.auth import require
from shared.errors import BAD_REQUEST, FORBIDDEN, METHOD_NOT_ALLOWED, NOT_FOUND, UNAUTHORIZED, ApiError
from shared.i18n import request_locale
from shared.web import settings_of

bp = Blueprint("organizer", __name__)
blp = ApiBlueprint(
    "organizer_api",
    __name__,
    url_prefix="/api/v1",
    description="Organizer helpers. "
    + reasons_text(v.UNKNOWN_ACTIVITY, v.NOTIFY_UNAVAILABLE, UNAUTHORIZED, FORBIDDEN)
    + " Notify's own refusals are passed through.",
)
NOTIFY_TIMEOUT_S = 5.0


@bp.get("/organizer")
def organizer_page():
    settings = settings_of()
    host = request.host.rsplit(":", 1)[0]
    return render(
        "organizer_page.html",
        dashboard_url=f"{request.scheme}://{host}:{settings.checkin_port}/dashboard",
        party_size_limit=settings.party_size_limit,
        id_types={k: label for k, label in identity.LABELS.items() if k != identity.NO_ID},
    )


@bp.get("/organizer/forgiveness")
def forgiveness_page():
    """The forgiveness log (issue 26): who forgave which no-show mark, when and why."""
    return render("organizer_forgiveness.html")


class TokenOut(Schema):
    role = fields.String()
    venue = fields.String(allow_none=True)
    name = fields.String()


@blp.route("/tokens/current")
class CurrentToken(MethodView):
    @require("steward", "supervisor", "organizer")
    @blp.response(200, TokenOut)
    @documented(blp, UNAUTHORIZED)
    def get(self):
        """Who the bearer token belongs to (the pages check a token with this before keeping it)."""
        p = g.principal
        return {"role": p.role, "venue": p.venue, "name": p.name}


class NoticeIn(Schema):
    class Meta:
        unknown = RAISE

    message_zh = fields.String(required=True, validate=validate.Length(min=1, max=500))
    message_en = fields.String(load_default="", validate=validate.Length(max=500))


@blp.route("/activities/<activity_id>/notices")
class ActivityNotices(MethodView):
    @require("organizer")
    @blp.arguments(NoticeIn)
    @blp.response(202, description="notify's answer, passed through")
    @documented(blp, v.UNKNOWN_ACTIVITY, v.NOTIFY_UNAVAILABLE, UNAUTHORIZED, FORBIDDEN)
    def post(self, body, activity_id):
        """Send a notice to everyone registered for the activity, through the notify service."""
        publishing.activity(ports(), activity_id)
        url = settings_of().notify_url.rstrip("/") + "/api/v1/notices"
        try:
            resp = requests.post(
                url,
                json={"activity_id": activity_id, **body},
                timeout=NOTIFY_TIMEOUT_S,
                headers={"Authorization": request.headers["Authorization"]},
            )
        except requests.RequestException:
            raise _unavailable() from None
        try:
            answer = resp.json()
        except ValueError:
            answer = {}
        if resp.status_code in (404, 405) and answer.get("reason") in (NOT_FOUND, METHOD_NOT_ALLOWED, None):
            raise _unavailable()  # notify does not offer notices (yet)
        if resp.status_code >= 500:
            raise _unavailable()
        if resp.status_code >= 400:
            raise ApiError(
                answer.get("reason", BAD_REQUEST),
                answer.get("message", "notify refused the notice"),
                status_code=resp.status_code,
                errors=answer.get("errors") or {},
            )
        return answer, resp.status_code


def _unavailable() -> ApiError:
    return ApiError(
        v.NOTIFY_UNAVAILABLE,
        v.REASONS[v.NOTIFY_UNAVAILABLE].message(request_locale()),
        status_code=http_status(v.NOTIFY_UNAVAILABLE),
        headers={"Retry-After": "5"},
    )
