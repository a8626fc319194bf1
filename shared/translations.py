"""Page text in gettext catalogues, through Flask-Babel (docs/i18n.md).

Each service keeps its catalogues in ``services/<service>/translations/<locale>/LC_MESSAGES/``:
``messages.po`` for its templates and Python, ``js.po`` for its static scripts. The msgids are
the English text; zh-CN is the first locale and its catalogue must translate every msgid (a unit
test fails otherwise). A page's language is :func:`shared.i18n.lang`.

Scripts get their strings from the page: ``{{ js_catalogue() }}`` writes the ``js`` domain of the
page's language into ``<script type="application/json" id="catalogue">``, read by
``static/js/i18n.js``; nothing is fetched at run time.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Any

from babel.support import Translations
from flask import Flask, current_app
from flask_babel import Babel, get_locale
from markupsafe import Markup

from shared.i18n import lang
from shared.msgid import babel_locale
from shared.words import DEFAULT_LOCALE

JS_DOMAIN = "js"


def install(app: Flask) -> None:
    """Flask-Babel on ``app``: ``_``, ``ngettext``, ``pgettext`` in templates, and ``js_catalogue``."""
    folder = Path(app.root_path) / "translations"
    app.config.setdefault("BABEL_TRANSLATION_DIRECTORIES", str(folder))
    Babel(app, locale_selector=lambda: babel_locale(lang()), default_locale=babel_locale(DEFAULT_LOCALE))
    app.jinja_env.globals["js_catalogue"] = js_catalogue


@lru_cache(maxsize=16)
def js_messages(folder: Path, locale: str) -> dict[str, Any]:
    """The ``js`` catalogue of ``locale``: msgid -> text, or msgid -> [forms] for a plural.

    Read once per process: the .mo files ship with the code."""
    catalogue = Translations.load(str(folder), [locale], JS_DOMAIN)
    out: dict[str, Any] = {}
    # a plural is stored as (msgid, form index) -> text; a context as "ctx\x04msgid"
    for key, text in sorted(getattr(catalogue, "_catalog", {}).items(), key=lambda kv: str(kv[0])):
        if isinstance(key, tuple):
            out.setdefault(key[0], []).append(text)
        elif key:
            out[key] = text
    return out


def js_catalogue() -> Markup:
    """The page's script catalogue, as a JSON ``<script>`` block (not executed; no CSP nonce)."""
    folder = Path(current_app.root_path) / "translations"
    locale = str(get_locale() or babel_locale(DEFAULT_LOCALE))
    body = current_app.json.dumps({"lang": lang(), "messages": js_messages(folder, locale)})
    safe = body.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
    return Markup(f'<script type="application/json" id="catalogue">{safe}</script>')
