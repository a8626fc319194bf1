"""The group booking page (issue 29): ``/a/<activity id>/group`` (``group.html``).

The lead teacher, signed in with a verified phone (the SMS login), gives the organization, their
own name (and ID on a real-name activity) and uploads the roster.  With script
(``static/js/group.js``) the roster is checked first (``POST .../groups/roster``): each row shown
masked, or each row's errors (row number, field, message in the page's language), then the
booking is confirmed.  Without script the form books at once and shows the rows' errors the same
way.  A booked group goes to its ticket page (``/t/<id>``: one ticket for the whole group).
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, redirect, request
from flask_babel import gettext
from marshmallow import ValidationError

from services.registration import vocabulary as v
from services.registration.access import api as api_verification
from services.registration.access import identity
from services.registration.bootstrap import ports
from services.registration.catalogue import activities
from services.registration.groups import api as groups_api
from services.registration.groups import booking, roster
from services.registration.web.edge import field_errors, message_of, status_of
from services.registration.web.rendering import expired, lang, render
from shared import csrf
from shared.i18n import localize
from shared.masking import mask_phone
from shared.web import settings_of

bp = Blueprint("group_page", __name__)


def install(app, api) -> None:
    """The groups' API and this page."""
    api.register_blueprint(groups_api.blp)
    app.register_blueprint(bp)


def _page(activity_id: str, values: dict[str, Any], errors: dict, banner: str | None, status: int = 200):
    got = ports().seats.get_activity(activity_id)
    if got is None:
        return render("message.html", 404, title=gettext("No such activity"), text=None)
    phone = api_verification.verified_phone()
    s = settings_of()
    rows: dict[str, Any] = errors["rows"] if isinstance(errors.get("rows"), dict) else {}
    return render(
        "group.html",
        status,
        a=activities.view(*got),
        values=values,
        errors=errors,
        row_errors=sorted(rows.items(), key=lambda kv: int(kv[0])),
        banner=banner,
        need_verify=phone is None,
        verified_phone=mask_phone(phone) if phone else "",
        group_limit=s.group_size_limit,
        child_age=s.child_max_age_without_id,
        id_types={k: label for k, label in identity.LABELS.items() if k != identity.NO_ID},
        field_names=field_names(),
        headers={k: roster.HEADERS[k][0] for k in ("name", "id_number", "birth_date")},
    )


def field_names() -> dict[str, str]:
    """A roster's columns as the rows' errors name them, in the page's language."""
    return {
        "name": gettext("Name"),
        "id_number": gettext("ID number"),
        "id_type": gettext("ID type"),
        "birth_date": gettext("Birth date"),
        "nationality": gettext("Nationality"),
    }


@bp.get("/a/<activity_id>/group")
def group_form(activity_id):
    return _page(activity_id, {}, {}, None)


@bp.post("/a/<activity_id>/group")
def group_submit(activity_id):
    """Without script: the form books at once; a refusal shows the form with its reasons."""
    if not csrf.valid():
        return expired()
    values = {k: x.strip() for k, x in request.form.items() if k != "csrf_token"}
    try:
        lead = groups_api.GroupLeadIn().load({k: x for k, x in values.items() if x} | {"locale": lang()})
        reg = booking.book(
            ports(),
            activity_id,
            lead,
            groups_api.uploaded_roster(),
            locale=lang(),
            client_address=request.remote_addr or "-",
            session_ref=api_verification.session_ref(),
        )
    except ValidationError as exc:
        return _page(activity_id, values, localize(exc.messages, lang()), None, 422)
    except v.Refusal as exc:
        if exc.reason == v.PHONE_NOT_VERIFIED:
            return redirect(f"/login?next=/a/{activity_id}/group", code=303)
        errors = field_errors(exc, lang())
        return _page(activity_id, values, errors, message_of(exc, lang()), status_of(exc))
    return redirect(f"/t/{reg['registration_id']}?t={reg['manage_token']}", code=303)
