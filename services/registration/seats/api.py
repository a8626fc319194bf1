"""Registering, and managing one's own registration through the unguessable manage link."""

from __future__ import annotations

from flask import Response, request
from flask.views import MethodView
from flask_smorest import Blueprint

from services.registration import vocabulary as v
from services.registration.access import api as api_verification
from services.registration.bootstrap import ports, store
from services.registration.seats import correction, idempotency, registrations, soldout_gate, usecases
from services.registration.vocabulary import SOLD_OUT, Refusal
from services.registration.web import qr
from services.registration.web.edge import documented, manage_token, reasons_text
from services.registration.web.registration_schemas import (
    ManageTokenQuery,
    MemberCorrectionIn,
    RegistrationCreatedOut,
    RegistrationIn,
    RegistrationOut,
)
from shared.errors import RATE_LIMITED, ApiError
from shared.i18n import request_locale

REGISTER_REFUSALS = (
    v.PHONE_NOT_VERIFIED,
    v.QUEUE_TOKEN_REQUIRED,
    v.QUEUE_TOKEN_EXPIRED,
    v.QUEUE_TOKEN_INVALID,
    v.PHONE_INVALID,
    v.ID_INVALID,
    v.ID_DUPLICATE,
    v.ID_LIMIT_REACHED,
    v.ID_UNVERIFIED,
    v.REALNAME_UNAVAILABLE,
    v.IDEMPOTENCY_KEY_REUSED,
    v.UNKNOWN_ACTIVITY,
    v.ALREADY_REGISTERED,
    v.SOLD_OUT,
    v.REGISTRATION_NOT_OPEN,
    v.REGISTRATION_CLOSED,
    v.ACTIVITY_CANCELLED_REASON,
    v.PARTY_TOO_LARGE,
    v.NOSHOW_LOCKED,
    v.LOTTERY_ALLOCATION,
    v.VALIDATION_FAILED,
    RATE_LIMITED,
    v.CROSS_SITE_REQUEST,
    v.GUARDIAN_INVALID,
    v.PROXY_LIMIT_REACHED,
    v.NO_WHEELCHAIR_PLACE,  # issue 29 item 6: the body's ``accessible``
    v.NO_COMPANION_SEAT,
    v.COMPANION_NEEDS_WHEELCHAIR,
)
MANAGE_REFUSALS = (v.UNAUTHORIZED, v.UNKNOWN_REGISTRATION)
DROP_REFUSALS = (v.REGISTRATION_CANCELLED, v.PARTY_OF_ONE, v.UNKNOWN_MEMBER, v.REVISION_CONFLICT)
CORRECT_REFUSALS = (
    v.REGISTRATION_CANCELLED,
    v.UNKNOWN_MEMBER,
    v.REVISION_CONFLICT,
    v.VALIDATION_FAILED,
    v.ID_INVALID,
    v.MEMBER_ID_CHANGED,
    v.ID_DUPLICATE,
    v.ID_LIMIT_REACHED,
    v.ID_UNVERIFIED,
    v.REALNAME_UNAVAILABLE,
    v.REGISTRATION_CLOSED,
)
blp = Blueprint(
    "registrations",
    __name__,
    url_prefix="/api/v1",
    description=reasons_text(
        *REGISTER_REFUSALS, *MANAGE_REFUSALS, v.NO_TICKET, *DROP_REFUSALS, v.MEMBER_ID_CHANGED
    ),
)


def idempotency_digest() -> str:
    """The request's ``Idempotency-Key`` by the one rule (idempotency.key_digest), or 422."""
    try:
        return idempotency.key_digest(request.headers.get("Idempotency-Key"))
    except idempotency.KeyInvalid as exc:
        raise ApiError(
            v.VALIDATION_FAILED,
            f"Idempotency-Key must be {exc}.",
            status_code=422,
            errors={"Idempotency-Key": [str(exc)]},
        ) from None


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
        body = request.get_json(silent=True)
        if soldout_gate.asks_kept_seats(body):  # issue 29: kept wheelchair places
            return
        doc = store().cached_doc(aid) or {}
        hint = soldout_gate.party_size_hint(body, int(doc.get("max_party_size", 1)))
        memo.turned_away(aid, hint)
        request.environ[soldout_gate.MARK] = True  # the gate may answer the next ones (soldout_gate.py)
        raise Refusal(SOLD_OUT, {"from_memory": True})


