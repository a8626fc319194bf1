"""Logging that never writes a whole mainland mobile number, in one format for every process.

Every record passes through :class:`PhoneMaskingFilter`, which rewrites ``13812345678`` as
``138****5678`` in the formatted message and its arguments.

Issue 24: every process (web workers, gunicorn's master, relay, consumers, schedulers) writes one
JSON object per line (``log_format``; ``text`` for the old line), with the request id of the
HTTP request it serves (shared/requestid.py) or ``-``.  Files are rotated by size by the
supervisor that owns them (sciday/logfiles.py); in containers the runtime's log driver does.
The Kafka client's warning that SCRAM credentials cross a plain loopback listener, nine lines
in ten of a consumer's log, is not written.
"""

from __future__ import annotations

import atexit
import json
import logging
import logging.handlers
import queue
import re
import sys
from contextvars import ContextVar
from datetime import UTC, datetime

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


# The id of the request this thread serves (shared/requestid.py); "-" outside a request.
REQUEST_ID: ContextVar[str] = ContextVar("sciday_request_id", default="-")


class RequestIdFilter(logging.Filter):
    """Notes the request id on the record in the thread that logs it (before the queue)."""

    def filter(self, record: logging.LogRecord) -> bool:
        if not hasattr(record, "request_id"):
            record.request_id = REQUEST_ID.get()
        return True


class JsonFormatter(MaskingFormatter):
    """One JSON object per line: time, level, service, pid, logger, request_id, message[, exc]."""

    def __init__(self, service: str):
        super().__init__()
        self.service = service

    def format(self, record: logging.LogRecord) -> str:
        doc = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "service": self.service,
            "pid": record.process,
            "logger": record.name,
            "request_id": getattr(record, "request_id", "-"),
            "message": record.getMessage(),
        }
        if record.exc_info and not record.exc_text:
            record.exc_text = self.formatException(record.exc_info)
        if record.exc_text:
            doc["exc"] = record.exc_text
        return mask_phone(json.dumps(doc, ensure_ascii=False))


def formatter(service: str, form: str) -> logging.Formatter:
    if form == "text":
        return MaskingFormatter(
            f"%(asctime)s {service} %(process)d %(levelname)s %(name)s [%(request_id)s]: %(message)s"
        )
    return JsonFormatter(service)


# Loggers whose warnings say nothing an operator can act on: the Kafka client warns on every
# connection that SCRAM/PLAIN credentials cross a listener without TLS (loopback in `make run`;
# production uses SASL_SSL, where it is silent).
QUIET = ("kafka.net.sasl",)

_listener: logging.handlers.QueueListener | None = None


def setup(service: str, level: str = "INFO", form: str | None = None) -> None:
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
    if form is None:
        from shared.config import load

        form = load().log_format
    out = logging.StreamHandler(sys.stderr)
    out.setFormatter(formatter(service, form))
    records: queue.SimpleQueue[logging.LogRecord] = queue.SimpleQueue()
    handler = logging.handlers.QueueHandler(records)
    handler._sciday = True  # type: ignore[attr-defined]
    handler.addFilter(RequestIdFilter())
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
    for name in QUIET:
        logging.getLogger(name).setLevel("ERROR")


@atexit.register
def _flush_at_exit() -> None:
    global _listener
    if _listener is not None:
        _listener.stop()  # writes what is still queued
        _listener = None
