"""我的报名 (my registrations): everything a verified phone registered, across the festival, each
with its ticket, and cancelling. It is also how a lost ticket is found again: verify the phone,
and the list has the ticket and manage links."""

from __future__ import annotations

from flask import current_app
from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import Schema, fields

from services.registration import api_verification, fair_access
from services.registration.access_reasons import Refusal, api_error
from services.registration.api_activities import store
from services.registration.schemas import RegistrationOut
from services.registration.store import refusal
from shared.i18n import request_locale
from shared.phone import masked

blp = Blueprint(
    "mine",
    __name__,
    url_prefix="/api/v1/me",
    description="我的报名: the verified phone's registrations. Reason codes: phone_not_verified, "
    "unknown_registration.",
)


class MineOut(Schema):
    phone_masked = fields.String()
    registrations = fields.List(fields.Nested(RegistrationOut))


def owner() -> tuple[str, str]:
    phone = api_verification.verified_phone()
    if phone is None:
        raise api_error(Refusal("phone_not_verified"), request_locale())
    return phone, fair_access.owner_ref(current_app.extensions["sciday.hmac"], phone)


def _full(reg: dict) -> dict:
    from services.registration.api_registrations import full

    return full(reg)


@blp.route("/registrations")
class Mine(MethodView):
    @blp.response(200, MineOut)
    @blp.alt_response(401, schema="Error", description="phone_not_verified")
    def get(self):
        """Every registration of the verified phone, newest first, with tickets and manage links."""
        phone, ref = owner()
        return {
            "phone_masked": masked(phone),
            "registrations": [_full(r) for r in store().registrations_of(ref)],
        }


@blp.route("/registrations/<registration_id>")
class MineItem(MethodView):
    @blp.response(200, RegistrationOut)
    @blp.alt_response(401, schema="Error", description="phone_not_verified")
    @blp.alt_response(404, schema="Error", description="unknown_registration")
    def get(self, registration_id):
        """One of my registrations (its ticket)."""
        return _full(_mine(registration_id))

    @blp.response(200, RegistrationOut)
    @blp.alt_response(401, schema="Error", description="phone_not_verified")
    @blp.alt_response(404, schema="Error", description="unknown_registration")
    def delete(self, registration_id):
        """Cancel one of my registrations: frees the seats and the IDs, revokes the ticket."""
        reg = _mine(registration_id)
        store().cancel(reg["activity_id"], registration_id)
        return _full(store().get_registration(registration_id))


def _mine(rid: str) -> dict:
    """The registration if the verified phone made it; 404 otherwise (another's looks unknown)."""
    phone, _ref = owner()
    reg = store().get_registration(rid) if len(rid) <= 32 else None
    if reg is None or reg.get("phone") != phone:
        raise refusal("unknown_registration")
    return reg
