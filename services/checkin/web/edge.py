"""The HTTP edge of the check-in service: the adapters a request uses, and refusals as answers.

The use cases raise :class:`shared.refusal.Refusal` with a reason code; :func:`install` answers it in
the one error shape, with the HTTP status the vocabulary gives the reason (the only place a
status is chosen) and the message in the request's language.
"""

from __future__ import annotations

from datetime import UTC, datetime

from flask import Flask, Response, current_app, g, jsonify

from services.checkin import vocabulary as V
from services.checkin.door import admission
from services.checkin.door.store import CheckinStore
from services.checkin.door.usecases import Staff
from shared.errors import answer_refusals, common_refusal, said
from shared.i18n import request_locale
from shared.refusal import Refusal


def store() -> CheckinStore:
    found: CheckinStore = current_app.extensions["sciday.checkins"]
    return found


def staff() -> Staff:
    """The signed-in staff member as the use cases see them."""
    principal = g.principal
    venue = None if principal.role == "organizer" else (principal.venue or "")
    gates = frozenset(admission.canonical_gate(x) for x in principal.gates) if principal.gates else None
    return Staff(principal.name, venue, principal.token_hash, gates)


def _values(exc: Refusal) -> dict[str, object]:
    d = exc.details
    if exc.reason == V.ALREADY_CHECKED_IN and d.get("first_checked_in_at"):
        return {"at": admission.local_hm(d["first_checked_in_at"]), "gate": d.get("first_gate", "")}
    return {}


def _second_line(exc: Refusal, locale: str) -> str:
    """What a steward needs beside the verdict: the day of a ticket of another day (too early,
    too late), and whose ticket it is (wrong venue, wrong gate). The scanner shows the same
    (``refusalText`` in static/js/verdict.js)."""
    d, more = exc.details, V.REASONS[exc.reason].more
    if exc.reason == V.INVALID_TIME and d.get("opens_at") is not None and d.get("scanned_at"):
        line = admission.day_line(
            d["side"], d["opens_at"], d["closes_at"], datetime.fromisoformat(d["scanned_at"])
        )
        if line is None:
            return ""
        key, when = line
        zh, en = admission.local_day(when)
        at = datetime.fromtimestamp(when, UTC).isoformat()
        return more[key].say(locale, date=en if locale == "en" else zh, at=admission.local_hm(at))
    title = d.get("activity_title") or {}
    if exc.reason in (V.WRONG_VENUE, V.WRONG_GATE) and title:
        name = (
            (title.get("en") or title.get("zh")) if locale == "en" else (title.get("zh") or title.get("en"))
        )
        return more[V.TICKET_FOR].say(locale, title=name or "", venue=d.get("venue_name", ""))
    return ""


def answer(exc: Refusal) -> Response:
    if "message" in exc.details:
        return said(exc, V.http_status(exc.reason))
    if exc.reason not in V.REASONS:
        return common_refusal(exc)
    locale = request_locale()
    message = V.message(exc.reason, locale, exc.variant, **_values(exc))
    second = _second_line(exc, locale)
    body = {
        "status": "error",
        "reason": exc.reason,
        "message": f"{message} · {second}" if second else message,
        "errors": {},
        "detail": exc.details,
    }
    resp = jsonify(body)
    resp.status_code = V.http_status(exc.reason)
    return resp


def install(app: Flask) -> None:
    answer_refusals(app, answer, V.REASONS)
