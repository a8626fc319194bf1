"""The crowd's polls answered before Flask (issue 28 point 5: the registration path's p99 unchanged).

50,000 pages waiting for a release each ask ``GET /api/v1/activities/<id>/queue/me`` now and then
(``poll_s``, docs/queue.md). Each answer is one session read and one ``queue_status.lua`` call,
but through Flask it also paid the request context, routing, the before/after hooks, flask-smorest
and ``jsonify``: about two thirds of its CPU, taken from the same gunicorn threads that serve
registrations.

This WSGI wrapper answers exactly the requests it can answer as Flask would: a ``GET`` of that
path without a body, whose session (bearer or cookie, read with the Flask path's own functions:
``api.ref_of``, ``access.api.bearer_of``) is a verified phone, at an activity the status use case
answers (``usecases.status``, the same call the view makes, admitted tokens included). The body is
the view's schema dumped by the app's own JSON provider; the headers are the ones Flask's
after-request hooks add (``Cache-Control: no-store``, ``X-Request-Id`` made by
``requestid.of_environ``, the security headers); the request metrics are counted under the view's
endpoint, and log lines written meanwhile carry the request id. Anything else (no session, a
refusal, an error, another method, a body) goes to Flask, which answers it as before.
``tests/integration/test_queue_status_gate.py`` compares the two paths byte for byte.

It sits between ``TrustedProxies`` and Flask (``install``), so it sees the client's address and
scheme as Flask does.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Iterable
from typing import Any

from werkzeug.http import parse_cookie

from services.registration.access.api import COOKIE, bearer_of
from services.registration.bootstrap import EXTENSION as REGISTRATION
from services.registration.queue import api, usecases
from shared import requestid
from shared.clientaddr import TrustedProxies, parse_networks
from shared.logs import REQUEST_ID
from shared.web import LATENCY, REQUESTS, SECURITY_HEADERS, settings_of

ENDPOINT = "/api/v1/activities/<activity_id>/queue/me"
PATH = re.compile(r"^/api/v1/activities/([A-Za-z0-9_.~-]{1,200})/queue/me$")


class StatusGate:
    def __init__(self, inner: Callable, app: Any):
        settings = settings_of(app)
        self.inner, self.app = inner, app
        self.networks = parse_networks(settings.trusted_proxies)
        self.id_limit = settings.request_id_max_chars
        self.schema = api.QueueMeOut()
        service = app.extensions["sciday.service"]
        self.requests = REQUESTS.labels(service, ENDPOINT, "200")
        self.latency = LATENCY.labels(service, ENDPOINT)

    def __call__(self, environ: dict, start_response: Callable) -> Iterable[bytes]:
        aid = self._activity(environ)
        if aid is None:
            return self.inner(environ, start_response)
        t0 = time.perf_counter()
        rid = requestid.of_environ(environ, self.networks, self.id_limit)
        noted = REQUEST_ID.set(rid)
        try:
            body = self._answer(environ, aid)
        finally:
            REQUEST_ID.reset(noted)
        if body is None:  # Flask answers it (a refusal, an error): as before
            return self.inner(environ, start_response)
        start_response(
            "200 OK",
            [
                ("Content-Type", self.app.json.mimetype),
                ("Content-Length", str(len(body))),
                ("Cache-Control", "no-store"),  # web/edge.py: every API answer
                (requestid.HEADER, rid),
                *SECURITY_HEADERS,
            ],
        )
        self.requests.inc()
        self.latency.observe(time.perf_counter() - t0)
        return [body]

    @staticmethod
    def _activity(environ: dict) -> str | None:
        """The activity of a plain poll (GET, no body), or None for anything else."""
        if environ.get("REQUEST_METHOD") != "GET" or environ.get("HTTP_TRANSFER_ENCODING"):
            return None
        if environ.get("CONTENT_LENGTH") not in (None, "", "0"):
            return None
        found = PATH.match(environ.get("PATH_INFO", ""))
        return found.group(1) if found else None

    def _answer(self, environ: dict, aid: str) -> bytes | None:
        """The status answer's bytes, or None when Flask should answer."""
        token = bearer_of(environ.get("HTTP_AUTHORIZATION", ""))
        if not token:
            token = parse_cookie(environ.get("HTTP_COOKIE", "")).get(COOKIE)
        try:
            ref = api.ref_of(self.app, token)
            if ref is None:
                return None
            out = usecases.status(self.app.extensions[REGISTRATION], api.queue_of(self.app), aid, ref)
        except Exception:  # a refusal, Redis away, a bug: Flask's answer (and its log), as before
            return None
        # flask-smorest's answer: the schema's dump through the app's JSON provider (jsonify)
        return bytes(self.app.json.response(self.schema.dump(out)).get_data())


def install(app: Any) -> None:
    """Put the gate between the trusted-proxy wrapper (shared/web.py) and Flask, under any wrapper
    put around it since (the sold-out gate: ``.inner``)."""
    layer = app.wsgi_app
    while not isinstance(layer, TrustedProxies):
        layer = layer.inner
    layer.app = StatusGate(layer.app, app)
