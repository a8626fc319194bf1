"""Server-rendered pages for registrants: the activity list, the form, the ticket, the manage page.

Chinese first (``?lang=en`` switches and is remembered in a cookie), phone first, no JavaScript
needed. Forms post back here and are protected by a double-submit CSRF cookie.
"""

from __future__ import annotations

from datetime import UTC, datetime

from flask import Blueprint, redirect, request
from marshmallow import ValidationError

from services.registration import activities, api_verification, identity, usecases
from services.registration.bootstrap import ports
from services.registration.edge import field_errors, status_of
from services.registration.rendering import lang, render
from services.registration.schemas import RegistrationIn
from services.registration.vocabulary import (
    ACTIVITY_CANCELLED,
    CONFIRMED,
    NOSHOW_LOCKED,
    PHONE_NOT_VERIFIED,
    UNKNOWN_ACTIVITY,
    Refusal,
)
from shared import csrf
from shared.errors import ApiError, common_message
from shared.i18n import localize, rule
from shared.phone import masked
from shared.web import settings_of

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
    settings = settings_of()
    phone = api_verification.verified_phone()
    fair = ports().fair  # the use case's own policy decides whether the phone step comes first
    return render(
        "register.html",
        status,
        a=activities.view(doc, counts),
        state=state_of(doc, counts),
        values=values,
        errors=errors,
        banner=banner,
        # fair access (issue 14): the phone step first, then the real-name members
        need_verify=fair is not None and fair.require_verified_phone and phone is None,
        verified_phone=masked(phone) if phone else "",
        child_age=settings.child_max_age_without_id,
        id_types=identity.LABELS,
    )


@bp.post("/a/<activity_id>")
def register_submit(activity_id):
    if not csrf.valid():
        return _expired()
    form = request.form
    values = {k: v.strip() for k, v in form.items() if k != "csrf_token"}
    body = {
        "name": values.get("name", ""),
        "phone": values.get("phone"),  # absent once verified: the session's phone is used
        "party_size": values.get("party_size", ""),
        "organization": values.get("organization") or None,
        "email": values.get("email") or None,
        "locale": lang(),
    }
    doc = ports().seats.activity_doc(activity_id) or {}
    from services.registration import pages_access

    if doc.get("real_name"):  # one fieldset per person; the first is the registrant
        members = pages_access.members_from_form(form, int(doc.get("max_party_size", 1)))
        body.update(members=members or None, party_size=len(members) or 1)
        body["name"] = members[0]["name"] if members else ""
    try:
        body["party_size"] = int(body["party_size"] or 0)
        loaded = RegistrationIn().load(body)
        reg = usecases.register(
            ports(),
            activity_id,
            loaded,
            locale=lang(),
            client_address=request.remote_addr or "-",
            session_phone=api_verification.verified_phone(),
        )
    except ValueError:
        return _form(
            activity_id, values, localize({"party_size": [rule("invalid_integer")]}, lang()), None, 422
        )
    except ValidationError as exc:
        return _form(activity_id, values, localize(exc.messages, lang()), None, 422)
    except Refusal as exc:
        if exc.reason == PHONE_NOT_VERIFIED:  # the session ended meanwhile: verify again
            return redirect(f"/login?next=/a/{activity_id}", code=303)
        if exc.reason == UNKNOWN_ACTIVITY:
            return render("message.html", 404, title=("没有这个活动", "No such activity"), text=None)
        errors = field_errors(exc, lang())
        banner = exc.message(lang())
        until = exc.details.get("locked_until")
        if exc.reason == NOSHOW_LOCKED and isinstance(until, (int, float)):  # say until when
            date = pages_access.local_date(until)
            banner = (
                f"Registration is locked after repeated no-shows, until {date}. My registrations shows the record."
                if lang() == "en"
                else f"因多次爽约，报名功能暂停至 {date}。“我的报名”中可查看爽约记录。"
            )
        return _form(activity_id, values, errors, None if errors else banner, status_of(exc))
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
