"""The HTTP edge of the registration service: the one place a reason becomes an HTTP status.

``install(app)`` answers every :class:`shared.refusal.Refusal` in the one error shape, in the
request's language, with the status the vocabulary declares (a common reason such as
``rate_limited``: shared/errors.py's status, and ``Retry-After``).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import Flask, Response, jsonify, request

from services.registration.vocabulary import FIELD_RULES, REASONS, rule_message
from shared.errors import COMMON_REASONS, answer_refusals, common_message, common_refusal, said
from shared.i18n import localize, request_locale
from shared.refusal import Refusal


def http_status(code: str) -> int:
    """The status of a reason: the service's vocabulary first, then the reasons every service shares."""
    status = REASONS[code].http if code in REASONS else None
    return status if status is not None else COMMON_REASONS[code][0]


def english(code: str) -> str:
    return REASONS[code].en if code in REASONS else COMMON_REASONS[code][1]


def reasons_text(*codes: str) -> str:
    """``Reason codes: `sold_out` (409: No seats left…), …`` for a blueprint's OpenAPI description."""
    return "Reason codes: " + ", ".join(f"`{c}` ({http_status(c)}: {english(c)})" for c in codes) + "."


def documented(blp: Any, *codes: str) -> Callable[[Any], Any]:
    """Document a view's refusals in OpenAPI, one alternative response per status, from the vocabulary.

    An undeclared code fails at import, so the documented lists cannot drift from the vocabulary.
    """
    by_status: dict[int, list[str]] = {}
    for code in codes:
        by_status.setdefault(http_status(code), []).append(code)

    def deco(view: Any) -> Any:
        for status, listed in sorted(by_status.items(), reverse=True):
            view = blp.alt_response(status, schema="Error", description=" | ".join(listed))(view)
        return view

    return deco


def _rule_messages(tree: Any, locale: str) -> Any:
    """Rule keys anywhere in a tree (``{"members": {"1": {"id_number": [key]}}}``) as messages."""
    if isinstance(tree, dict):
        return {k: _rule_messages(x, locale) for k, x in tree.items()}
    if isinstance(tree, list):
        return [_rule_messages(x, locale) for x in tree]
    return rule_message(tree, locale) if tree in FIELD_RULES else tree


def _tree(detail: object) -> dict[str, Any]:
    """A refusal's detail that maps fields to errors, or an empty one."""
    return dict(detail) if isinstance(detail, dict) else {}


def field_errors(exc: Refusal, locale: str) -> dict:
    """``{field: [message]}``: rule keys from the catalogue, other messages localized."""
    errors: dict = {}
    for field, rules in _tree(exc.details.get("rules")).items():
        errors[field] = _rule_messages(rules, locale)
    errors.update(localize(_tree(exc.details.get("errors")), locale))
    return errors


# The refusal's context a caller may see: the tries left on a code, the no-show lock's end,
# the earlier lottery entry. Nothing else (hashes, internal ids) leaves the service.
PUBLIC_DETAILS = ("attempts_left", "locked_until", "entry_id")


def status_of(exc: Refusal) -> int:
    if exc.details.get("passed_on"):
        return int(str(exc.details["status"]))
    return http_status(exc.reason)


def message_of(exc: Refusal, locale: str) -> str:
    """A refusal's message in ``locale``: the vocabulary's text of its reason, or the common one
    (``rate_limited``), or another service's as it said it (``Refusal.passed_on``)."""
    if exc.details.get("passed_on"):
        return str(exc.details["message"])
    if exc.reason in REASONS:
        return REASONS[exc.reason].message(locale)
    return common_message(exc.reason, locale)


def refusal_response(exc: Refusal) -> Response:
    if "message" in exc.details:
        return said(exc, status_of(exc))
    if exc.reason not in REASONS:
        return common_refusal(exc)
    locale = request_locale()
    body = {
        "status": "error",
        "reason": exc.reason,
        "message": message_of(exc, locale),
        "errors": field_errors(exc, locale),
    }
    public = {k: exc.details[k] for k in PUBLIC_DETAILS if k in exc.details}
    resp = jsonify(dict(body, detail=public) if public else body)
    resp.status_code = status_of(exc)
    retry_ms = exc.details.get("retry_ms")
    if isinstance(retry_ms, int):  # a cooldown or a cap: when to ask again
        resp.headers["Retry-After"] = str(max(1, -(-retry_ms // 1000)))
    return resp


def manage_token(given: str | None = None) -> str | None:
    """The manage token of a request: the form's, ``?token=``, ``?t=`` or ``X-Manage-Token``."""
    return (
        given or request.args.get("token") or request.args.get("t") or request.headers.get("X-Manage-Token")
    )


# Answers that carry a ticket, a manage token or someone's booking are never kept by a browser or a
# proxy (issue 16): every API answer, and the ticket, manage and "我的报名" pages.
PRIVATE_PATHS = ("/api/", "/t/", "/r/", "/me", "/login")


def _no_store(resp: Response) -> Response:
    if request.path.startswith(PRIVATE_PATHS):
        resp.headers["Cache-Control"] = "no-store"
    return resp


def install(app: Flask) -> None:
    answer_refusals(app, refusal_response, REASONS)
    app.after_request(_no_store)
