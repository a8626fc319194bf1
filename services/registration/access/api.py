"""Verifying a phone: ask for an SMS code, trade it for a session (cookie for pages, bearer for the
API). The rules are in verification.py; this is the HTTP edge."""

from __future__ import annotations

import time
from dataclasses import dataclass

from flask import current_app, make_response, request
from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import RAISE, Schema, fields, validate

from services.registration import vocabulary as v
from services.registration.access import verification
from services.registration.vocabulary import Refusal
from services.registration.web.edge import documented, reasons_text
from shared import csrf
from shared.i18n import request_locale
from shared.masking import mask_phone
from shared.web import settings_of
from shared.words import CODE_BY_SMS, CODE_CHANNELS, LOCALES

COOKIE = "sciday_session"

blp = Blueprint(
    "verification",
    __name__,
    url_prefix="/api/v1/verification",
    description="Verified phones. "
    + reasons_text(
        v.PHONE_INVALID,
        v.CODE_INVALID,
        v.CODE_EXPIRED,
        v.TOO_MANY_ATTEMPTS,
        v.CODE_COOLDOWN,
        v.DAILY_CAP_REACHED,
        v.SMS_UNAVAILABLE,
        v.PHONE_NOT_VERIFIED,
        v.VALIDATION_FAILED,
        v.NETWORK_CAP_REACHED,
        v.CODES_BUSY,
    ),
)


@dataclass(frozen=True)
class Wiring:
    """What the verification views need, built once in create_app()."""

    store: verification.CodeStore
    sender: verification.CodeSender
    policy: verification.Policy
    secret: bytes


def wiring() -> Wiring:
    return current_app.extensions["sciday.verification"]


def session_token() -> str | None:
    """The session a request carries: ``Authorization: Bearer vs_...`` or the page cookie.

    An API call that changes something on the cookie alone must come from this site (shared/csrf.py:
    the CSRF token echoed, or a same-site Origin/Referer), else it is refused ``cross_site_request``;
    the pages check their forms' CSRF field themselves."""
    token = bearer_of(request.headers.get("Authorization", ""))
    if token:
        return token
    cookie = request.cookies.get(COOKIE)
    if (
        cookie
        and request.method not in csrf.SAFE_METHODS
        and request.path.startswith("/api/")
        and not csrf.same_site(settings_of().public_base_url)
    ):
        raise Refusal(v.CROSS_SITE_REQUEST)
    return cookie


def bearer_of(header: str) -> str | None:
    """The session token of an ``Authorization: Bearer vs_...`` header, or None (the queue's
    status gate reads it the same way, before Flask)."""
    return header[7:].strip() if header.startswith("Bearer " + verification.TOKEN_PREFIX) else None


def verified_phone() -> str | None:
    return verification.session_phone(session_token(), wiring().store)


def session_ref() -> str | None:
    """The reference of the request's session, for a use case that looks it up with its other
    reads (registering: checks.py); None without a well-formed token."""
    return verification.token_ref(session_token())


def now_ms() -> int:
    return int(time.time() * 1000)


class _Strict(Schema):
    class Meta:
        unknown = RAISE


class CodeRequestIn(_Strict):
    phone = fields.String(
        required=True,
        validate=validate.Length(max=40),
        metadata={"description": "mainland mobile; spaces, dashes, +86/0086/86 accepted"},
    )
    locale = fields.String(load_default=None, allow_none=True, validate=validate.OneOf(LOCALES))


class CodeAskIn(CodeRequestIn):
    channel = fields.String(
        load_default=CODE_BY_SMS,
        validate=validate.OneOf(CODE_CHANNELS),
        metadata={"description": "sms (default) | voice: a phone call reads the code out (issue 29)"},
    )


class CodeSentOut(Schema):
    status = fields.String(metadata={"description": "sent"})
    phone_masked = fields.String()
    expires_in_s = fields.Integer()
    resend_after_s = fields.Integer()
    channel = fields.String(metadata={"description": "sms | voice"})


class SessionIn(CodeRequestIn):
    code = fields.String(
        required=True, validate=validate.Length(max=12), metadata={"description": "6 digits"}
    )


class SessionOut(Schema):
    token = fields.String(metadata={"description": "bearer token for the API (also set as a cookie)"})
    token_type = fields.String(metadata={"description": "Bearer"})
    phone_masked = fields.String()
    expires_at_ms = fields.Integer()


class SessionStateOut(Schema):
    verified = fields.Boolean()
    phone_masked = fields.String()


@blp.route("/codes")
class Codes(MethodView):
    @blp.arguments(CodeAskIn)
    @blp.response(202, CodeSentOut)
    @documented(
        blp,
        v.PHONE_INVALID,
        v.CODE_COOLDOWN,
        v.DAILY_CAP_REACHED,
        v.SMS_UNAVAILABLE,
        v.NETWORK_CAP_REACHED,
        v.CODES_BUSY,
    )
    def post(self, body):
        """Send a 6-digit code by SMS or by a phone call that reads it out, valid 5 minutes; both
        channels share the same limits (code_issue.lua)."""
        w = wiring()
        return verification.request_code(
            body["phone"],
            request.remote_addr or "-",
            request_locale(body.get("locale")),
            channel=body["channel"],
            store=w.store,
            sender=w.sender,
            policy=w.policy,
            secret=w.secret,
            now_ms=now_ms(),
        )


@blp.route("/sessions")
class Sessions(MethodView):
    @blp.arguments(SessionIn)
    @blp.response(201, SessionOut)
    @documented(blp, v.PHONE_INVALID, v.CODE_INVALID, v.CODE_EXPIRED, v.TOO_MANY_ATTEMPTS)
    def post(self, body):
        """Trade a code for a session: a bearer token, also set as an HttpOnly cookie for pages."""
        w = wiring()
        session = verification.verify(
            body["phone"], body["code"], store=w.store, policy=w.policy, secret=w.secret, now_ms=now_ms()
        )
        resp = make_response(
            {
                "token": session.token,
                "token_type": "Bearer",
                "phone_masked": mask_phone(session.phone),
                "expires_at_ms": session.expires_at_ms,
            },
            201,
        )
        set_cookie(resp, session.token, w.policy)
        return resp


def set_cookie(resp, token: str, policy: verification.Policy) -> None:
    resp.set_cookie(
        COOKIE,
        token,
        max_age=policy.session_days * 86400,
        httponly=True,
        samesite="Lax",
        secure=request.is_secure,
        path="/",
    )


@blp.route("/session")
class CurrentSession(MethodView):
    @blp.response(200, SessionStateOut)
    @documented(blp, v.PHONE_NOT_VERIFIED)
    def get(self):
        """Whether this request carries a verified phone (bearer token or cookie)."""
        phone = verified_phone()
        if phone is None:
            raise Refusal(v.PHONE_NOT_VERIFIED)
        return {"verified": True, "phone_masked": mask_phone(phone)}

    @blp.response(200, SessionStateOut)
    def delete(self):
        """Sign out: the session ends on every device that shares it."""
        token = session_token()
        if token:
            wiring().store.end_session(verification.session_ref(token))
        resp = make_response({"verified": False, "phone_masked": ""}, 200)
        resp.delete_cookie(COOKIE, path="/")
        return resp
