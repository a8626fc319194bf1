"""A request id on every request (issue 24): from ``X-Request-Id`` when a trusted proxy
(``trusted_proxies``, shared/clientaddr.py) sends one, else made here; echoed in the response
and written in every log line of the request (shared/logs.py)."""

from __future__ import annotations

import re
import uuid
from collections.abc import Mapping
from contextvars import Token
from typing import Any

from flask import Flask, Response, g, request

from shared.clientaddr import Network, _ip, parse_networks
from shared.config import Settings
from shared.logs import REQUEST_ID

HEADER = "X-Request-Id"
_SAFE = re.compile(r"[A-Za-z0-9._:-]+")


def of_environ(environ: Mapping[str, Any], networks: tuple[Network, ...], limit: int) -> str:
    """The request's id: a trusted proxy's ``X-Request-Id`` when well formed, else a new one."""
    given = environ.get("HTTP_X_REQUEST_ID", "")
    peer = _ip(environ.get("sciday.peer_addr", environ.get("REMOTE_ADDR") or ""))
    trusted = peer is not None and any(peer in net for net in networks)
    if trusted and 0 < len(given) <= limit and _SAFE.fullmatch(given):
        return str(given)
    return uuid.uuid4().hex


def install(app: Flask, settings: Settings) -> None:
    networks = parse_networks(settings.trusted_proxies)
    limit = settings.request_id_max_chars

    def _start() -> None:
        rid = of_environ(request.environ, networks, limit)
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