@blp.route("/activities/<activity_id>/registrations")
class RegistrationCreate(MethodView):
    @blp.arguments(RegistrationIn())  # one instance, not one per request (hot path)
    @blp.response(201, RegistrationCreatedOut())
    @documented(blp, *REGISTER_REFUSALS)
    def post(self, body, activity_id):
        """Register a party: one registrant plus companions. Needs a verified phone (bearer token or
        cookie from /api/v1/verification/sessions). Honours ``Idempotency-Key``, bound to the body
        and the verified phone. ``"consent": true`` records the person's consent to the privacy
        notice, as the form does (required where SCIDAY_API_CONSENT_REQUIRED is on)."""
        reg = usecases.register(
            ports(),
            activity_id,
            body,
            idem=idempotency_digest(),
            locale=request_locale(body.get("locale")),
            client_address=request.remote_addr or "-",
            session_ref=api_verification.session_ref(),  # looked up with the limits
            queue_token=request.headers.get("X-Queue-Token"),  # issue 28: a queued activity's turn
        )
        return registrations.created_view(reg, ports().base_url)


@blp.route("/registrations/<registration_id>")
class RegistrationItem(MethodView):
    @blp.arguments(ManageTokenQuery, location="query")
    @blp.response(200, RegistrationOut)
    @documented(blp, *MANAGE_REFUSALS)
    def get(self, _query, registration_id):
        """One's own registration, with the waitlist position while waiting."""
        return usecases.registration_view(
            ports(), usecases.own_registration(ports(), registration_id, manage_token())
        )

    @blp.arguments(ManageTokenQuery, location="query")
    @blp.response(200, RegistrationOut)
    @documented(blp, *MANAGE_REFUSALS)
    def delete(self, _query, registration_id):
        """Cancel, or leave the waitlist: frees the seats, revokes the ticket, promotes the waitlist."""
        return usecases.registration_view(ports(), usecases.cancel(ports(), registration_id, manage_token()))


@blp.route("/registrations/<registration_id>/members/<int:member>")
class RegistrationMember(MethodView):
    @blp.arguments(ManageTokenQuery, location="query")
    @blp.response(200, RegistrationOut)
    @documented(blp, *MANAGE_REFUSALS, *DROP_REFUSALS)
    def delete(self, _query, registration_id, member):
        """Drop one member of the party and keep the rest (``member``: the place in ``members``,
        from 0; the registrant, 0, stays; a party without names drops one companion whatever the
        number). The seat is freed and the waitlist promoted in one atomic step; the smaller
        party gets a new ticket, and the door admits no more than its new size."""
        reg = usecases.drop_member(ports(), registration_id, manage_token(), member)
        return usecases.registration_view(ports(), reg)

    @blp.arguments(MemberCorrectionIn)
    @blp.arguments(ManageTokenQuery, location="query")
    @blp.response(200, RegistrationOut)
    @documented(blp, *MANAGE_REFUSALS, *CORRECT_REFUSALS)
    def patch(self, body, _query, registration_id, member):
        """Correct a member's name (issue 26): ``id_number`` typed again must be the one booked
        (the new name is checked with it by the real-name authority). Another number is a new
        member in this one's place, only with ``replace``, within the per-ID limits. A child
        (no ID) gives only ``name``."""
        reg = correction.correct_member(ports(), registration_id, manage_token(), member, body)
        return usecases.registration_view(ports(), reg)


def _qr_response(registration_id: str, kind: str) -> Response:
    reg = usecases.ticket(ports(), registration_id, manage_token())
    body = qr.png(reg["ticket_code"]) if kind == "png" else qr.svg(reg["ticket_code"])
    resp = Response(body, mimetype="image/png" if kind == "png" else "image/svg+xml")
    return resp


@blp.route("/registrations/<registration_id>/qr.png")
@blp.response(200, description="The ticket's QR code as PNG", content_type="image/png")
@documented(blp, *MANAGE_REFUSALS, v.NO_TICKET)
def qr_png(registration_id):
    return _qr_response(registration_id, "png")


@blp.route("/registrations/<registration_id>/qr.svg")
@blp.response(200, description="The ticket's QR code as SVG", content_type="image/svg+xml")
@documented(blp, *MANAGE_REFUSALS, v.NO_TICKET)
def qr_svg(registration_id):
    return _qr_response(registration_id, "svg")
