"""Msgids outside a page: ``N_`` marks English text as a msgid where a table declares it (Babel's
extractor reads ``N_``), and :func:`text` says a msgid in a language from a gettext catalogue,
with or without a request (docs/i18n.md). Babel only; no web framework here."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from babel import Locale
from babel.support import NullTranslations, Translations

from shared.words import ENGLISH

# shared/'s own catalogue: the field rules of shared/i18n.py, said in API answers as well as pages.
SHARED = Path(__file__).resolve().parent / "translations"


def N_(text: str) -> str:
    return text


def babel_locale(lang: str) -> str:
    """A language as its catalogues' folder name: ``zh-CN`` -> ``zh_Hans_CN`` (Babel's name)."""
    return str(Locale.parse(lang, sep="-"))


@lru_cache(maxsize=16)
def _catalogue(folder: Path, locale: str) -> NullTranslations:
    return Translations.load(str(folder), [locale])  # NullTranslations (the msgid) when there is none


def text(msgid: str, lang: str, folder: Path = SHARED) -> str:
    """``msgid`` in ``lang`` (``zh-CN`` or ``en``; the msgid is the English)."""
    if lang == ENGLISH:
        return msgid
    return str(_catalogue(folder, babel_locale(lang)).gettext(msgid))
