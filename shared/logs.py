"""Logging that never writes a whole mainland mobile number.

Every record passes through :class:`PhoneMaskingFilter`, which rewrites ``13812345678`` as
``138****5678`` in the formatted message and its arguments.
"""

from __future__ import annotations

import atexit
import logging
import logging.handlers
import queue
import re
import sys

# 11 digits starting with 1, not part of a longer digit run.
PHONE_RE = re.compile(r"(?<!\d)(1\d{2})\d{4}(\d{4})(?!\d)")


def mask_phone(text: str) -> str:
    """Mask every mainland mobile number in ``text``: 13812345678 -> 138****5678."""
    return PHONE_RE.sub(r"\1****\2", text)


class PhoneMaskingFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # a broken format string is the caller's bug; keep the record
            return True
        record.msg = mask_phone(message)
        record.args = None
        if record.exc_text:
            record.exc_text = mask_phone(record.exc_text)
        return True


class MaskingFormatter(logging.Formatter):
    """Masks the final text too, so tracebacks and extra fields are covered."""

    def format(self, record: logging.LogRecord) -> str:
        return mask_phone(super().format(record))


_listener: logging.handlers.QueueListener | None = None


def setup(service: str, level: str = "INFO") -> None:
    """Configure the root logger for one process. Safe to call more than once.

    Request threads only put records on a queue (masked first); one thread formats and writes
    them, so a busy worker's threads do not queue up behind the stderr lock.
    """
    global _listener
    root = logging.getLogger()
    for handler in list(root.handlers):
        if getattr(handler, "_sciday", False):
            root.removeHandler(handler)
    if _listener is not None:
        _listener.stop()
        _listener = None
    out = logging.StreamHandler(sys.stderr)
    out.setFormatter(
        MaskingFormatter(f"%(asctime)s {service} %(process)d %(levelname)s %(name)s: %(message)s")
    )
    records: queue.SimpleQueue[logging.LogRecord] = queue.SimpleQueue()
    handler = logging.handlers.QueueHandler(records)
    handler._sciday = True  # type: ignore[attr-defined]
    handler.addFilter(PhoneMaskingFilter())
    _listener = logging.handlers.QueueListener(records, out, respect_handler_level=False)
    _listener.start()
    root.addHandler(handler)
    root.setLevel(level)
    # Gunicorn's own loggers propagate to root through our handler too.
    for name in ("gunicorn.error", "gunicorn.access"):
        lg = logging.getLogger(name)
        for h in lg.handlers:
            h.addFilter(PhoneMaskingFilter())
    logging.getLogger("kafka").setLevel("WARNING")


@atexit.register
def _flush_at_exit() -> None:
    global _listener
    if _listener is not None:
        _listener.stop()  # writes what is still queued
        _listener = None
