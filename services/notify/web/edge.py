"""The HTTP edge of notify: a use case's :class:`shared.refusal.Refusal` answered in the one error
shape, with the HTTP status the vocabulary gives its reason and the message in the request's
language (the only place a status is chosen)."""

from __future__ import annotations

from flask import Flask, Response, jsonify

from services.notify import vocabulary as V
from shared.errors import answer_refusals, common_refusal
from shared.i18n import request_locale
from shared.refusal import Refusal


def answer(exc: Refusal) -> Response:
    if exc.reason not in V.REASONS:
        return common_refusal(exc)
    body = {
        "status": "error",
        "reason": exc.reason,
        "message": V.message(exc.reason, request_locale()),
        "errors": {},
    }
    resp = jsonify(body)
    resp.status_code = V.http_status(exc.reason)
    return resp


def install(app: Flask) -> None:
    answer_refusals(app, answer, V.REASONS)
