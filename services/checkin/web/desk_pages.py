"""Staff pages beside the scanner (issue 26): ``/supervise``, a supervisor's search of past
admissions with undo, and ``/standby-desk``, the steward's standby desk (the list, calling the
next that fits, admitting a called number). Both are shells: their scripts call the check-in API
with the staff token the scanner keeps on the device (``Authorization: Bearer``, never in a URL).
"""

from __future__ import annotations

from flask import Blueprint, make_response, render_template

from services.checkin import vocabulary as V
from shared.i18n import lang, remember_lang
from shared.msgid import N_

bp = Blueprint("desk_pages", __name__)
# Why an admission is undone, as the supervisor reads it (the codes are V.UNDO_REASONS, in order).
UNDO_LABELS = dict(
    zip(
        V.UNDO_REASONS,
        (
            N_("Wrong ticket or wrong party"),
            N_("Too many people counted"),
            N_("Did not go in after all"),
            N_("Undone at the scanner"),
            N_("Other (say why)"),
        ),
        strict=True,
    )
)


def _page(template: str, **values):
    resp = make_response(render_template(template, lang=lang(), **values))
    resp.headers["Cache-Control"] = "no-store"
    return remember_lang(resp)


@bp.get("/supervise")
def supervise():
    """Past admissions: search, then undo one with a reason (supervisors of the venue, organizers)."""
    return _page("supervise.html", undo_labels=UNDO_LABELS, other=V.UNDO_OTHER, at_scanner=V.UNDO_AT_SCANNER)


@bp.get("/standby-desk")
def standby_desk():
    """The standby desk: the waiting list (masked), call the next that fits, who came in."""
    return _page("standby_desk.html")
