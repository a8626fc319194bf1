"""The one way a name, a phone and an ID number are masked, on every screen, export and event.

docs/privacy.md names the forms: the name as ``张*`` (the first character, one star for each
character after it: 欧阳娜娜 -> 欧***), the phone as ``138****5678`` (the last four let the door
look a party up) and an ID number as ``2101**********123X`` (the ends a steward compares with the
card).  Text that may *contain* a phone (a log line) is scrubbed by ``shared.logs.mask_phone``.
"""

from __future__ import annotations

from shared.phone import is_canonical


def mask_name(name: str | None) -> str:
    """张三 -> 张*, 欧阳娜娜 -> 欧***, 张 -> 张*; "" (an erased record) stays ""."""
    name = (name or "").strip()
    return name[:1] + "*" * max(len(name) - 1, 1) if name else ""


def mask_phone(phone: str | None) -> str:
    """``138****5678`` of a canonical mainland number; "" stays "" (erased), anything else ``***``."""
    if not phone:
        return ""
    return f"{phone[:3]}****{phone[-4:]}" if is_canonical(phone) else "***"


def mask_id(number: str) -> str:
    """``2101**********123X``: the ends a steward compares with the card, nothing in between."""
    n = len(number)
    keep = 4 if n >= 12 else 2 if n >= 7 else 1
    return number[:keep] + "*" * (n - 2 * keep) + number[-keep:]
