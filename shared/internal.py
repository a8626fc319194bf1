"""Calls between the services, signed with a shared key.

The signature (HMAC-SHA256) covers the method, the path with its query, the time, a single-use
nonce and the body, one per line (issue 23, finding 8: a signature over time and body alone let a
captured code request be replayed for more SMS, and a standby join for one activity be replayed
to another's path). The receiver refuses a time further than ``SCIDAY_INTERNAL_SIGNATURE_SKEW_S``
from its clock or a bad signature (401 ``unauthorized``), and a nonce it has already seen
(409 ``request_replayed``): it remembers each nonce in its own key family (``SET NX EX``) for
twice the skew, the whole time the signature could pass.

The key is ``SCIDAY_INTERNAL_API_KEY``, or else ``var/keys/internal.secret`` (made on first use,
so a `make run` stack on one machine agrees without configuration; refused outside loopback).
During a rotation a receiver also accepts ``SCIDAY_INTERNAL_API_KEY_PREVIOUS`` (docs/operations.md,
Rotation): senders sign with the current key only.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
import time
from typing import Any
from urllib.parse import unquote, urlsplit

from shared.errors import REQUEST_REPLAYED, UNAUTHORIZED
from shared.keyfile import from_settings

TS_HEADER, SIG_HEADER, NONCE_HEADER = "X-Sciday-Timestamp", "X-Sciday-Signature", "X-Sciday-Nonce"
NONCE = re.compile(r"[A-Za-z0-9_-]{16,64}\Z", re.ASCII)


def key_of(settings: Any) -> bytes:
    return from_settings(settings, "internal", "SCIDAY_INTERNAL_API_KEY")


def target_of(url: str) -> str:
    """What is signed of a URL: its path, percent-decoded as the receiver's router sees it, and
    its query as sent (``/internal/v1/x?a=1``)."""
    parts = urlsplit(url)
    path = unquote(parts.path) or "/"
    return path + ("?" + parts.query if parts.query else "")


def signature(key: bytes, method: str, target: str, timestamp: str, nonce: str, body: bytes) -> str:
    signed = b"\n".join([method.upper().encode(), target.encode(), timestamp.encode(), nonce.encode(), body])
    return "hmac-sha256=" + hmac.new(key, signed, hashlib.sha256).hexdigest()


def headers(
    key: bytes, method: str, url: str, body: bytes, now: float | None = None, nonce: str | None = None
) -> dict[str, str]:
    """The headers of one signed call to ``url`` (absolute, or a path with its query)."""
    ts = str(int(now if now is not None else time.time()))
    nonce = nonce or secrets.token_urlsafe(18)
    return {
        "Content-Type": "application/json",
        TS_HEADER: ts,
        NONCE_HEADER: nonce,
        SIG_HEADER: signature(key, method, target_of(url), ts, nonce, body),
    }


def valid(
    key: bytes | tuple[bytes, ...],
    method: str,
    target: str,
    given: dict[str, str],
    body: bytes,
    skew_s: int,
    now: float | None = None,
) -> bool:
    """Whether ``given`` (the call's headers) signs this call within ``skew_s`` of ``now``, under
    ``key`` or under any of the keys of a tuple (the current key and the previous one)."""
    ts, nonce, sig = given.get(TS_HEADER, ""), given.get(NONCE_HEADER, ""), given.get(SIG_HEADER, "")
    now = now if now is not None else time.time()
    if not (ts.isascii() and ts.isdigit() and len(ts) <= 12) or abs(now - int(ts)) > skew_s:
        return False
    if not NONCE.match(nonce):
        return False
    keys = key if isinstance(key, tuple) else (key,)
    return any(
        hmac.compare_digest(sig.encode(), signature(k, method, target, ts, nonce, body).encode())
        for k in keys
    )


def first_use(redis: Any, nonce_key: str, skew_s: int) -> bool:
    """Remember a nonce (``nonce_key`` in the receiver's own family); False if it was seen."""
    return bool(redis.set(nonce_key, b"1", nx=True, ex=2 * skew_s + 1))


def refusal(key: bytes | tuple[bytes, ...], redis: Any, nonce_prefix: str, skew_s: int) -> str | None:
    """The reason to refuse the Flask request being handled, or None when it is a signed call
    seen for the first time. ``nonce_prefix``: where the receiver keeps nonces (``…ck:nonce:``)."""
    from flask import request

    target = request.path + ("?" + request.query_string.decode("latin-1") if request.query_string else "")
    got = {h: request.headers.get(h, "") for h in (TS_HEADER, NONCE_HEADER, SIG_HEADER)}
    if not valid(key, request.method, target, got, request.get_data(cache=True), skew_s):
        return UNAUTHORIZED
    if not first_use(redis, nonce_prefix + got[NONCE_HEADER], skew_s):
        return REQUEST_REPLAYED
    return None


def refusal_here(family: str) -> str | None:
    """:func:`refusal` in a service's Flask app, its nonces under ``<prefix><family>nonce:``
    (``ck:``, ``nt:``: the receiver's own key family, sciday/redis_keys.py)."""
    from flask import current_app

    from shared.web import redis_of, settings_of

    s = settings_of()
    key = current_app.extensions["sciday.internal_key"]
    previous = (s.internal_api_key_previous.encode(),) if s.internal_api_key_previous else ()
    return refusal(
        (key, *previous), redis_of(), f"{s.redis_prefix}{family}nonce:", s.internal_signature_skew_s
    )
