"""Bounds on a JSON body, checked before any parser sees it.

Python's ``json`` recurses once per nesting level (a body nested 1,000 deep raises
``RecursionError``) and refuses integers of more than 4,300 digits with a ``ValueError``; neither
is a ``JSONDecodeError``, so both escaped the parsers as a 500 with a traceback.  No request of
sciday nests deeper than a few levels or carries a number longer than a phone number, so a body
outside these bounds is refused up front (``json_too_complex``, 400) in the one error shape.

The check works on the raw bytes: strings are blanked first (a ``[`` or a run of digits inside a
string is text, not structure), then the nesting depth and the longest run of digits are measured.
"""

from __future__ import annotations

import re
from typing import Final

MAX_DEPTH: Final = 32  # the deepest request body (a lottery entry's members) nests 4 levels
MAX_DIGITS: Final = 64  # the longest number any field takes is far shorter

_STRING = re.compile(rb'"(?:[^"\\]|\\.)*"', re.S)
_OPENERS = re.compile(rb"[\[{]")
_BRACKETS = re.compile(rb"[\[\]{}]")
_LONG_NUMBER = re.compile(rb"\d{%d,}" % (MAX_DIGITS + 1))


def too_complex(body: bytes, max_depth: int = MAX_DEPTH, max_digits: int = MAX_DIGITS) -> bool:
    """True when the body nests deeper than ``max_depth`` or holds a number of more digits."""
    bare = _STRING.sub(b'""', body)
    long_number = _LONG_NUMBER if max_digits == MAX_DIGITS else re.compile(rb"\d{%d,}" % (max_digits + 1))
    if long_number.search(bare):
        return True
    if len(_OPENERS.findall(bare)) <= max_depth:  # the common case: cannot be deeper than this
        return False
    depth = 0
    for m in _BRACKETS.finditer(bare):
        depth += 1 if m.group() in (b"[", b"{") else -1
        if depth > max_depth:
            return True
    return False
