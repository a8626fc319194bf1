"""Registering, and managing one's own registration through the unguessable manage link."""

from __future__ import annotations

import hashlib
import logging

from flask import Response, current_app, request
from flask.views import MethodView
from flask_smorest import Blueprint

from services.registration import activities, api_verification, fair_access, qr, registrations
from services.registration.access_reasons import Refusal, api_error
from services.registration.api_activities import store
from services.registration.schemas import (
    ManageTokenQuery,
    RegistrationCreatedOut,
    RegistrationIn,
    RegistrationOut,
)
from services.registration.store import refusal
from shared.errors import ApiError
from shared.i18n import request_locale
from shared.web import settings_of

blp = Blueprint(
    "registrations",
    __name__,
    url_prefix="/api/v1",
    description="Reason codes: unknown_activity, validation_failed, already_registered, sold_out, "
    "registration_not_open, registration_closed, activity_cancelled, rate_limited, "
    "unknown_registration, unauthorized, phone_not_verified, id_invalid, id_duplicate, "
    "id_limit_reached, idempotency_key_reused.",
)

MAX_IDEMPOTENCY_KEY = 128
log = logging.getLogger("sciday.registration")


def idempotency_digest() -> str:
    key = request.headers.get("Idempotency-Key")
    if key is None:
        return ""
    if not key or len(key) > MAX_IDEMPOTENCY_KEY or not key.isprintable():
        raise ApiError(
            "validation_failed",
            "Idempotency-Key must be 1–128 printable characters.",
            status_code=422,
            errors={"Idempotency-Key": ["1–128 printable characters"]},
        )
    return hashlib.sha256(key.encode()).hexdigest()


@blp.before_request
def refuse_when_sold_out():
    """The crowd after the last seat, refused before its body is even parsed.

    Only when this worker learnt a moment ago that no party at all can get in (soldout.py); a
    party that might fit takes the full path. A malformed body to a sold-out activity therefore
    hears ``sold_out``: fixing it would not get a seat either.
    """
    if request.method != "POST" or request.endpoint != "registrations.RegistrationCreate":
        return
    if request.headers.get("Idempotency-Key") is not None:
        return
    aid = (request.view_args or {}).get("activity_id", "")
    memo = store().soldout
    if memo.sold_out(aid, 1):
        memo.turned_away(aid, party_size_hint(aid))
        raise refusal("sold_out")


def party_size_hint(aid: str) -> int:
    """The party size for the ``turned_away`` figure, from the unparsed body (1 when unclear)."""
    body = request.get_json(silent=True)
    size = body.get("party_size") if isinstance(body, dict) else None
    doc = store().cached_doc(aid) or {}
    if isinstance(size, int) and not isinstance(size, bool) and 1 <= size <= doc.get("max_party_size", 1):
        return size
    return 1


@blp.route("/activities/<activity_id>/registrations")
class RegistrationCreate(MethodView):
    @blp.arguments(RegistrationIn())  # one instance, not one per request (hot path)
    @blp.response(201, RegistrationCreatedOut())
    @blp.alt_response(401, schema="Error", description="phone_not_verified")
    @blp.alt_response(404, schema="Error", description="unknown_activity")
    @blp.alt_response(
        409,
        schema="Error",
        description="already_registered | sold_out | registration_not_open | "
        "registration_closed | activity_cancelled | id_duplicate | id_limit_reached",
    )
    @blp.alt_response(
        422, schema="Error", description="validation_failed | id_invalid | idempotency_key_reused"
    )
    @blp.alt_response(429, schema="Error", description="rate_limited")
    def post(self, body, activity_id):
        """Register a party: one registrant plus companions. Needs a verified phone (bearer token or
        cookie from /api/v1/verification/sessions). Honours ``Idempotency-Key``, bound to the
        body and the verified phone."""
        reg = book(activity_id, body, idempotency_digest(), request_locale(body.get("locale")))
        return registrations.created_view(reg, settings_of().public_base_url)


