"""The one error shape: ``{"status": "error", "reason", "message", "errors"}``.

Domain refusals raise :class:`ApiError` (or a subclass) carrying a stable snake_case ``reason``.
:func:`install` attaches handlers so that every failure of a Flask app, including 404, 405,
413, malformed JSON and unexpected exceptions, answers in this shape and never with a trace.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Callable, Collection
from typing import Any

from flask import Flask, Response, jsonify
from marshmallow import Schema, fields
from werkzeug.exceptions import HTTPException

from shared.msgid import N_, text
from shared.refusal import Refusal, declare

log = logging.getLogger("sciday.errors")


class ApiError(Exception):
    status_code = 409
    reason = "conflict"
    message = "The request conflicts with the current state."

    def __init__(
        self,
        reason: str | None = None,
        message: str | None = None,
        *,
        status_code: int | None = None,
        errors: dict[str, Any] | None = None,
        headers: dict[str, Any] | None = None,
        extra: dict[str, Any] | None = None,
    ):
        super().__init__(message or self.message)
        if reason:
            self.reason = reason
        if message:
            self.message = message
        if status_code:
            self.status_code = status_code
        self.errors = errors or {}
        self.headers = headers or {}
        self.extra = extra or {}

    def body(self) -> dict[str, Any]:
        body = {"status": "error", "reason": self.reason, "message": self.message, "errors": self.errors}
        body.update(self.extra)
        return body


class ErrorSchema(Schema):
    """The body of every error response."""

    status = fields.Constant("error", required=True)
    reason = fields.String(required=True, metadata={"description": "stable snake_case code"})
    message = fields.String(required=True)
    errors = fields.Dict(required=True, metadata={"description": "field -> messages (validation)"})
    detail = fields.Dict(
        metadata={"description": "context of a refusal, e.g. the first scan's time and gate"}
    )


# Reasons every service can answer with, whatever the endpoint.
NOT_FOUND = "not_found"
METHOD_NOT_ALLOWED = "method_not_allowed"
PAYLOAD_TOO_LARGE = "payload_too_large"
MALFORMED_JSON = "malformed_json"
JSON_TOO_COMPLEX = "json_too_complex"  # issue 16: nesting or a number beyond shared/jsonlimits.py
UNSUPPORTED_MEDIA_TYPE = "unsupported_media_type"
VALIDATION_FAILED = "validation_failed"
BAD_REQUEST = "bad_request"
UNAUTHORIZED = "unauthorized"
FORBIDDEN = "forbidden"
RATE_LIMITED = "rate_limited"
REDIS_UNAVAILABLE = "redis_unavailable"
BROKER_UNAVAILABLE = "broker_unavailable"
INTERNAL_ERROR = "internal_error"
REQUEST_REPLAYED = "request_replayed"  # issue 23: a signed internal call's nonce came again
WORKER_STALLED = "worker_stalled"  # issue 24: a worker loop missed its heartbeat (shared/worker.py)

COMMON_REASONS = {
    NOT_FOUND: (404, N_("No such resource.")),
    METHOD_NOT_ALLOWED: (405, N_("This method is not allowed here.")),
    PAYLOAD_TOO_LARGE: (413, N_("The request body is too large.")),
    MALFORMED_JSON: (400, N_("The body is not valid JSON.")),
    JSON_TOO_COMPLEX: (400, N_("The JSON body is nested too deeply or holds too long a number.")),
    UNSUPPORTED_MEDIA_TYPE: (415, N_("Send the body as application/json.")),
    VALIDATION_FAILED: (422, N_("Some fields are not valid.")),
    BAD_REQUEST: (400, N_("The request could not be understood.")),
    UNAUTHORIZED: (401, N_("A valid bearer token is required.")),
    FORBIDDEN: (403, N_("This token may not do that.")),
    RATE_LIMITED: (429, N_("Too many requests; try again shortly.")),
    REDIS_UNAVAILABLE: (503, N_("The data store is unavailable.")),
    BROKER_UNAVAILABLE: (503, N_("The message broker is unavailable.")),
    INTERNAL_ERROR: (500, N_("Something went wrong on our side.")),
    REQUEST_REPLAYED: (409, N_("This signed request was already received; a replay is refused.")),
    WORKER_STALLED: (503, N_("A worker loop has stopped turning.")),
}
declare(COMMON_REASONS)  # any service may refuse with these


def common_message(reason: str, locale: str) -> str:
    """The message of a common reason in ``locale`` (zh-CN unless "en"), from shared/'s catalogue
    (issue 26: one table of msgids, their Chinese in ``shared/translations``, as every page's)."""
    if reason not in COMMON_REASONS:
        return reason
    return text(COMMON_REASONS[reason][1], locale)


_HTTP_REASONS = {
    404: NOT_FOUND,
    405: METHOD_NOT_ALLOWED,
    413: PAYLOAD_TOO_LARGE,
    415: UNSUPPORTED_MEDIA_TYPE,
    401: UNAUTHORIZED,
    403: FORBIDDEN,
    429: RATE_LIMITED,
    400: BAD_REQUEST,
    422: VALIDATION_FAILED,
}


def error_response(
    reason: str, message: str | None = None, status: int | None = None, errors: dict[str, Any] | None = None
) -> Response:
    from shared.i18n import request_locale

    default_status = COMMON_REASONS.get(reason, (400, reason))[0]
    text = message or common_message(reason, request_locale())
    resp = jsonify({"status": "error", "reason": reason, "message": text, "errors": errors or {}})
    resp.status_code = status or default_status
    return resp


def common_refusal(exc: Refusal) -> Response:
    """A refusal with one of the common reasons above (``rate_limited``), as a service's edge
    answers it: the common status and message, the spent limit in ``errors``, and ``Retry-After``
    (whole seconds, at least 1) when the refusal says when to ask again (``retry_ms``)."""
    from shared.i18n import localize, request_locale

    limit = exc.details.get("limit")
    # issue 26: field errors given as rule keys are said in the request's language, like the message
    errors = {"limit": [limit]} if limit else localize(exc.details.get("errors"), request_locale())
    resp = error_response(exc.reason, errors=errors or None)
    retry_ms = exc.details.get("retry_ms")
    if isinstance(retry_ms, int):
        resp.headers["Retry-After"] = str(max(1, math.ceil(retry_ms / 1000)))
    return resp


def said(exc: Refusal, status: int) -> Response:
    """A refusal that says its own words: ``details["message"]`` (already in the request's
    language) instead of its reason's text, ``details["errors"]`` as given and the keys of
    ``details["extra"]`` beside them (an import's report), with its reason's ``status``."""
    d = exc.details
    body = {"status": "error", "reason": exc.reason, "message": d["message"], "errors": d.get("errors") or {}}
    body.update(dict(d.get("extra") or {}))
    resp = jsonify(body)
    resp.status_code = status
    return resp


def answer_refusals(app: Flask, answer: Callable[[Refusal], Response], own: Collection[str]) -> None:
    """Answer :class:`Refusal` with a service edge's ``answer``. A reason not in ``own`` goes to
    the edge installed before it on the same app, if any (two services' edges on one test app)."""
    before = app.error_handler_spec[None][None].get(Refusal)

    def handle(exc: Refusal) -> Response:
        if before is None or exc.reason in own:
            return answer(exc)
        return before(exc)  # type: ignore[return-value]

    app.register_error_handler(Refusal, handle)


def _validation_errors(exc: HTTPException) -> dict[str, Any]:
    # flask-smorest / webargs attach marshmallow messages under exc.data["messages"].
    data = getattr(exc, "data", None) or {}
    messages = data.get("messages") or {}
    # Flatten {"json": {...}} into the field map the client sent.
    if isinstance(messages, dict) and set(messages) <= {"json", "query", "headers", "form", "files", "path"}:
        merged: dict[str, Any] = {}
        for part in messages.values():
            if isinstance(part, dict):
                merged.update(part)
        return merged
    return messages if isinstance(messages, dict) else {"_schema": messages}


def install(app: Flask) -> None:
    @app.errorhandler(ApiError)
    def _api_error(exc: ApiError) -> Response:
        resp = jsonify(exc.body())
        resp.status_code = exc.status_code
        for k, v in exc.headers.items():
            resp.headers[k] = v
        return resp

    @app.errorhandler(HTTPException)
    def _http_error(exc: HTTPException) -> Response:
        code = exc.code or 500
        if getattr(exc, "sciday_reason", None) in COMMON_REASONS:  # e.g. json_too_complex
            return error_response(exc.sciday_reason, status=code)  # type: ignore[attr-defined]
        data = getattr(exc, "data", None) or {}
        if code == 400 and (
            "json" in (exc.description or "").lower() or "Invalid JSON body." in str(data.get("messages", ""))
        ):
            return error_response(MALFORMED_JSON)
        reason = _HTTP_REASONS.get(code, BAD_REQUEST if code < 500 else INTERNAL_ERROR)
        errors = _validation_errors(exc) if code == 422 else {}
        if code == 422:
            from shared.i18n import localize, request_locale

            errors = localize(errors, request_locale())
        message = None if reason in COMMON_REASONS else exc.description
        resp = error_response(reason, message, code, errors)
        if code == 405 and exc.get_response().headers.get("Allow"):
            resp.headers["Allow"] = exc.get_response().headers["Allow"]
        return resp

    import redis

    from shared.redis_scripts import OUTAGE, is_read_only

    def _store_down(exc: Exception) -> Response:
        # Redis restarting or unreachable, or a replica during a failover: a clear, retryable
        # answer. Whether a write in flight was applied is settled by the Idempotency-Key on retry.
        log.warning("redis unavailable: %s", exc)
        resp = error_response(REDIS_UNAVAILABLE)
        resp.headers["Retry-After"] = "1"
        return resp

    for outage in OUTAGE:
        app.register_error_handler(outage, _store_down)

    @app.errorhandler(redis.ResponseError)
    def _store_refused(exc: redis.ResponseError) -> Response:
        if is_read_only(exc):  # a replica refused a write inside a script or a pipeline
            return _store_down(exc)
        return _unexpected(exc)

    @app.errorhandler(Exception)
    def _unexpected(exc: Exception) -> Response:
        log.exception("unhandled error")
        return error_response(INTERNAL_ERROR)
