"""The HTTP edge of the registration service: the one place a reason becomes an HTTP status.

``install(app)`` answers every :class:`~services.registration.vocabulary.Refusal` in the one
error shape, in the request's language, with the status the vocabulary declares.
"""

from __future__ import annotations

from flask import Flask, Response, jsonify, request

from services.registration.vocabulary import FIELD_RULES, REASONS, Refusal, rule_message
from shared.i18n import localize, request_locale


def field_errors(exc: Refusal, locale: str) -> dict:
    """``{field: [message]}``: rule keys from the catalogue, other messages localized."""
    errors: dict = {}
    for field, rules in dict(exc.details.get("rules") or {}).items():
        errors[field] = [rule_message(r, locale) if r in FIELD_RULES else r for r in rules]
    errors.update(localize(dict(exc.details.get("errors") or {}), locale))
    return errors


def status_of(exc: Refusal) -> int:
    return REASONS[exc.reason].http_status


def refusal_response(exc: Refusal) -> Response:
    locale = request_locale()
    resp = jsonify(
        {
            "status": "error",
            "reason": exc.reason,
            "message": exc.message(locale),
            "errors": field_errors(exc, locale),
        }
    )
    resp.status_code = status_of(exc)
    return resp


def manage_token(given: str | None = None) -> str | None:
    """The manage token of a request: the form's, ``?token=``, ``?t=`` or ``X-Manage-Token``."""
    return (
        given or request.args.get("token") or request.args.get("t") or request.headers.get("X-Manage-Token")
    )


def install(app: Flask) -> None:
    app.register_error_handler(Refusal, refusal_response)
