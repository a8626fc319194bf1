"""Page text in gettext catalogues, through Flask-Babel (docs/i18n.md).

Each service keeps its catalogues in ``services/<service>/translations/<locale>/LC_MESSAGES/``:
``messages.po`` for its templates and Python, ``js.po`` for its static scripts. The msgids are
the English text; zh-CN is the first locale and its catalogue must translate every msgid (a unit
test fails otherwise). A page's language is ``?lang=`` or the ``lang`` cookie, Chinese by default.

Scripts get their strings from the page: ``{{ js_catalogue() }}`` writes the ``js`` domain of the
page's language into ``<script type="application/json" id="catalogue">``, read by
``static/js/i18n.js``; nothing is fetched at run time.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Any

from babel import Locale
from babel.support import NullTranslations, Translations
from flask import Flask, current_app, has_request_context, request
from flask_babel import Babel, get_locale
from markupsafe import Markup

LANGS = ("zh-CN", "en")  # the page languages, Chinese first
DEFAULT = LANGS[0]
JS_DOMAIN = "js"
# shared/'s own catalogue: the field rules of shared/i18n.py, said in API answers as well as pages.
SHARED = Path(__file__).resolve().parent / "translations"


def page_language() -> str:
    """``zh-CN`` or ``en``: ``?lang=``, else the ``lang`` cookie, else Chinese (as the pages' ``lang()``)."""
    if not has_request_context():
        return DEFAULT
    chosen = request.args.get("lang") or request.cookies.get("lang")
    return "en" if chosen == "en" else DEFAULT


def babel_locale(lang: str) -> str:
    """A page language as its catalogues' folder name: ``zh-CN`` -> ``zh_Hans_CN`` (Babel's name)."""
    return str(Locale.parse(lang, sep="-"))


@lru_cache(maxsize=16)
def _catalogue(folder: Path, locale: str) -> NullTranslations:
    return Translations.load(str(folder), [locale])  # NullTranslations (the msgid) when there is none


def text(msgid: str, lang: str, folder: Path = SHARED) -> str:
    """``msgid`` in ``lang`` (``zh-CN`` or ``en``) from a catalogue, with or without a request."""
    if lang == "en":
        return msgid
    return str(_catalogue(folder, babel_locale(lang)).gettext(msgid))


def install(app: Flask) -> None:
    """Flask-Babel on ``app``: ``_``, ``ngettext``, ``pgettext`` in templates, and ``js_catalogue``."""
    folder = Path(app.root_path) / "translations"
    app.config.setdefault("BABEL_TRANSLATION_DIRECTORIES", str(folder))
    Babel(app, locale_selector=lambda: babel_locale(page_language()), default_locale=babel_locale(DEFAULT))
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
    locale = str(get_locale() or babel_locale(DEFAULT))
    body = current_app.json.dumps({"lang": page_language(), "messages": js_messages(folder, locale)})
    safe = body.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
    return Markup(f'<script type="application/json" id="catalogue">{safe}</script>')
