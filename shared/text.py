"""Text hygiene validators for marshmallow fields that people and screens will see."""

from __future__ import annotations

import unicodedata

from marshmallow import ValidationError

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
