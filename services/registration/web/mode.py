"""长辈模式 (large-text mode, issue 29): the registrant's choice of how the pages look.

One tap on the header's switch (``?mode=elder`` or ``?mode=standard``) turns it on or off; the
choice is kept in the ``mode`` cookie, and the server renders every page in it, so there is no
flash of the standard page and no inline script (the CSP forbids one). ``web/rendering.render``
gives every page ``elder`` and ``mode_url`` and keeps a ``?mode=``, as it does ``?lang=``. The
look itself is CSS (``html.elder`` in ``static/site.css``); base.html folds secondary links away.
"""

from __future__ import annotations

from urllib.parse import urlencode

from flask import request
from werkzeug.wrappers import Response

from shared.i18n import LANG_COOKIE_MAX_AGE_S

COOKIE = "mode"
ELDER = "elder"
STANDARD = "standard"
MODES = (ELDER, STANDARD)


def mode() -> str:
    """This page's mode: its ``?mode=``, else the cookie a page set; standard unless "elder"."""
    chosen = request.args.get("mode") or request.cookies.get(COOKIE)
    return ELDER if chosen == ELDER else STANDARD


def page_with(name: str, value: str) -> str:
    """This page again, with every argument it had (a ticket's ``t=``) and ``name=value``: the
    header's mode and language switches. A page a form's POST answered (a confirmation) has no
    address to come back to: the list, then."""
    if request.method != "GET":
        return f"/?{urlencode([(name, value)])}"
    args = [(k, v) for k, v in request.args.items(multi=True) if k != name]
    return f"{request.path}?{urlencode([*args, (name, value)])}"


def mode_url(to: str) -> str:
    """The switch to mode ``to`` on this page."""
    return page_with("mode", to)


def remember_mode(resp: Response) -> Response:
    """Keep a page's ``?mode=`` in the cookie, as ``?lang=`` is kept (a year)."""
    if request.args.get("mode") in MODES and resp.mimetype == "text/html":
        resp.set_cookie(COOKIE, request.args["mode"], samesite="Lax", max_age=LANG_COOKIE_MAX_AGE_S)
    return resp
