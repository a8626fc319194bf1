"""An ``Idempotency-Key`` bound to the request it first came with.

The key alone is not a capability: reusing someone else's key must not return their registration.
So the store keeps, beside the key's digest, a fingerprint of the request: its body and the
verified phone that sent it. The same key with the same fingerprint is a replay (the first answer
again); with another body or from another session it is refused with ``idempotency_key_reused``.
That decision is reserve.lua's alone (tests/integration/test_fair_registration.py); this module
gives the view the key's digest and the request's fingerprint.
"""

from __future__ import annotations

import hashlib
import json

from services.registration.ports import Doc

MAX_KEY = 128


class KeyInvalid(ValueError):
    pass


def key_digest(header: str | None) -> str:
    """The SHA-256 of the header value ("" without one); :class:`KeyInvalid` when malformed."""
    if header is None:
        return ""
    if not header or len(header) > MAX_KEY or not header.isprintable() or not header.isascii():
        raise KeyInvalid("1–128 printable ASCII characters")
    return hashlib.sha256(header.encode()).hexdigest()


def fingerprint(body: Doc, phone: str) -> str:
    """Equal for the same parsed body from the same verified phone, different otherwise."""
    canonical = json.dumps(
        {"body": body, "phone": phone}, sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=str
    )
    return hashlib.sha256(canonical.encode()).hexdigest()[:32]
