"""The languages are listed once (shared/words.LOCALES) and a page's language is read by one helper
(shared/i18n.lang); no module writes its own list or its own ``lang()``."""

from __future__ import annotations

import re

from flask import Flask, make_response

from shared import i18n, words
from tests.unit import vocab_support as vs

A_LIST = re.compile(r"""["']zh-CN["']\s*,\s*["']en["']|["']en["']\s*,\s*["']zh-CN["']""")


def _python() -> list:
    return vs.files("services", "*.py") + vs.files("shared", "*.py") + vs.files("sciday", "*.py")


def test_the_locale_list_is_written_once():
    found = [vs.rel(p) for p in _python() if A_LIST.search(p.read_text(encoding="utf-8"))]
    assert found == []  # words.py writes LOCALES = ("zh-CN", ENGLISH), ENGLISH from shared/msgid.py
    declared = [
        vs.rel(p) for p in _python() if re.search(r"^LOCALES = \(\"", p.read_text(encoding="utf-8"), re.M)
    ]
    assert declared == ["shared/words.py"]
    assert words.LOCALES[0] == i18n.DEFAULT == "zh-CN"


def test_one_lang_helper():
    found = [vs.rel(p) for p in _python() if re.search(r"^def lang\(", p.read_text(encoding="utf-8"), re.M)]
    assert found == ["shared/i18n.py"]


def test_a_pages_language_is_its_query_then_its_cookie_and_is_remembered():
    app = Flask(__name__)
    with app.test_request_context("/?lang=en"):
        assert i18n.lang() == "en"
        cookie = i18n.remember_lang(make_response("x")).headers["Set-Cookie"]
        assert cookie.startswith("lang=en;") and f"Max-Age={i18n.LANG_COOKIE_MAX_AGE_S}" in cookie
    with app.test_request_context("/", headers={"Cookie": "lang=en"}):
        assert i18n.lang() == "en"
    with app.test_request_context("/?lang=fr"):
        assert i18n.lang() == "zh-CN" and "Set-Cookie" not in i18n.remember_lang(make_response("x")).headers
