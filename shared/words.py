"""The one way a service declares its words: reasons (with their HTTP status and text) here;
statuses, events and topics as constants, written into Lua and JS by :mod:`shared.wordgen`.

A reason is declared once, in its service's vocabulary, with :func:`reasons`: the code a refusal
carries (:class:`shared.refusal.Refusal`), the HTTP status that only the service's edge reads, and
its text as a msgid (the English, marked ``N_``), said in zh-CN from the service's gettext
catalogue (docs/i18n.md), so a translator edits ``.po`` files only. Texts may hold ``{name}``
placeholders, filled from a refusal's details (:meth:`Words.say`; ``say()`` in check-in's
``static/js/verdict.js`` does the same with the generated ``vocabulary.js``).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path

from shared import refusal
from shared.msgid import ENGLISH as ENGLISH  # the msgids' language; callers import it from here
from shared.msgid import SHARED, english, text

# The languages every page, message and reason is written in, the first the default; written
# nowhere else (shared/i18n.py reads them from the request, the event schemas validate them).
LOCALES = ("zh-CN", ENGLISH)
DEFAULT_LOCALE = LOCALES[0]
PLACEHOLDER = re.compile(r"\{(\w+)\}")


@dataclass(frozen=True)
class Words:
    """One text: a msgid (the English), said in another language from ``catalogue``."""

    msgid: str
    catalogue: Path = SHARED

    def said(self, locale: str) -> str:
        """The text in ``locale``, its ``{placeholders}`` as they stand."""
        return text(self.msgid, locale, self.catalogue)

    @property
    def zh(self) -> str:
        return self.said(DEFAULT_LOCALE)

    @property
    def en(self) -> str:
        return english(self.msgid)

    def say(self, locale: str, **values: object) -> str:
        """The text in ``locale``, its placeholders filled from ``values`` (a missing one: nothing)."""
        return PLACEHOLDER.sub(lambda m: str(values.get(m.group(1), "")), self.said(locale)).strip()


@dataclass(frozen=True)
class Reason:
    """A reason code a service refuses with: its HTTP status (None: never answered by the API,
    e.g. the scanner's offline verdicts), its text's msgid, and the msgids of other texts of it
    by key (``variants``), said from ``catalogue`` (its service's, set by :func:`reasons`)."""

    code: str
    http: int | None
    msgid: str
    variants: Mapping[str, str] = field(default_factory=dict)
    catalogue: Path = SHARED

    @property
    def text(self) -> Words:
        return Words(self.msgid, self.catalogue)

    @property
    def more(self) -> dict[str, Words]:
        return {key: Words(msgid, self.catalogue) for key, msgid in self.variants.items()}

    @property
    def zh(self) -> str:
        return self.text.zh

    @property
    def en(self) -> str:
        return self.text.en

    def msgids(self) -> tuple[str, ...]:
        return (self.msgid, *self.variants.values())

    def message(self, locale: str, variant: str = "", **values: object) -> str:
        """The text in ``locale``; with a ``variant`` (a key of ``more``) that text instead."""
        return Words(self.variants.get(variant, self.msgid), self.catalogue).say(locale, **values)


def reasons(*declared: Reason, catalogue: Path) -> dict[str, Reason]:
    """A vocabulary's reasons by code, said from ``catalogue`` (the service's translations
    folder); their codes may be raised as refusals from now on."""
    table = {r.code: replace(r, catalogue=catalogue) for r in declared}
    if len(table) != len(declared):
        raise ValueError("a reason code is declared twice")
    refusal.declare(table)
    return table


# Issue 29: how a verification code reaches a phone, the first the default. Registration names
# the channel when it asks notify to send a code; notify hands it to the provider's port.
CODE_BY_SMS = "sms"
CODE_BY_VOICE = "voice"  # a phone call that reads the code out, digit by digit
CODE_CHANNELS = (CODE_BY_SMS, CODE_BY_VOICE)
