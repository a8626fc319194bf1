"""Text hygiene validators for marshmallow fields that people and screens will see."""

from __future__ import annotations

import re
import unicodedata

from marshmallow import ValidationError

from shared.i18n import rule

# Control and format characters (NUL, bidi overrides, zero-width joiners), surrogates, private use
# and unassigned code points.
_CONTROL = {"Cc", "Cf", "Cs", "Co", "Cn"}
# ... and symbols such as emoji, which have no place in a name or an organization.
_SYMBOL = {"So", "Sk"}


def no_controls(value: str) -> None:
    """Free text (titles, descriptions, gate names) may hold symbols, never control characters."""
    if any(unicodedata.category(ch) in _CONTROL and ch not in "\n\t" for ch in value):
        raise ValidationError("Contains characters that are not allowed.")


def plain_text(value: str) -> None:
    """Neither control characters nor symbols such as emoji."""
    if any(unicodedata.category(ch) in _CONTROL | _SYMBOL for ch in value):
        raise ValidationError("Contains characters that are not allowed.")


# Every line break str.splitlines() knows (CR, LF, VT, FF, FS, GS, RS, NEL, LS, PS): a mail library
# folds a header at any of them, and a title with one broke its emails (issue 23).
LINE_BREAKS = "\r\n\v\f\x1c\x1d\x1e\x85\u2028\u2029"
_BREAKS = re.compile(f"[{LINE_BREAKS}]+")


def one_line(value: str) -> None:
    """Text that becomes a header (an activity's title is an email's subject) holds no line break;
    refused as the field rule ``line_break``."""
    if _BREAKS.search(value):
        raise ValidationError(rule("line_break"))


def as_one_line(text: str) -> str:
    """``text`` with each run of line breaks as one space: what a header is given, whatever was
    stored before the rule (notify's defence)."""
    return _BREAKS.sub(" ", text)
