"""The domain refusal every use-case core raises: a stable reason code and its context.

Cores know no HTTP; each keeps a table ``reason -> (status, zh-CN, en)`` that the edge turns
into the one error shape with :func:`to_api_error`.
"""

from __future__ import annotations

from shared.errors import ApiError


class Refusal(Exception):
    def __init__(self, reason: str, **detail):
        super().__init__(reason)
        self.reason, self.detail = reason, detail


def to_api_error(exc: Refusal, reasons: dict[str, tuple[int, str, str]]) -> ApiError:
    status, zh, en = reasons[exc.reason]
    return ApiError(exc.reason, f"{zh} / {en}", status_code=status, extra={"detail": exc.detail})
