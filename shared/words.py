"""The one way a service declares its words: reasons (with their texts and HTTP status) here;
statuses, events and topics as constants, written into Lua and JS by :mod:`shared.wordgen`.

A reason is declared once, in its service's vocabulary, with :func:`reasons`: the code a refusal
carries (:class:`shared.refusal.Refusal`), its zh-CN and English text, and the HTTP status that
only the service's edge reads. Texts may hold ``{name}`` placeholders, filled from a refusal's
details (:meth:`Words.say`; ``say()`` in check-in's ``static/js/verdict.js`` does the same).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field

from shared import refusal

# The languages every page, message and reason is written in, the first the default; written
# nowhere else (shared/i18n.py reads them from the request, the event schemas validate them).
LOCALES = ("zh-CN", "en")
DEFAULT_LOCALE = LOCALES[0]
ENGLISH = "en"


@dataclass(frozen=True)
class Words:
    """One text in both languages."""

    zh: str
    en: str

    def say(self, locale: str, **values: object) -> str:
        text = self.en if locale == "en" else self.zh
        return re.sub(r"\{(\w+)\}", lambda m: str(values.get(m.group(1), "")), text).strip()


@dataclass(frozen=True)
class Reason:
    """A reason code a service refuses with: its HTTP status (None: never answered by the API,
    e.g. the scanner's offline verdicts), its text, and other texts of it by key (``more``)."""

    code: str
    http: int | None
    zh: str
    en: str
    more: Mapping[str, Words] = field(default_factory=dict)

    @property
    def text(self) -> Words:
        return Words(self.zh, self.en)

    def message(self, locale: str, variant: str = "", **values: object) -> str:
        """The text in ``locale``; with a ``variant`` of ``more`` that text instead."""
        return self.more.get(variant, self.text).say(locale, **values)


def reasons(*declared: Reason) -> dict[str, Reason]:
    """A vocabulary's reasons by code; their codes may be raised as refusals from now on."""
    table = {r.code: r for r in declared}
    if len(table) != len(declared):
        raise ValueError("a reason code is declared twice")
    refusal.declare(table)
    return table
