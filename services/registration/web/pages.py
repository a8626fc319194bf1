"""Server-rendered pages for registrants: the activity list, the form (the ticket and the manage
page: seats/pages.py).

Chinese first (``?lang=en`` switches and is remembered in a cookie), phone first, no JavaScript
needed. Forms post back here and are protected by a double-submit CSRF cookie.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

from flask import Blueprint, redirect, request
from flask_babel import gettext
from marshmallow import ValidationError

from services.registration.access import api as api_verification
from services.registration.access import identity, passports
from services.registration.access import pages as pages_access
from services.registration.bootstrap import ports
from services.registration.catalogue import activities
from services.registration.lottery import info as lottery_info
from services.registration.noshow import outlook
from services.registration.privacy import consent
from services.registration.queue import pages as queue_pages
from services.registration.seats import accessible, usecases
from services.registration.vocabulary import (
    ACTIVITY_CANCELLED,
    CONFIRMED,
    CONSENT_REQUIRED,
    FORM_CLOSED,
    FORM_FULL,
    FORM_FULL_WAITLIST,
    FORM_NOT_OPEN,
    FORM_OPEN,
    LISTED_LOTTERY,
    NOSHOW_LOCKED,
    PHONE_NOT_VERIFIED,
    UNKNOWN_ACTIVITY,
    Refusal,
    rule_message,
)
from services.registration.web import mine as api_mine
from services.registration.web.edge import field_errors, message_of, status_of
from services.registration.web.registration_schemas import RegistrationIn
from services.registration.web.rendering import WEEKDAY_ZH, expired, lang, render
from shared import csrf
from shared.clock import epoch_ms
from shared.i18n import localize, rule
from shared.masking import mask_phone as masked
from shared.web import settings_of

bp = Blueprint("pages", __name__)


def state_of(doc: dict, counts: dict) -> str:
    """open | full_waitlist | full | not_open | closed | cancelled, for the list and the form."""
    now = datetime.now(UTC)
    if doc["status"] == ACTIVITY_CANCELLED:
        return ACTIVITY_CANCELLED
    if now < activities.parse(doc["registration_opens_at"]):
        return FORM_NOT_OPEN
    if now >= activities.parse(doc["registration_closes_at"]):
        return FORM_CLOSED
    view = activities.view(doc, counts)
    if view["seats_left"] > 0 and view["waitlist_length"] == 0:
        return FORM_OPEN
    wl = doc.get("waitlist") or {}
    return (
        FORM_FULL_WAITLIST
        if wl.get("enabled") and view["waitlist_length"] < wl.get("max_length", 0)
        else FORM_FULL
    )


@bp.get("/favicon.ico")
def favicon():
    """Browsers that ask for /favicon.ico get the pages' SVG icon (no 404 in the log)."""
    return redirect("/static/favicon.svg", code=301)


@bp.get("/")
def activity_list():
    """Upcoming activities (filtered by ``kind`` and ``day``), then 往期活动: the ones that ended."""
    now = datetime.now(UTC)
    items = sorted(
        ((activities.view(d, c), listed_state(d, c)) for d, c in ports().seats.list_activities()),
        key=lambda item: item[0]["starts_at"],
    )
    upcoming = [(a, st) for a, st in items if activities.parse(a["ends_at"]) > now]
    past = [(a, st) for a, st in reversed(items) if activities.parse(a["ends_at"]) <= now]
    kind_f, day_f = request.args.get("kind", ""), request.args.get("day", "")
    shown = [
        (a, st)
        for a, st in upcoming
        if (not kind_f or a["kind"] == kind_f) and (not day_f or day_f in _days(a))
    ]
    return render(
        "activities.html",
        items=shown,
        past=past,
        kinds=sorted({a["kind"] for a, _ in upcoming}),
        days=sorted({d for a, _ in upcoming for d in _days(a)}),
        kind_f=kind_f,
        day_f=day_f,
        filtered=bool(kind_f or day_f),
        day_label=_day_label,
    )


def _days(a: dict) -> list[str]:
    """The festival days (YYYY-MM-DD, local) an activity runs on: one, or each of a multi-day one."""
    start = activities.parse(a["starts_at"]).astimezone(activities.TZ).date()
    end = activities.parse(a["ends_at"]).astimezone(activities.TZ).date()
    return [(start + timedelta(days=i)).isoformat() for i in range(min((end - start).days, 60) + 1)]


def _day_label(day: str) -> str:
    d = date.fromisoformat(day)
    if lang() == "en":
        return f"{d:%a %d %b}"
    return f"{d.month}月{d.day}日（周{WEEKDAY_ZH[d.weekday()]}）"


def listed_state(doc: dict, counts: dict) -> str:
    """The list's state; a lottery activity's is its lottery's (``lot_open``, ``lot_drawn``...)."""
    if doc["status"] == ACTIVITY_CANCELLED or not activities.by_lottery(doc):
        return state_of(doc, counts)
    return LISTED_LOTTERY[lottery_info.group_entry_info(doc["id"], None)["state"]]


@bp.get("/a/<activity_id>")
def activity_page(activity_id):
    return _form(activity_id, {}, {}, None)


