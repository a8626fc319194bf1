"""CSRF protection for HTML forms: a double-submit cookie.

A page with a form calls :func:`token` (which sets a random ``sciday_csrf`` cookie, SameSite=Strict,
HttpOnly) and puts the value in a hidden field; :func:`valid` compares the two on POST. A site on
another origin can neither read the cookie nor make the browser send it.
"""

from __future__ import annotations

import secrets

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
