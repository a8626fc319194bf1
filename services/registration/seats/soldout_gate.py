"""The crowd after the last seat, answered before Flask (issue 18: sold-out answers ≥ 0.7× H).

When thousands try for a few hundred seats, nearly every answer of an opening is ``sold_out``,
and since issue 12 the worker already gives most of them from its sold-out memory
(``soldout.py``) without a Redis round trip.  What each still cost was Flask: the request
context, routing, the before/after hooks, the error handler and ``jsonify``, for an answer whose
bytes are the same every time.

This WSGI wrapper keeps that answer.  The first time Flask refuses a request from the memory
(``api_registrations.refuse_when_sold_out`` marks the environ), the gate records the reply it
sent (status, headers, body) under everything the reply can depend on: the activity, the
``Content-Type``, whether there was a body, the body's ``locale`` field, ``?lang=`` and
``Accept-Language``.  While the memory still holds that the activity is sold out to a party of
one, a later request with the same key gets the recorded reply without entering Flask, and the
gate does the rest of what the Flask path does for it: the ``turned_away`` figure (with the
party size read the same way, ``party_size_hint``) and the request metrics.  Anything else (no
recorded reply, an Idempotency-Key, a body too deep to parse, a body over the size limit) goes
to Flask as before, so the gate can only ever repeat an answer Flask gave for the same key.
``tests/integration/test_soldout_gate.py`` compares the two paths byte for byte.
"""

from __future__ import annotations

import io
import json
import re
import time
from collections.abc import Callable, Iterable
from typing import Any

from shared import jsonlimits
from shared.web import LATENCY, REQUESTS
from shared.words import LOCALES

# Set by the Flask path when its answer came from the sold-out memory (and nothing else).
MARK = "sciday.soldout_memo"
ENDPOINT = "/api/v1/activities/<activity_id>/registrations"
PATH = re.compile(r"^/api/v1/activities/([^/]{1,200})/registrations$")
MAX_REPLIES = 512  # (activity, headers) combinations kept; a client varying them takes the Flask path

Reply = tuple[str, list[tuple[str, str]], bytes]


def party_size_hint(body: Any, max_party_size: int) -> int:
    """The party size for the ``turned_away`` figure, from an unvalidated body (1 when unclear)."""
    size = body.get("party_size") if isinstance(body, dict) else None
    if isinstance(size, int) and not isinstance(size, bool) and 1 <= size <= max_party_size:
        return size
    return 1


def asks_kept_seats(body: Any) -> bool:
    """A body asking for seats kept apart (issue 29: wheelchair places) is never answered from the
    open booking's sold-out memory, here or in Flask (api.refuse_when_sold_out): the script asks."""
    return isinstance(body, dict) and bool(body.get("accessible"))


class SoldOutGate:
    def __init__(
        self, inner: Callable, seats: Callable[[], Any], max_body: int, service: str = "registration"
    ):
        self.inner, self.seats, self.max_body = inner, seats, max_body
        self.replies: dict[tuple, Reply] = {}
        self.requests = REQUESTS.labels(service, ENDPOINT, "409")
        self.latency = LATENCY.labels(service, ENDPOINT)

    def __call__(self, environ: dict, start_response: Callable) -> Iterable[bytes]:
        if environ.get("REQUEST_METHOD") != "POST" or "HTTP_IDEMPOTENCY_KEY" in environ:
            return self.inner(environ, start_response)
        found = PATH.match(environ.get("PATH_INFO", ""))
        if found is None:
            return self.inner(environ, start_response)
        aid, memo = found.group(1), self.seats().soldout
        if not memo.sold_out(aid, 1):
            return self.inner(environ, start_response)
        t0 = time.perf_counter()
        raw = self._body(environ)
        if raw is None:  # over the limit, or unreadable: Flask answers it
            return self.inner(environ, start_response)
        environ["wsgi.input"] = io.BytesIO(raw)  # for Flask, if it answers after all
        if raw and jsonlimits.too_complex(raw):
            return self.inner(environ, start_response)
        body = _json(raw)
        if asks_kept_seats(body):
            return self.inner(environ, start_response)
        key = (
            aid,
            environ.get("CONTENT_TYPE", ""),
            bool(raw),
            body.get("locale") if isinstance(body, dict) and body.get("locale") in LOCALES else None,
            environ.get("QUERY_STRING", ""),
            environ.get("HTTP_ACCEPT_LANGUAGE", ""),
        )
        reply = self.replies.get(key)
        if reply is None:
            return self._record(key, environ, start_response)
        doc = self.seats().cached_doc(aid) or {}
        memo.turned_away(aid, party_size_hint(body, int(doc.get("max_party_size", 1))))
        status, headers, data = reply
        start_response(status, list(headers))
        self.requests.inc()
        self.latency.observe(time.perf_counter() - t0)
        return [data]

    def _body(self, environ: dict) -> bytes | None:
        try:
            length = int(environ.get("CONTENT_LENGTH") or 0)
        except ValueError:
            return None
        if length < 0 or length > self.max_body or environ.get("HTTP_TRANSFER_ENCODING"):
            return None
        stream = environ.get("wsgi.input")
        return stream.read(length) if length and stream is not None else b""

    def _record(self, key: tuple, environ: dict, start_response: Callable) -> Iterable[bytes]:
        """Let Flask answer, and keep its answer if it came from the sold-out memory."""
        seen: dict[str, Any] = {}

        def capture(status: str, headers: list, exc_info: Any = None) -> Any:
            seen["status"], seen["headers"] = status, list(headers)
            return start_response(status, headers, exc_info) if exc_info else start_response(status, headers)

        chunks = list(self.inner(environ, capture))
        names = {name.lower() for name, _ in seen.get("headers", ())}
        if environ.get(MARK) and seen.get("status", "").startswith("409") and "set-cookie" not in names:
            if len(self.replies) >= MAX_REPLIES:
                self.replies.clear()
            self.replies[key] = (seen["status"], seen["headers"], b"".join(chunks))
        return chunks


def _json(raw: bytes) -> Any:
    try:
        return json.loads(raw) if raw else None
    except ValueError:
        return None
