"""The organizers' live dashboards: ``/dashboard`` (the festival) and ``/dashboard/<activity_id>``.

Chinese first (``?lang=en`` switches, remembered in a cookie). The pages are shells; the figures
come from ``static/dashboard.js``, which keeps the token in sessionStorage (localStorage if
"remember" is ticked), sends it as ``Authorization: Bearer`` and polls the attendance API every
second, so a scan shows within about a second, without a reload.

Why polling rather than server-sent events: the service runs gunicorn gthread workers (a few
threads each). An SSE stream holds a thread per open dashboard for as long as it is open, so a
dozen organizers' screens could take the threads the door scanners need; a poll costs one short
Redis-only request per second per screen and survives proxies, sleeping laptops and restarts
with no reconnection logic. One second keeps the 2-second promise with a wide margin.
"""

from __future__ import annotations

from flask import Blueprint, make_response, render_template
from flask_babel import lazy_pgettext

from services.checkin import vocabulary as V
from services.checkin.attendance import figures
from shared.i18n import lang, remember_lang

bp = Blueprint("dashboard", __name__)

KINDS = {
    "imax": lazy_pgettext("kind of activity", "IMAX"),
    "dome": lazy_pgettext("kind of activity", "Dome"),
    "lecture": lazy_pgettext("kind of activity", "Lecture"),
    "exhibition": lazy_pgettext("kind of activity", "Exhibition"),
    "other": lazy_pgettext("kind of activity", "Other"),
    "screening": lazy_pgettext("kind of activity", "Screening"),
}


def render_page(template: str, **ctx):
    lg = lang()

    def reason(code: str) -> str:
        """A reason's text from the vocabulary, in this page's language."""
        return V.message(code, lg)

    kinds = {k: str(v) for k, v in KINDS.items()}
    definitions = figures.definitions(lg)  # the same words as the summary's workbook (issue 26)
    resp = make_response(
        render_template(template, reason=reason, lang=lg, kinds=kinds, definitions=definitions, **ctx)
    )
    resp.headers["Cache-Control"] = "no-cache"
    return remember_lang(resp)


@bp.get("/dashboard")
def festival_dashboard():
    return render_page("dashboard.html", activity_id="")


@bp.get("/dashboard/<activity_id>")
def activity_dashboard(activity_id):
    return render_page("dashboard.html", activity_id=activity_id)


@bp.get("/summary")
def summary_page():
    return render_page("dashboard_summary.html")
