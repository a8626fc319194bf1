"""One canonical mainland mobile number: 11 ASCII digits, ``1[3-9]`` then nine more.

What people type or paste is accepted: spaces (any Unicode space separator, e.g. the
ideographic space of a Chinese keyboard), dashes, brackets, and the country code written as
``+86``, ``0086`` or ``86``.  Everything else is refused with a reason a person can act on:

- ``not_ascii_digits``: digits of another script (full-width ``１３８…``, Arabic-Indic ``١٣٨…``).
  Python's ``\\d`` and ``str.isdigit`` accept them; a phone number written so is a different
  string to every dedupe, limit and SMS gateway, so it is refused, not translated.
- ``control_character``: a newline, tab, NUL, bidi override or zero-width character, anywhere
  (``"13800138001\\n"`` included: this module never uses ``$``, only ``fullmatch``/``\\Z``).
- ``not_mainland_mobile``: anything else that is not an 11-digit mainland mobile number.

The canonical form is the only form used after the edge: dedupe, limits, notifications,
masking and hashing all see it.
"""

from __future__ import annotations

import re
import unicodedata

MAX_INPUT = 40
# ASCII only: re.ASCII makes \d mean [0-9]; fullmatch (and \Z) never lets a newline through.
MOBILE = re.compile(r"1[3-9][0-9]{9}\Z", re.ASCII)
_PREFIXED = re.compile(r"(?:\+86|0086|86)?(1[3-9][0-9]{9})\Z", re.ASCII)
_BRACKETS = set("()（）")
_CONTROL = {"Cc", "Cf", "Cs", "Co", "Cn", "Zl", "Zp"}


class PhoneInvalid(ValueError):
    """``why`` is one of empty, too_long, control_character, not_ascii_digits, not_mainland_mobile."""

    def __init__(self, why: str):
        super().__init__(why)
        self.why = why


def _separator(ch: str) -> bool:
    cat = unicodedata.category(ch)
    return cat == "Zs" or cat == "Pd" or ch in _BRACKETS


def canonical(text: object) -> str:
    """The 11 ASCII digits of a mainland mobile number, or :class:`PhoneInvalid`."""
    if not isinstance(text, str) or not text.strip():
        raise PhoneInvalid("empty")
    if len(text) > MAX_INPUT:
        raise PhoneInvalid("too_long")
    kept = []
    for ch in text:
        cat = unicodedata.category(ch)
        if cat in _CONTROL:
            raise PhoneInvalid("control_character")
        if cat == "Nd" and not ("0" <= ch <= "9"):
            raise PhoneInvalid("not_ascii_digits")
        if cat == "No" or cat == "Nl":  # superscripts, circled or Roman numerals
            raise PhoneInvalid("not_ascii_digits")
        if _separator(ch):
            continue
        kept.append(ch)
    m = _PREFIXED.fullmatch("".join(kept))
    if not m:
        raise PhoneInvalid("not_mainland_mobile")
    return m.group(1)


def is_canonical(text: object) -> bool:
    return isinstance(text, str) and MOBILE.fullmatch(text) is not None