def _form(activity_id: str, values: dict, errors: dict, banner: str | None, status: int = 200):
    got = ports().seats.get_activity(activity_id)
    if got is None:
        return render("message.html", 404, title=gettext("No such activity"), text=None)
    doc, counts = got
    settings = settings_of()
    phone = api_verification.verified_phone()
    fair = ports().fair  # the use case's own policy decides whether the phone step comes first
    queued = queue_pages.queue_page(doc, phone) if status == 200 and not values else None
    if queued is not None:  # issue 28: the release queue stands before the form
        return queued
    lottery = None
    if activities.by_lottery(doc):  # issue 15: the entry form instead of booking (lottery_page.py)
        lottery = lottery_info.group_entry_info(activity_id, request.args.get("g"))  # issue 27
    kept = None if lottery else _accessible(doc)  # issue 29 item 6: wheelchair places left
    return render(
        "register.html",
        status,
        a=activities.view(doc, counts),
        state=lottery["state"] if lottery else accessible.form_state(state_of(doc, counts), kept),
        lottery=lottery,
        values=values,
        errors=errors,
        banner=banner,
        # fair access (issue 14): the phone step first, then the real-name members
        need_verify=fair is not None and fair.require_verified_phone and phone is None,
        verified_phone=masked(phone) if phone else "",
        child_age=settings.child_max_age_without_id,
        party_shown=pages_access.party_shown(values.get("party_size") or request.args.get("party_size"), doc),
        id_types=identity.LABELS,
        countries=passports.COMMON,
        noshow_lock=_noshow_lock(phone),
        queue_token=values.get("queue_token") or request.args.get("queue_token", ""),
        accessible=kept,
    )


def _accessible(doc: dict) -> dict | None:
    """The wheelchair places and companion seats left now, when the activity keeps any."""
    if not (doc.get("quotas") or {}).get("wheelchair"):
        return None
    left = ports().seats.accessible_left(doc["id"], epoch_ms(ports().clock))
    return accessible.page_view(left, doc, settings_of().quota_accessible_release_before_h)


def _noshow_lock(phone: str | None) -> dict | None:
    """A signed-in person's no-show lock, shown before the form (issue 26): its end as a date.
    None when not signed in, without a record, or not locked."""
    if phone is None:
        return None
    regs = ports().seats.registrations_of(api_mine.owner_ref(phone))
    got = outlook.before_form(ports(), phone, regs)
    if not got or not got["locked_until"]:
        return None
    return {**got, "locked_until_date": pages_access.local_date(got["locked_until"])}


@bp.post("/a/<activity_id>")
def register_submit(activity_id):
    def book(loaded: dict):
        reg = usecases.register(
            ports(),
            activity_id,
            loaded,
            locale=lang(),
            client_address=request.remote_addr or "-",
            session_ref=api_verification.session_ref(),  # looked up with the limits
            queue_token=request.form.get("queue_token"),  # issue 28: the queue page's hidden field
        )
        target = "t" if reg["status"] == CONFIRMED else "r"
        return redirect(f"/{target}/{reg['registration_id']}?t={reg['manage_token']}", code=303)

    return submit(activity_id, book)


def submit(activity_id: str, act):
    """The form, read and checked as the API's ``RegistrationIn``, handed to ``act`` (registering,
    or entering the lottery: lottery_page.py); a refusal shows the form again with its reasons."""
    if not csrf.valid():
        return expired()
    form = request.form
    values = {k: v.strip() for k, v in form.items() if k != "csrf_token"}
    if not values.get("consent"):  # notice and consent (PIPL; docs/privacy.md): the form asks first
        errors = {"consent": [rule_message(CONSENT_REQUIRED, lang())]}
        return _form(activity_id, values, errors, None, 422)
    body: dict[str, Any] = {
        "name": values.get("name", ""),
        "phone": values.get("phone"),  # absent once verified: the session's phone is used
        "party_size": values.get("party_size", ""),
        "organization": values.get("organization") or None,
        "email": values.get("email") or None,
        "locale": lang(),
    }
    if values.get("for_someone_else"):  # issue 29, 代预约: the person going is named below
        body.update(for_someone_else=True, attendee_phone=values.get("attendee_phone") or None)
    doc = ports().seats.activity_doc(activity_id) or {}
    if doc.get("real_name"):  # one fieldset per person of the party; the first is the registrant
        body.update(pages_access.real_name_party(form, doc))
    try:
        body["party_size"] = int(body["party_size"] or 0)
        body.update(accessible.form_fields(values, body["party_size"]))  # issue 29 item 6
        loaded = RegistrationIn().load(body)
        # the proof of the consent ticked above: when, which text (consent.py, docs/privacy.md)
        loaded["consent"] = consent.proof(ports().clock.now(), real_name=bool(doc.get("real_name")))
        return act(loaded)
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
            return render("message.html", 404, title=gettext("No such activity"), text=None)
        errors = field_errors(exc, lang())
        banner = message_of(exc, lang())  # a spent rate limit too (shared/ratelimit.py)
        until = exc.details.get("locked_until")
        if exc.reason == NOSHOW_LOCKED and isinstance(until, (int, float)):  # say until when
            date = pages_access.local_date(until)
            banner = gettext(
                "Registration is locked after repeated no-shows, until %(date)s. My registrations shows the record.",
                date=date,
            )
        return _form(activity_id, values, errors, None if errors else banner, status_of(exc))


@bp.get("/privacy")
def privacy_page():
    """个人信息处理说明: what is collected, why, for how long, and how to erase it (docs/privacy.md)."""
    return render("privacy.html", retention_days=settings_of().retention_days)
