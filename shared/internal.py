"""Calls between the services, signed with a shared key (HMAC-SHA256 over "timestamp.body").

The key is ``SCIDAY_INTERNAL_API_KEY``, or else ``var/keys/internal.secret`` (made on first use,
so a `make run` stack on one machine agrees without configuration). A signature older or newer
than ``MAX_SKEW_S`` is refused, so a captured request cannot be replayed later.
"""

from __future__ import annotations

import hashlib
import hmac
import time
from typing import Any

from shared.keyfile import secret

MAX_SKEW_S = 60
TS_HEADER, SIG_HEADER = "X-Sciday-Timestamp", "X-Sciday-Signature"


def key_of(settings: Any) -> bytes:
    return secret(settings.keys_dir, "internal", settings.internal_api_key, "SCIDAY_INTERNAL_API_KEY")


def signature(key: bytes, timestamp: str, body: bytes) -> str:
    return "hmac-sha256=" + hmac.new(key, timestamp.encode() + b"." + body, hashlib.sha256).hexdigest()


def headers(key: bytes, body: bytes, now: float | None = None) -> dict[str, str]:
    ts = str(int(now if now is not None else time.time()))
    return {"Content-Type": "application/json", TS_HEADER: ts, SIG_HEADER: signature(key, ts, body)}


def valid(key: bytes, timestamp: str, given: str, body: bytes, now: float | None = None) -> bool:
    now = now if now is not None else time.time()
    if not timestamp.isascii() or not timestamp.isdigit() or abs(now - int(timestamp)) > MAX_SKEW_S:
        return False
    return hmac.compare_digest(given.encode(), signature(key, timestamp, body).encode())
