"""A registrant's own pages, reached by the manage link: the ticket, the manage page, cancelling
and dropping a member (issue 17). Each asks before it acts, and forms carry the double-submit
CSRF cookie (``shared/csrf.py``).
"""

from __future__ import annotations

from flask import Blueprint, Response, redirect, request
from flask_babel import gettext

from services.registration.access import pages as access_pages
from services.registration.bootstrap import ports
from services.registration.noshow import outlook
from services.registration.seats import usecases
from services.registration.vocabulary import CONFIRMED, Refusal
from services.registration.web.edge import message_of, status_of
from services.registration.web.rendering import expired, lang, render
from shared import csrf, ics
from shared.web import settings_of

bp = Blueprint("manage", __name__)


def _mine(rid: str, token: str | None):
    try:
        return usecases.registration_view(ports(), usecases.own_registration(ports(), rid, token)), None
    except Refusal:
        return None, render(
            "message.html",
            404,
            title=gettext("This link is not valid"),
            text=gettext("Use the link you received when you registered."),
        )


def _ticket(rid: str):
    """The confirmed registration the link's token opens, or the page to answer instead (not valid;
    not confirmed: the manage page)."""
    reg, error = _mine(rid, request.args.get("t"))
    if error:
        return None, error
    if reg["status"] != CONFIRMED:
        return None, redirect(f"/r/{rid}?t={request.args.get('t')}", code=303)
    return reg, None


@bp.get("/t/<rid>")
def ticket_page(rid):
    reg, other = _ticket(rid)
    if other:
        return other
    return render("ticket.html", r=reg, a=reg["activity"], token=request.args.get("t"))


@bp.get("/t/<rid>/calendar.ics")
def ticket_calendar(rid):
    """Issue 29: the ticket's activity as a calendar file, by the same link as the ticket page."""
    reg, other = _ticket(rid)
    if other:
        return other
    s = settings_of()
    body = ics.registration_calendar(
        reg["activity"],
        rid,
        reg["ticket"]["url"],
        lang(),
        opens_before_min=s.checkin_opens_before_min,
        alarm_min=s.ics_alarm_min,
        now=ports().clock.now(),
        tz=s.timezone,
    )
    resp = Response(body, mimetype="text/calendar")
    resp.headers["Content-Type"] = ics.MEDIA_TYPE
    resp.headers["Content-Disposition"] = f'attachment; filename="{ics.FILENAME}"'
    resp.headers["Cache-Control"] = "no-store"  # the link is the ticket's: kept by no cache
    return resp


@bp.get("/r/<rid>")
def manage_page(rid):
    reg, error = _mine(rid, request.args.get("t"))
    if error:
        return error
    dropped = request.args.get("dropped") == "1"
    return render("manage.html", r=reg, a=reg["activity"], token=request.args.get("t"), dropped=dropped)


@bp.post("/r/<rid>/cancel")
def cancel_submit(rid):
    """Cancelling cannot be undone: the first tap asks, the second (``confirm=1``) cancels."""
    if not csrf.valid():
        return expired()
    token = request.form.get("t")
    if request.form.get("confirm") != "1":
        reg, error = _mine(rid, token)
        return error or render(
            "confirm.html", r=reg, a=reg["activity"], token=token, action="cancel", noshow=_noshow(rid, token)
        )
    try:
        usecases.cancel(ports(), rid, token)
    except Refusal:
        return _mine(rid, token)[1]
    return redirect(f"/r/{rid}?t={token}", code=303)


@bp.post("/r/<rid>/drop")
def drop_submit(rid):
    """One member gives back a seat; the rest keep theirs (issue 17). Asks first, like cancelling."""
    if not csrf.valid():
        return expired()
    token = request.form.get("t")
    member = request.form.get("member", "")
    if request.form.get("confirm") != "1":
        reg, error = _mine(rid, token)
        if error:
            return error
        who = _member_label(reg, member)
        return render(
            "confirm.html", r=reg, a=reg["activity"], token=token, action="drop", member=member, who=who
        )
    try:
        usecases.drop_member(ports(), rid, token, int(member) if member.isdigit() else None)
    except Refusal as exc:
        reg, error = _mine(rid, token)
        return error or render(
            "manage.html",
            status_of(exc),
            r=reg,
            a=reg["activity"],
            token=token,
            banner=message_of(exc, lang()),
        )
    return redirect(f"/r/{rid}?t={token}&dropped=1", code=303)


def _noshow(rid: str, token: str | None) -> dict | None:
    """Whether this cancellation counts as a no-show, with the marks (issue 26; noshow/outlook.py)."""
    stored = usecases.own_registration(ports(), rid, token)
    return access_pages.noshow_cancel_view(outlook.before_cancel(ports(), stored))


def _member_label(reg: dict, member: str) -> str:
    """The masked name of the member about to be dropped ("" for a party without names)."""
    members = reg.get("members") or []
    if member.isdigit() and 0 < int(member) < len(members):
        return members[int(member)]["name_masked"]
    return ""
