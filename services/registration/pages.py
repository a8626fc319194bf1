"""Server-rendered pages for registrants: the activity list, the form, the ticket, the manage page.

Chinese first (``?lang=en`` switches and is remembered in a cookie), phone first, no JavaScript
needed. Forms post back here and are protected by a double-submit CSRF cookie.
"""

from __future__ import annotations

from datetime import UTC, datetime

from flask import Blueprint, make_response, redirect, render_template, request
from marshmallow import ValidationError

from services.registration import activities, api_verification, identity
from services.registration.api_activities import store
from services.registration.api_registrations import authorized, book, full
from services.registration.schemas import RegistrationIn
from shared import csrf
from shared.errors import ApiError
from shared.i18n import localize
from shared.phone import masked
from shared.web import settings_of

bp = Blueprint("pages", __name__)

KIND = {
    "imax": ("巨幕影院", "IMAX"),
    "dome": ("球幕影院", "Dome"),
    "lecture": ("科普讲座", "Lecture"),
    "exhibition": ("展览", "Exhibition"),
    "other": ("活动", "Activity"),
}
WEEKDAY_ZH = "一二三四五六日"


def lang() -> str:
    chosen = request.args.get("lang") or request.cookies.get("lang")
    return "en" if chosen == "en" else "zh-CN"


def render(template: str, status: int = 200, **ctx):
    lg = lang()

    def t(zh: str, en: str) -> str:
        return en if lg == "en" else zh

    def pick(obj) -> str:
        if isinstance(obj, dict):
            return (obj.get("en") if lg == "en" else obj.get("zh")) or obj.get("zh") or obj.get("en") or ""
        return obj or ""

    resp = make_response(
        render_template(
            template, t=t, pick=pick, lang=lg, when=when, kind=kind, csrf_token=csrf.token, **ctx
        ),
        status,
    )
    if request.args.get("lang") in ("en", "zh-CN"):
        resp.set_cookie("lang", request.args["lang"], samesite="Lax", max_age=365 * 86400)
    return resp


def when(doc: dict) -> str:
    s, e = (
        activities.parse(doc["starts_at"]).astimezone(activities.TZ),
        activities.parse(doc["ends_at"]).astimezone(activities.TZ),
    )
    if lang() == "en":
        return f"{s:%a %d %b %Y}, {s:%H:%M}–{e:%H:%M}"
    return f"{s.year}年{s.month}月{s.day}日（周{WEEKDAY_ZH[s.weekday()]}）{s:%H:%M}–{e:%H:%M}"


def kind(k: str) -> str:
    zh, en = KIND.get(k, KIND["other"])
    return en if lang() == "en" else zh


def state_of(doc: dict, counts: dict) -> str:
    """open | full_waitlist | full | not_open | closed | cancelled, for the list and the form."""
    now = datetime.now(UTC)
    if doc["status"] == "cancelled":
        return "cancelled"
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


def message_of(exc: ApiError) -> str:
    zh, _, en = exc.message.partition(" / ")
    return (en or zh) if lang() == "en" else zh


@bp.get("/")
def activity_list():
    items = [(activities.view(d, c), state_of(d, c)) for d, c in store().list_activities()]
    return render("activities.html", items=items)


@bp.get("/a/<activity_id>")
def activity_page(activity_id):
    return _form(activity_id, {}, {}, None)


def _form(activity_id: str, values: dict, errors: dict, banner: str | None, status: int = 200):
    got = store().get_activity(activity_id)
    if got is None:
        return render("message.html", 404, title=("没有这个活动", "No such activity"), text=None)
    doc, counts = got
    settings = settings_of()
    phone = api_verification.verified_phone()
    return render(
        "register.html",
        status,
        a=activities.view(doc, counts),
        state=state_of(doc, counts),
        values=values,
        errors=errors,
        banner=banner,
        # fair access (issue 14): the phone step first, then the real-name members
        need_verify=bool(settings.require_verified_phone) and phone is None,
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
        "phone": values.get("phone") or None,
        "party_size": values.get("party_size", ""),
        "organization": values.get("organization") or None,
        "email": values.get("email") or None,
        "locale": lang(),
    }
    doc = store().activity_doc(activity_id) or {}
    from services.registration import pages_access

    if doc.get("real_name"):  # one fieldset per person; the first is the registrant
        members = pages_access.members_from_form(form, int(doc.get("max_party_size", 1)))
        body.update(members=members or None, party_size=len(members) or 1)
        body["name"] = members[0]["name"] if members else ""
    try:
        body["party_size"] = int(body["party_size"] or 0)
        loaded = RegistrationIn().load(body)
        reg = book(activity_id, loaded, "", lang())
    except ValueError:
        return _form(activity_id, values, {"party_size": ["Must be greater than or equal to 1."]}, None, 422)
    except ValidationError as exc:
        return _form(activity_id, values, localize(exc.messages, lang()), None, 422)
    except ApiError as exc:
        if exc.reason in ("validation_failed", "id_invalid"):
            return _form(
                activity_id, values, exc.errors, exc.message if exc.errors.get("members") else None, 422
            )
        if exc.reason == "phone_not_verified":
            return redirect(f"/login?next=/a/{activity_id}", code=303)
        if exc.reason == "unknown_activity":
            return render("message.html", 404, title=("没有这个活动", "No such activity"), text=None)
        return _form(activity_id, values, {}, message_of(exc), exc.status_code)
    target = "t" if reg["status"] == "confirmed" else "r"
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
        return full(authorized(rid, token)), None
    except ApiError as exc:
        return None, render(
            "message.html",
            exc.status_code if exc.status_code != 401 else 404,
            title=("链接无效", "This link is not valid"),
            text=("请使用报名成功后收到的链接。", "Use the link you received when you registered."),
        )


@bp.get("/t/<rid>")
def ticket_page(rid):
    reg, error = _mine(rid, request.args.get("t"))
    if error:
        return error
    if reg["status"] != "confirmed":
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
    reg, error = _mine(rid, token)
    if error:
        return error
    store().cancel(reg["activity_id"], rid)
    return redirect(f"/r/{rid}?t={token}", code=303)
