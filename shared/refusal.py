"""The one domain refusal: a stable reason code and details, never an HTTP status.

Every service's rules and use cases raise :class:`Refusal`; each service's HTTP edge
(``services/*/edge.py``) is the only place that turns a reason into a status and a message. A reason
must be declared (a service's vocabulary declares its own through :func:`shared.words.reasons`,
``shared/errors.py`` the common ones), so a typo cannot reach a caller as an unknown code.

Details every edge reads the same way: ``retry_ms`` (when to ask again: ``Retry-After``), ``limit``
(a spent rate limit), and ``message`` with ``errors`` and ``extra``: a refusal that says its own
words (already in the caller's language) instead of its reason's text (``shared.errors.said``).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

_DECLARED: set[str] = set()


def declare(codes: Iterable[str]) -> None:
    """Declare reason codes a refusal may carry (a service's vocabulary, the common ones)."""
    _DECLARED.update(codes)


def declared(code: str) -> bool:
    return code in _DECLARED


class Refusal(Exception):
    """A rule said no: ``reason`` (a declared code) and ``details`` (its context, plain values).

    ``Refusal(reason, {"a": 1})`` and ``Refusal(reason, a=1)`` are the same. ``variant`` picks
    another text of the same reason (check-in's ``too_early`` of ``invalid_time``)."""

    def __init__(
        self,
        reason: str,
        details: Mapping[str, object] | None = None,
        variant: str = "",
        **more: object,
    ) -> None:
        if reason not in _DECLARED:
            raise ValueError(f"undeclared reason code {reason!r}")
        super().__init__(reason)
        self.reason = reason
        self.details: dict[str, Any] = {**(details or {}), **more}
        self.variant = variant

    @classmethod
    def passed_on(cls, reason: str, message: str, status: int) -> Refusal:
        """Another service's refusal, relayed as it answered: its code (declared there, not here),
        its message and its status are in ``details`` for the edge to pass on unchanged."""
        exc = cls.__new__(cls)
        Exception.__init__(exc, reason)
        exc.reason, exc.variant = reason, ""
        exc.details = {"passed_on": True, "message": message, "status": status}
        return exc
