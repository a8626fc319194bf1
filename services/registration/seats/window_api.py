"""The staffed window and the phone line over HTTP (issue 29 item 4): booking on someone's behalf
(``seats/window.py``), the seats the window still keeps, the staff page and the printable ticket.

Stewards and supervisors book at their own venue's activities, organizers at any; the staff page
(``/staff/window``) keeps the token in the browser as the organizer page does and calls the API
with ``Authorization: Bearer``.  The printable ticket (``/t/<id>/print?t=…&paper=58|80``) is
reached by the registration's manage token, as the ticket page is.
"""

from __future__ import annotations

from flask import Blueprint, g, request
from flask.views import MethodView
from flask_babel import gettext
from flask_smorest import Blueprint as ApiBlueprint
from marshmallow import Schema, fields

from services.registration import vocabulary as v
from services.registration.access import identity
from services.registration.bootstrap import ports
from services.registration.catalogue.exports import OTHER_VENUE
from services.registration.seats import publishing, registrations, usecases, window
from services.registration.seats.api import REGISTER_REFUSALS, idempotency_digest
from services.registration.vocabulary import Refusal
from services.registration.web.edge import documented, reasons_text
from services.registration.web.registration_schemas import RegistrationCreatedOut, RegistrationIn
from services.registration.web.rendering import render
from shared.auth import require
from shared.errors import FORBIDDEN, RATE_LIMITED, UNAUTHORIZED
from shared.i18n import request_locale
from shared.masking import mask_name
from shared.msgid import text
from shared.web import settings_of

bp = Blueprint("window", __name__)
# The online path's refusals a staff booking never hears (no SMS session, queue, rate limit, proxy cap)
NOT_AT_THE_WINDOW = (
    v.PHONE_NOT_VERIFIED,
    v.QUEUE_TOKEN_REQUIRED,
    v.QUEUE_TOKEN_EXPIRED,
    v.QUEUE_TOKEN_INVALID,
    v.PROXY_LIMIT_REACHED,
    RATE_LIMITED,
)
WINDOW_REFUSALS = (
    *(r for r in REGISTER_REFUSALS if r not in NOT_AT_THE_WINDOW),
    UNAUTHORIZED,
    FORBIDDEN,
)
blp = ApiBlueprint(
    "window_api",
    __name__,
    url_prefix="/api/v1",
    description="The staffed window and the phone line (issue 29). " + reasons_text(*WINDOW_REFUSALS),
)
PAPERS = ("58", "80")  # receipt printers' paper widths, mm


class WindowRegistrationIn(RegistrationIn):
    id_checked = fields.Boolean(
        load_default=False,
        metadata={"description": "the steward checked each member's ID by eye (required on real-name)"},
    )


class WindowCreatedOut(RegistrationCreatedOut):
    channel = fields.String(metadata={"description": "window"})
    print_url = fields.String(metadata={"description": "the printable ticket; add paper=58 or 80"})


class WindowSeatsOut(Schema):
    activity_id = fields.String()
    seats_open = fields.Integer(metadata={"description": "open to online booking now"})
    window_left = fields.Integer(metadata={"description": "still kept for the window now"})


def booker() -> window.Booker:
    p = g.principal
    return window.Booker(p.role, None if p.role == "organizer" else (p.venue or ""), p.name, p.token_hash)


def own_venue(exc: Refusal) -> Refusal:
    """A steward's refusal for another venue, said as the exports say it."""
    if exc.reason == FORBIDDEN:
        return Refusal(FORBIDDEN, message=text(OTHER_VENUE, request_locale(), v.CATALOGUE))
    return exc


@blp.route("/activities/<activity_id>/window-registrations")
class WindowRegistrations(MethodView):
    @require("steward", "supervisor", "organizer")
    @blp.arguments(WindowRegistrationIn())
    @blp.response(201, WindowCreatedOut())
    @documented(blp, *WINDOW_REFUSALS)
    def post(self, body, activity_id):
        """Book a party at the window or on the phone (staff token of the activity's venue, or an
        organizer's): the window's kept seats first, else the general seats; ``sold_out`` when
        both are gone. Honours ``Idempotency-Key``."""
        try:
            reg = window.book(
                ports(),
                activity_id,
                body,
                booker(),
                idem=idempotency_digest(),
                locale=request_locale(body.get("locale")),
            )
        except Refusal as exc:
            raise own_venue(exc) from None
        out = registrations.created_view(reg, ports().base_url)
        base = ports().base_url
        token = reg["manage_token"]
        return dict(out, channel=v.CH_WINDOW, print_url=f"{base}/t/{reg['registration_id']}/print?t={token}")


@blp.route("/activities/<activity_id>/window")
class WindowSeats(MethodView):
    @require("steward", "supervisor", "organizer")
    @blp.response(200, WindowSeatsOut)
    @documented(blp, v.UNKNOWN_ACTIVITY, v.LOTTERY_ALLOCATION, UNAUTHORIZED, FORBIDDEN)
    def get(self, activity_id):
        """The seats the window still keeps and the seats open online (quota.lua's, read-only)."""
        try:
            window.window_activity(ports(), activity_id, booker())
        except Refusal as exc:
            raise own_venue(exc) from None
        _doc, counts = publishing.activity(ports(), activity_id)
        return {
            "activity_id": activity_id,
            "seats_open": max(int(counts.get("seats_open", 0)), 0),
            "window_left": int(counts.get("window_left", 0)),
        }


def install(app, api) -> None:
    """The window's API and its pages (create_app)."""
    api.register_blueprint(blp)
    app.register_blueprint(bp)


@bp.get("/staff/window")
def window_page():
    """The staff page: sign in with a staff token, pick an activity, book, print the ticket."""
    return render(
        "window.html",
        party_size_limit=settings_of().party_size_limit,
        id_types={k: label for k, label in identity.LABELS.items() if k != identity.NO_ID},
    )


@bp.get("/t/<rid>/print")
def print_page(rid):
    """The printable ticket for a receipt printer, 58 or 80 mm wide (``?paper=``)."""
    token = request.args.get("t")
    try:
        reg = usecases.registration_view(ports(), usecases.own_registration(ports(), rid, token))
    except Refusal:
        reg = None
    if reg is None or reg["status"] != v.CONFIRMED:
        return render(
            "message.html",
            404,
            title=gettext("This link is not valid"),
            text=gettext("Use the link you received when you registered."),
        )
    paper = request.args.get("paper") if request.args.get("paper") in PAPERS else PAPERS[-1]
    return render(
        "ticket_print.html", r=reg, a=reg["activity"], token=token, paper=paper, masked=mask_name(reg["name"])
    )
