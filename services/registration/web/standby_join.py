"""On-site standby for walk-ins (现场候补): the poster at the door and the join page behind its QR.

- ``/standby/<activity>/poster`` is printed and put up at the door: the activity, three steps, and
  a QR code to the join page (``?lang=en`` for the English poster; one language per page).
- ``/standby/<activity>`` is the join page.  Without a verified phone it sends the walk-in through
  issue 14's SMS-code flow (``/login?next=...``); with one, the walk-in picks the party size and
  gets a standby number.
- The number comes from the check-in service, which keeps the list beside the door's counts
  (``services/checkin/standby/usecases.py``): registration hands it the verified phone in a signed
  internal call (``shared/internal.py``).  Check-in's refusals (not open yet, closed, party too
  large) are shown with check-in's own message; no answer at all is ``standby_unavailable``.
"""

from __future__ import annotations

import json
from urllib.parse import quote

import requests
from flask import Blueprint, abort, current_app, redirect, request
from flask.views import MethodView
from flask_smorest import Blueprint as ApiBlueprint
from markupsafe import Markup
from marshmallow import RAISE, Schema, fields, validate

from services.registration import vocabulary as v
from services.registration.access import api as api_verification
from services.registration.catalogue import activities
from services.registration.vocabulary import Refusal
from services.registration.web import qr
from services.registration.web.edge import documented, message_of, reasons_text, status_of
from services.registration.web.rendering import lang, render
from shared import csrf, internal, sealed
from shared.i18n import request_locale
from shared.masking import mask_phone as masked
from shared.web import settings_of

bp = Blueprint("standby_pages", __name__)
CHECKIN_REASONS = "plus check-in's own refusals, passed through: `standby_not_open`, `standby_closed`, " \
    "`party_too_large` (see the check-in service's OpenAPI)."  # fmt: skip
api = ApiBlueprint(
    "standby_join",
    __name__,
    url_prefix="/api/v1/me/standby",
    description="On-site standby: a verified phone takes a number. "
    + reasons_text(v.PHONE_NOT_VERIFIED, v.STANDBY_UNAVAILABLE, v.CROSS_SITE_REQUEST)
    + " "
    + CHECKIN_REASONS,
)


class CheckinStandby:
    """The signed call to check-in's ``/internal/v1/activities/<id>/standby/entries``."""

    def __init__(self, checkin_url: str, key: bytes, notify_ring: sealed.Sealer, timeout_s: float = 5.0):
        self.base, self.key, self.timeout_s = checkin_url.rstrip("/"), key, timeout_s
        self.notify_ring = notify_ring
        self.session = requests.Session()

    def join(self, aid: str, phone: str, party_size: int, locale: str) -> dict:
        """Check-in gets the phone to key and mask it, and keeps only those and the phone sealed
        for notify (issue 16): notify opens it to send the StandbyCalled SMS, nobody else can."""
        phone_sealed = self.notify_ring.seal({"phone": phone})
        form = {"phone": phone, "phone_sealed": phone_sealed, "party_size": party_size, "locale": locale}
        resp, answer = self._post(aid, "entries", form, locale)
        if resp is not None and resp.status_code == 201:
            return {"number": int(answer["number"]), "replayed": bool(answer["replayed"])}
        raise self._refused(resp, answer)

    def place(self, aid: str, phone: str, locale: str) -> dict | None:
        """The phone's place (number, party_size, status), or None if it has not joined."""
        resp, answer = self._post(aid, "places", {"phone": phone}, locale)
        if resp is not None and resp.status_code == 200:
            return (
                None
                if answer.get("number") is None
                else {k: answer[k] for k in ("number", "party_size", "status")}
            )
        raise self._refused(resp, answer)

    def _post(self, aid: str, what: str, form: dict, locale: str) -> tuple:
        """The signed call; (response, answer), or (None, {}) when check-in did not answer."""
        body = json.dumps(form).encode()
        url = f"{self.base}/internal/v1/activities/{quote(aid, safe='')}/standby/{what}"
        headers = {**internal.headers(self.key, "POST", url, body), "Accept-Language": locale}
        try:
            resp = self.session.post(url, data=body, headers=headers, timeout=self.timeout_s)
            return resp, resp.json()
        except (requests.RequestException, ValueError):
            return None, {}

    @staticmethod
    def _refused(resp, answer: dict) -> Refusal:
        """Check-in said no (its reason and message, in the walk-in's language, passed on), or
        did not answer (``standby_unavailable``)."""
        if resp is not None and 400 <= resp.status_code < 500 and answer.get("reason"):
            return Refusal.passed_on(answer["reason"], answer.get("message", ""), resp.status_code)
        return Refusal(v.STANDBY_UNAVAILABLE)


