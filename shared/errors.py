"""The one error shape: ``{"status": "error", "reason", "message", "errors"}``.

Domain refusals raise :class:`ApiError` (or a subclass) carrying a stable snake_case ``reason``.
:func:`install` attaches handlers so that every failure of a Flask app, including 404, 405,
413, malformed JSON and unexpected exceptions, answers in this shape and never with a trace.
"""

from __future__ import annotations

import logging
from typing import Any

from flask import Flask, Response, jsonify
from marshmallow import Schema, fields
from werkzeug.exceptions import HTTPException

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
COMMON_REASONS = {
    "not_found": (404, "No such resource."),
    "method_not_allowed": (405, "This method is not allowed here."),
    "payload_too_large": (413, "The request body is too large."),
    "malformed_json": (400, "The body is not valid JSON."),
    "unsupported_media_type": (415, "Send the body as application/json."),
    "validation_failed": (422, "Some fields are not valid."),
    "bad_request": (400, "The request could not be understood."),
    "unauthorized": (401, "A valid bearer token is required."),
    "forbidden": (403, "This token may not do that."),
    "rate_limited": (429, "Too many requests; try again shortly."),
    "redis_unavailable": (503, "The data store is unavailable."),
    "broker_unavailable": (503, "The message broker is unavailable."),
    "internal_error": (500, "Something went wrong on our side."),
}

_HTTP_REASONS = {
    404: "not_found",
    405: "method_not_allowed",
    413: "payload_too_large",
    415: "unsupported_media_type",
    401: "unauthorized",
    403: "forbidden",
    429: "rate_limited",
    400: "bad_request",
    422: "validation_failed",
}


def error_response(
    reason: str, message: str | None = None, status: int | None = None, errors: dict[str, Any] | None = None
) -> Response:
    default_status, default_message = COMMON_REASONS.get(reason, (400, reason))
    resp = jsonify(
        {"status": "error", "reason": reason, "message": message or default_message, "errors": errors or {}}
    )
    resp.status_code = status or default_status
    return resp


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
        data = getattr(exc, "data", None) or {}
        if code == 400 and (
            "json" in (exc.description or "").lower() or "Invalid JSON body." in str(data.get("messages", ""))
        ):
            return error_response("malformed_json")
        reason = _HTTP_REASONS.get(code, "bad_request" if code < 500 else "internal_error")
        errors = _validation_errors(exc) if code == 422 else {}
        message = COMMON_REASONS.get(reason, (code, exc.description))[1]
        if code == 422:
            from shared.i18n import localize, request_locale

            locale = request_locale()
            errors = localize(errors, locale)
            message = message if locale == "en" else "部分字段填写有误。"
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
        resp = error_response("redis_unavailable")
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
        return error_response("internal_error")
