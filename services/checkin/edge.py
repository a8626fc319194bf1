"""The HTTP edge of the check-in service: the adapters a request uses, and refusals as answers.

The use cases raise :class:`usecases.Refusal` with a reason code; :func:`install` answers it in
the one error shape, with the HTTP status the vocabulary gives the reason (the only place a
status is chosen) and the message in the request's language.
"""

from __future__ import annotations

from flask import Flask, Response, current_app, g, jsonify

from services.checkin import admission
from services.checkin import vocabulary as V
from services.checkin.store import CheckinStore
from services.checkin.usecases import Refusal, Staff
from shared.i18n import request_locale


def store() -> CheckinStore:
    found: CheckinStore = current_app.extensions["sciday.checkins"]
    return found


def staff() -> Staff:
    """The signed-in staff member as the use cases see them."""
    principal = g.principal
    return Staff(principal.name, None if principal.role == "organizer" else (principal.venue or ""))


def _values(exc: Refusal) -> dict[str, object]:
    d = exc.details
    if exc.reason == V.ALREADY_CHECKED_IN and d.get("first_checked_in_at"):
        return {"at": admission.local_hm(d["first_checked_in_at"]), "gate": d.get("first_gate", "")}
    return {}


def answer(exc: Refusal) -> Response:
    locale = request_locale()
    body = {
        "status": "error",
        "reason": exc.reason,
        "message": V.message(exc.reason, locale, exc.variant, **_values(exc)),
        "errors": {},
        "detail": exc.details,
    }
    resp = jsonify(body)
    resp.status_code = V.http_status(exc.reason)
    return resp


def install(app: Flask) -> None:
    app.register_error_handler(Refusal, answer)
