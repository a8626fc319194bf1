"""The crowd's polls answered before Flask (issue 28 point 5: the registration path's p99 unchanged).

50,000 pages waiting for a release each ask ``GET /api/v1/activities/<id>/queue/me`` now and then
(``poll_s``, docs/queue.md). Each answer is one session read and one ``queue_status.lua`` call,
but through Flask it also paid the request context, routing, the before/after hooks, flask-smorest
and ``jsonify``: about half of the app's CPU for it, a third of the worker's with gunicorn's HTTP
(``python -m bench.queue_poll_cpu``), taken from the threads that serve registrations.

This WSGI wrapper answers exactly the requests it can answer as Flask would: a ``GET`` of that
path without a body, whose session (bearer or cookie, read with the Flask path's own functions:
``api.ref_of``, ``access.api.bearer_of``) is a verified phone, at an activity the status use case
answers (``usecases.status``, the same call the view makes, admitted tokens included). The body is
the view's schema (``quick_dump`` when marshmallow would change nothing) through the app's own
JSON provider; the headers are the ones Flask's after-request hooks add (``Cache-Control: no-store``, ``X-Request-Id`` made by
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

from marshmallow import Schema, fields, missing
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
        self.plain = plain_fields(self.schema)
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
        dumped = quick_dump(self.plain, out)
        return self._json(self.schema.dump(out) if dumped is None else dumped)

    def _json(self, doc: dict) -> bytes:
        """What ``jsonify`` (flask-smorest's) makes of ``doc``: the app's JSON provider, compact
        unless the provider or debug mode asks for indentation, and a newline."""
        provider = self.app.json
        compact = getattr(provider, "compact", None)
        pretty = (compact is None and self.app.debug) or compact is False
        args: dict[str, Any] = {"indent": 2} if pretty else {"separators": (",", ":")}
        return f"{provider.dumps(doc, **args)}\n".encode()


# The schema's field kinds whose dump of a value of this exact type (or None) is the value itself.
PLAIN: dict[type, type] = {fields.String: str, fields.Integer: int, fields.Boolean: bool, fields.Dict: dict}


def plain_fields(schema: Schema) -> dict[str, type] | None:
    """{field: the type it dumps unchanged} when every field of ``schema`` is such a plain field
    (no hooks, no renaming, no default, no string numbers); None: always ``schema.dump``."""
    if any(schema._hooks.values()):
        return None
    out: dict[str, type] = {}
    for name, field in schema.dump_fields.items():
        kind = PLAIN.get(type(field))
        plain = field.data_key is None and field.attribute is None and field.dump_default is missing
        if kind is None or not plain or getattr(field, "as_string", False):
            return None
        out[name] = kind
    return out


def quick_dump(plain: dict[str, type] | None, doc: dict) -> dict | None:
    """``schema.dump(doc)`` without marshmallow when every value is already what its field dumps
    (the schema's fields, present ones only, each None or of its exact type); else None."""
    if plain is None:
        return None
    out = {}
    for name, kind in plain.items():
        if name in doc:
            value = doc[name]
            if value is not None and type(value) is not kind:
                return None
            out[name] = value
    return out


def install(app: Any) -> None:
    """Put the gate between the trusted-proxy wrapper (shared/web.py) and Flask, under any wrapper
    put around it since (the sold-out gate: ``.inner``)."""
    layer = app.wsgi_app
    while not isinstance(layer, TrustedProxies):
        layer = layer.inner
    layer.app = StatusGate(layer.app, app)
