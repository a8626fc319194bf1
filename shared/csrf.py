"""CSRF protection for HTML forms: a double-submit cookie.

A page with a form calls :func:`token` (which sets a random ``sciday_csrf`` cookie, SameSite=Strict,
HttpOnly) and puts the value in a hidden field; :func:`valid` compares the two on POST. A site on
another origin can neither read the cookie nor make the browser send it.
"""

from __future__ import annotations

import secrets
from urllib.parse import urlsplit

from flask import Response, after_this_request, g, request

COOKIE = "sciday_csrf"


def token() -> str:
    existing = request.cookies.get(COOKIE)
    if existing and 20 <= len(existing) <= 64:
        return existing
    if "csrf_new" not in g:
        g.csrf_new = secrets.token_urlsafe(24)

        @after_this_request
        def _set(resp: Response) -> Response:
            resp.set_cookie(
                COOKIE, g.csrf_new, httponly=True, samesite="Strict", path="/", secure=request.is_secure
            )
            return resp

    return str(g.csrf_new)


def valid() -> bool:
    cookie, field = request.cookies.get(COOKIE), request.form.get("csrf_token")
    return bool(cookie and field and secrets.compare_digest(cookie.encode(), field.encode()))


# -- the JSON API with the session cookie (issue 23 finding 10) --------------------------------------
# A bearer token is never sent by a browser on its own; the session cookie is. A request that changes
# something and is authenticated by the cookie alone must show that it comes from this site: the
# CSRF cookie echoed in the X-CSRF-Token header (a script on this site reads it from the form's
# hidden field), or an Origin (without one, a Referer) of this site.
HEADER = "X-CSRF-Token"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def _origin(url: str) -> str:
    parts = urlsplit(url.strip())
    return f"{parts.scheme.lower()}://{parts.netloc.lower()}" if parts.scheme and parts.netloc else ""


def same_site(*other_origins: str) -> bool:
    """True when the request carries the CSRF token in :data:`HEADER`, or names this site (the host it
    was sent to, or one of ``other_origins``, e.g. the public base URL) as its Origin or Referer."""
    cookie, echoed = request.cookies.get(COOKIE), request.headers.get(HEADER)
    if cookie and echoed and secrets.compare_digest(cookie.encode(), echoed.encode()):
        return True
    claimed = _origin(request.headers.get("Origin") or request.headers.get("Referer") or "")
    ours = {_origin(request.host_url), *(_origin(o) for o in other_origins)}
    return bool(claimed) and claimed in ours
