"""Server-rendered pages for registrants: the activity list, the form, the ticket, the manage page.

Chinese first (``?lang=en`` switches and is remembered in a cookie), phone first, no JavaScript
needed. Forms post back here and are protected by a double-submit CSRF cookie.
"""

from __future__ import annotations

from datetime import UTC, datetime

from flask import Blueprint, redirect, request
from marshmallow import ValidationError

from services.registration import activities, usecases
from services.registration.bootstrap import ports
from services.registration.edge import field_errors, status_of
from services.registration.rendering import lang, render
from services.registration.schemas import RegistrationIn
from services.registration.vocabulary import ACTIVITY_CANCELLED, CONFIRMED, UNKNOWN_ACTIVITY, Refusal
from shared import csrf
from shared.errors import ApiError, common_message
from shared.i18n import localize, rule

bp = Blueprint("pages", __name__)


def state_of(doc: dict, counts: dict) -> str:
    """open | full_waitlist | full | not_open | closed | cancelled, for the list and the form."""
    now = datetime.now(UTC)
    if doc["status"] == ACTIVITY_CANCELLED:
        return ACTIVITY_CANCELLED
    if now < activities.parse(doc["registration_opens_at"]):
        return "not_open"
    if now >= activities.parse(doc["registration_closes_at"]):
        return "closed"
    view = activities.view(doc, counts)
    if view["seats_left"] > 0 and view["waitlist_length"] == 0:
        return "open"
    wl = doc.get("waitlist") or {}
    return (
        "full_waitlist" if wl.get("enabled") and view["waitlist_length"] < wl.get("max_length", 0) else "full"
    )


@bp.get("/")
def activity_list():
    items = [(activities.view(d, c), state_of(d, c)) for d, c in ports().seats.list_activities()]
    return render("activities.html", items=items)


@bp.get("/a/<activity_id>")
def activity_page(activity_id):
    return _form(activity_id, {}, {}, None)


def _form(activity_id: str, values: dict, errors: dict, banner: str | None, status: int = 200):
    got = ports().seats.get_activity(activity_id)
    if got is None:
        return render("message.html", 404, title=("没有这个活动", "No such activity"), text=None)
    doc, counts = got
    return render(
        "register.html",
        status,
        a=activities.view(doc, counts),
        state=state_of(doc, counts),
        values=values,
        errors=errors,
        banner=banner,
    )


@bp.post("/a/<activity_id>")
def register_submit(activity_id):
    if not csrf.valid():
        return _expired()
    form = request.form
    values = {k: form.get(k, "").strip() for k in ("name", "phone", "organization", "email", "party_size")}
    body = {
        "name": values["name"],
        "phone": values["phone"],
        "party_size": values["party_size"],
        "organization": values["organization"] or None,
        "email": values["email"] or None,
        "locale": lang(),
    }
    try:
        body["party_size"] = int(body["party_size"] or 0)
        loaded = RegistrationIn().load(body)
        reg = usecases.register(
            ports(), activity_id, loaded, locale=lang(), client_address=request.remote_addr or "-"
        )
    except ValueError:
        return _form(
            activity_id, values, localize({"party_size": [rule("invalid_integer")]}, lang()), None, 422
        )
    except ValidationError as exc:
        return _form(activity_id, values, localize(exc.messages, lang()), None, 422)
    except Refusal as exc:
        if exc.reason == UNKNOWN_ACTIVITY:
            return render("message.html", 404, title=("没有这个活动", "No such activity"), text=None)
        errors = field_errors(exc, lang())
        return _form(activity_id, values, errors, None if errors else exc.message(lang()), status_of(exc))
    except ApiError as exc:  # the shared rate limiter
        return _form(activity_id, values, {}, common_message(exc.reason, lang()), exc.status_code)
    target = "t" if reg["status"] == CONFIRMED else "r"
    return redirect(f"/{target}/{reg['registration_id']}?t={reg['manage_token']}", code=303)


def _expired():
    return render(
        "message.html",
        400,
        title=("表单已过期", "The form expired"),
        text=("请返回并刷新页面后重试。", "Go back, reload the page and try again."),
    )


def _mine(rid: str, token: str | None):
    try:
        return usecases.registration_view(ports(), usecases.own_registration(ports(), rid, token)), None
    except Refusal:
        return None, render(
            "message.html",
            404,
            title=("链接无效", "This link is not valid"),
            text=("请使用报名成功后收到的链接。", "Use the link you received when you registered."),
        )


@bp.get("/t/<rid>")
def ticket_page(rid):
    reg, error = _mine(rid, request.args.get("t"))
    if error:
        return error
    if reg["status"] != CONFIRMED:
        return redirect(f"/r/{rid}?t={request.args.get('t')}", code=303)
    return render("ticket.html", r=reg, a=reg["activity"], token=request.args.get("t"))


@bp.get("/r/<rid>")
def manage_page(rid):
    reg, error = _mine(rid, request.args.get("t"))
    if error:
        return error
    return render("manage.html", r=reg, a=reg["activity"], token=request.args.get("t"))


@bp.post("/r/<rid>/cancel")
def cancel_submit(rid):
    if not csrf.valid():
        return _expired()
    token = request.form.get("t")
    try:
        usecases.cancel(ports(), rid, token)
    except Refusal:
        return _mine(rid, token)[1]
    return redirect(f"/r/{rid}?t={token}", code=303)