def book(activity_id: str, body: dict, idem: str, locale: str) -> dict:
    """Rate limits, the checks that need the activity, then the atomic reservation.

    Returns the registration record as first decided (shared by the API and the form page).
    Fair access (fair_access.py): the phone is the verified session's, real-name members are
    checked, and limits count per address, per phone and per ID.
    """
    settings = settings_of()
    store().refuse_from_memory(activity_id, body["party_size"], idem)  # the crowd after the last seat
    limiter = current_app.extensions["sciday.ratelimit"]
    # Every attempt counts against its address, verified or not (fair_access.prepare adds the
    # phone's and the IDs' limits once it knows them).
    limiter.check([("ip", request.remote_addr or "-", settings.rate_limit_ip_per_min, 60)])
    doc = store().activity_doc(activity_id)
    if doc is None:
        raise refusal("unknown_activity")
    secret = current_app.extensions["sciday.hmac"]
    try:
        prepared = fair_access.prepare(
            body,
            doc,
            session_phone=api_verification.verified_phone(),
            secret=secret,
            policy=fair_access.FairPolicy.from_settings(settings),
            locale=locale,
        )
    except Refusal as exc:
        raise api_error(exc, locale) from None
    limiter.check(prepared.limits)
    body = dict(body, phone=prepared.phone)
    registrations.check(body, doc, locale)
    reg = registrations.new_record(
        body, doc, locale, current_app.extensions["sciday.keys"], settings.public_base_url
    )
    reg.update(prepared.record)
    try:
        outcome, rid, position = store().reserve(reg, idem, fair=prepared.fair, owner_ref=prepared.owner_ref)
    except Refusal as exc:
        raise api_error(exc, locale) from None
    # The phone is logged for support; the logging filter masks it (138****5678).
    log.info(
        "registration %s %s activity=%s party=%d phone=%s",
        rid,
        outcome,
        activity_id,
        body["party_size"],
        body["phone"],
    )
    if outcome == "replay":
        return store().get_registration(rid)
    return dict(reg, status=outcome, initial_status=outcome, initial_position=position)


def authorized(rid: str, token: str | None = None) -> dict:
    """The registration, if ``token`` (or the request's) is its manage token; else 401/404."""
    token = (
        token or request.args.get("token") or request.args.get("t") or request.headers.get("X-Manage-Token")
    )
    if not token:
        raise ApiError(
            "unauthorized", "需要管理链接中的令牌 / The manage token is required.", status_code=401
        )
    reg = store().get_registration(rid) if len(rid) <= 32 else None
    if reg is None or not registrations.token_matches(reg, token):
        raise refusal("unknown_registration")
    return reg


def full(reg: dict) -> dict:
    got = store().get_activity(reg["activity_id"])
    activity = activities.view(*got) if got else None
    position = (
        store().waitlist_position(reg["activity_id"], reg["registration_id"])
        if reg["status"] == "waitlisted"
        else None
    )
    return registrations.full_view(reg, settings_of().public_base_url, position, activity)


@blp.route("/registrations/<registration_id>")
class RegistrationItem(MethodView):
    @blp.arguments(ManageTokenQuery, location="query")
    @blp.response(200, RegistrationOut)
    @blp.alt_response(401, schema="Error", description="unauthorized")
    @blp.alt_response(404, schema="Error", description="unknown_registration")
    def get(self, _query, registration_id):
        """One's own registration, with the waitlist position while waiting."""
        return full(authorized(registration_id))

    @blp.arguments(ManageTokenQuery, location="query")
    @blp.response(200, RegistrationOut)
    @blp.alt_response(401, schema="Error", description="unauthorized")
    @blp.alt_response(404, schema="Error", description="unknown_registration")
    def delete(self, _query, registration_id):
        """Cancel, or leave the waitlist: frees the seats, revokes the ticket, promotes the waitlist."""
        reg = authorized(registration_id)
        store().cancel(reg["activity_id"], registration_id)
        return full(store().get_registration(registration_id))


def _qr_response(registration_id: str, kind: str) -> Response:
    reg = authorized(registration_id)
    if reg["status"] != "confirmed":
        raise ApiError(
            "no_ticket", "没有有效门票 / There is no valid ticket (waitlisted or cancelled).", status_code=409
        )
    body = qr.png(reg["ticket_code"]) if kind == "png" else qr.svg(reg["ticket_code"])
    resp = Response(body, mimetype="image/png" if kind == "png" else "image/svg+xml")
    resp.headers["Cache-Control"] = "private, max-age=300"
    return resp


@blp.route("/registrations/<registration_id>/qr.png")
@blp.response(200, description="The ticket's QR code as PNG", content_type="image/png")
@blp.alt_response(409, schema="Error", description="no_ticket")
def qr_png(registration_id):
    return _qr_response(registration_id, "png")


@blp.route("/registrations/<registration_id>/qr.svg")
@blp.response(200, description="The ticket's QR code as SVG", content_type="image/svg+xml")
@blp.alt_response(409, schema="Error", description="no_ticket")
def qr_svg(registration_id):
    return _qr_response(registration_id, "svg")
