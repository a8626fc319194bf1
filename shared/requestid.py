"""A request id on every request (issue 24): from ``X-Request-Id`` when a trusted proxy
(``trusted_proxies``, shared/clientaddr.py) sends one, else made here; echoed in the response
and written in every log line of the request (shared/logs.py)."""

from __future__ import annotations

import re
import uuid
from contextvars import Token

from flask import Flask, Response, g, request

from shared.clientaddr import _ip, parse_networks
from shared.config import Settings
from shared.logs import REQUEST_ID

HEADER = "X-Request-Id"
_SAFE = re.compile(r"[A-Za-z0-9._:-]+")


def install(app: Flask, settings: Settings) -> None:
    networks = parse_networks(settings.trusted_proxies)
    limit = settings.request_id_max_chars

    def _from_proxy() -> str | None:
        given = request.headers.get(HEADER, "")
        peer = _ip(request.environ.get("sciday.peer_addr", request.remote_addr or ""))
        trusted = peer is not None and any(peer in net for net in networks)
        if trusted and 0 < len(given) <= limit and _SAFE.fullmatch(given):
            return given
        return None

    def _start() -> None:
        rid = _from_proxy() or uuid.uuid4().hex
        g.sciday_request_id = rid
        g.sciday_request_id_token = REQUEST_ID.set(rid)

    # First of all before-request hooks: a request refused by one of them has its id too.
    app.before_request_funcs.setdefault(None, []).insert(0, _start)

    @app.after_request
    def _echo(response: Response) -> Response:
        rid = g.get("sciday_request_id")
        if rid:
            response.headers[HEADER] = rid
        return response

    @app.teardown_request
    def _end(_exc: BaseException | None) -> None:
        token: Token[str] | None = g.pop("sciday_request_id_token", None)
        if token is not None:
            REQUEST_ID.reset(token)