def checkin() -> CheckinStandby:
    return current_app.extensions["sciday.standby_join"]


def activity_or_404(aid: str) -> dict:
    doc = current_app.extensions["sciday.seats"].activity_doc(aid, max_age_s=5)
    if doc is None:
        abort(404)
    return doc


def join_url(aid: str) -> str:
    base = settings_of().public_base_url.rstrip("/")
    return f"{base}/standby/{aid}" + ("?lang=en" if lang() == "en" else "")


@bp.get("/standby/<activity_id>/poster")
def poster(activity_id: str):
    doc = activity_or_404(activity_id)
    url = join_url(activity_id)
    svg = qr.svg(url).decode()
    svg = svg[svg.index("<svg") :]  # inline: drop the XML declaration
    s = settings_of()
    return render(
        "standby_poster.html",
        a=doc,
        qr_svg=Markup(svg),
        url=url,
        opens_before_min=s.standby_opens_before_min,
        max_party_size=s.standby_max_party_size,
    )


def standby_ticket(doc: dict, place: dict | None) -> dict:
    """Once the number is called, its signed standby ticket (``SB1.``, shared/tickets.py) as a QR:
    the scanner admits it like any other ticket, once, for this activity and venue only."""
    if not place or place["status"] not in (v.STANDBY_CALLED, v.STANDBY_ADMITTED):
        return {}
    valid_from, valid_until = activities.ticket_window(doc, settings_of().checkin_opens_before_min)
    code = current_app.extensions["sciday.keys"].sign_standby(
        number=place["number"], activity_id=doc["id"], venue_id=doc["venue"]["id"],
        party_size=place["party_size"], valid_from=valid_from, valid_until=valid_until,
    )  # fmt: skip
    svg = qr.svg(code).decode()
    return {"ticket_code": code, "ticket_qr": Markup(svg[svg.index("<svg") :]), "sb_status": place["status"]}


def _page(doc: dict, status: int = 200, **ctx):
    phone = api_verification.verified_phone()
    return render(
        "standby_join.html",
        status,
        a=doc,
        phone_masked=masked(phone) if phone else "",
        login_url=f"/login?next=/standby/{doc['id']}",
        max_party_size=settings_of().standby_max_party_size,
        **{
            "number": None,
            "banner": None,
            "replayed": False,
            "party_size": 0,
            "sb_status": v.STANDBY_WAITING,
            **ctx,
        },
    )


@bp.get("/standby/<activity_id>")
def join_page(activity_id: str):
    """With a verified phone that has joined: its number, and once called its signed ticket."""
    doc = activity_or_404(activity_id)
    phone = api_verification.verified_phone()
    if phone is None:
        return _page(doc)
    try:
        place = checkin().place(activity_id, phone, lang())
    except Refusal as exc:
        return _page(doc, banner=message_of(exc, lang()))
    if place is None:
        return _page(doc)
    return _page(doc, number=place["number"], party_size=place["party_size"], **standby_ticket(doc, place))


@bp.post("/standby/<activity_id>")
def join(activity_id: str):
    doc = activity_or_404(activity_id)
    phone = api_verification.verified_phone()
    if phone is None or not csrf.valid():
        return redirect(f"/login?next=/standby/{activity_id}", code=303)
    try:
        party_size = int(request.form.get("party_size", "1"))
    except ValueError:
        party_size = 0  # check-in refuses it with its own words (party_too_large)
    try:
        got = checkin().join(activity_id, phone, party_size, lang())
    except Refusal as exc:
        return _page(doc, status_of(exc), banner=message_of(exc, lang()))
    return _page(doc, 201 if not got["replayed"] else 200, number=got["number"], replayed=got["replayed"],
                 party_size=party_size)  # fmt: skip


class JoinIn(Schema):
    class Meta:
        unknown = RAISE

    party_size = fields.Integer(required=True, strict=True, validate=validate.Range(min=1, max=20))


class NumberOut(Schema):
    number = fields.Integer(required=True)
    replayed = fields.Boolean(required=True, metadata={"description": "this phone had joined before"})


@api.route("/<activity_id>")
class StandbyNumber(MethodView):
    @api.arguments(JoinIn())
    @api.response(201, NumberOut())
    @documented(api, v.PHONE_NOT_VERIFIED, v.STANDBY_UNAVAILABLE, v.CROSS_SITE_REQUEST)
    def post(self, body, activity_id):
        """The verified phone takes a standby number (the same number again if it has one)."""
        phone = api_verification.verified_phone()
        if phone is None:
            raise Refusal(v.PHONE_NOT_VERIFIED)
        return checkin().join(activity_id, phone, body["party_size"], lang_of_request())


def lang_of_request() -> str:
    return "en" if request_locale() == "en" else "zh-CN"
