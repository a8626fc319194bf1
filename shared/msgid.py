"""Msgids outside a page: ``N_`` marks English text as a msgid where a table declares it (Babel's
extractor reads ``N_``), ``NP_`` one with a context, and :func:`text` says a msgid in a language
from a gettext catalogue, with or without a request (docs/i18n.md). Babel only; no web framework here."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from babel import Locale
from babel.support import NullTranslations, Translations

# The msgids' language: a msgid is the English text, so English needs no catalogue.
ENGLISH = "en"
# shared/'s own catalogue: the field rules of shared/i18n.py, said in API answers as well as pages.
SHARED = Path(__file__).resolve().parent / "translations"
# How gettext joins a context and a msgid into one key (what ``pgettext`` looks up).
CONTEXT_SEP = "\x04"


def N_(text: str) -> str:
    return text


def NP_(context: str, text: str) -> str:
    """A msgid with a context, for the same English said two ways (``NP_("field rule", "Required.")``);
    kept as gettext keeps it, ``context\\x04text``, and said by :func:`text` as ``pgettext`` would."""
    return f"{context}{CONTEXT_SEP}{text}"


def english(msgid: str) -> str:
    """A msgid's English text: the msgid without its context."""
    return msgid.rpartition(CONTEXT_SEP)[2]


@lru_cache(maxsize=16)
def babel_locale(lang: str) -> str:
    """A language as its catalogues' folder name: ``zh-CN`` -> ``zh_Hans_CN`` (Babel's name); kept,
    as Babel's parse costs more than the lookup it serves (a refusal's message)."""
    return str(Locale.parse(lang, sep="-"))


@lru_cache(maxsize=16)
def _catalogue(folder: Path, locale: str) -> NullTranslations:
    return Translations.load(str(folder), [locale])  # NullTranslations (the msgid) when there is none


def text(msgid: str, lang: str, folder: Path = SHARED) -> str:
    """``msgid`` in ``lang`` (``zh-CN`` or ``en``; the msgid is the English), from ``folder``'s catalogue."""
    if lang == ENGLISH:
        return english(msgid)
    catalogue = _catalogue(folder, babel_locale(lang))
    context, sep, bare = msgid.rpartition(CONTEXT_SEP)
    return str(catalogue.pgettext(context, bare) if sep else catalogue.gettext(bare))
