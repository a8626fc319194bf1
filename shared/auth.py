"""Bearer tokens for staff and organizers, stored hashed (SHA-256) in Redis.

Roles: ``steward`` (scan), ``supervisor`` (scan and undo) — both scoped to one venue — and
``organizer`` (everything, every venue).  A token is shown once, when it is created.
"""

from __future__ import annotations

import hashlib
import json
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import wraps
from typing import Any

from flask import g, request

from shared.errors import FORBIDDEN, UNAUTHORIZED, ApiError
from shared.i18n import request_locale
from shared.msgid import N_, text

ROLES = ("steward", "supervisor", "organizer")
# What a refused token hears, in the request's language (issue 26: once "令牌无效 / The token is
# not valid." in one string); the Chinese is in shared/translations.
TOKEN_REQUIRED = N_("A bearer token is required.")
TOKEN_INVALID = N_("The token is not valid.")
ROLE_REFUSED = N_("This token's role may not do that.")


@dataclass(frozen=True)
class Principal:
    role: str
    venue: str | None
    name: str
    token_hash: str
    # Issue 23: the gates a door device's token is bound to (as written at creation; the check-in
    # service compares canonical names); None: any gate of its venue.
    gates: tuple[str, ...] | None = None

    def may_access_venue(self, venue_id: str) -> bool:
        return self.role == "organizer" or self.venue == venue_id


def _key(prefix: str) -> str:
    return f"{prefix}tokens"


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8", "replace")).hexdigest()


def create_token(
    redis: Any,
    prefix: str,
    role: str,
    name: str,
    venue: str | None = None,
    gates: list[str] | None = None,
    expires_at: datetime | None = None,
) -> str:
    if role not in ROLES:
        raise ValueError(f"role must be one of {ROLES}")
    if role in ("steward", "supervisor") and not venue:
        raise ValueError(f"a {role} token needs --venue")
    token = "sd_" + secrets.token_urlsafe(32)
    record: dict[str, Any] = {
        "role": role,
        "venue": venue if role != "organizer" else None,
        "name": name,
        "created_at": datetime.now(UTC).isoformat(),
    }
    if gates:  # issue 23: a device bound to its gates; a scan naming another is refused
        record["gates"] = list(gates)
    if expires_at is not None:  # issue 24: refused from then on (sciday token create --days)
        record["expires_at"] = expires_at.astimezone(UTC).isoformat()
    redis.hset(_key(prefix), _hash(token), json.dumps(record, ensure_ascii=False))
    return token


# A view's reads sent with the token lookup: queues them on the pipeline it is given and returns
# what takes their replies (or None when it queued nothing). It runs before the token is known
# to be valid, so it may only read.
ReadAhead = Callable[[Any], Callable[[list[Any]], None] | None]


def expired(rec: dict[str, Any], ttl_days: int, now: datetime | None = None) -> bool:
    """Past its ``expires_at``; a token made before expiry existed (issue 24) has none and is
    judged by ``created_at`` + ``ttl_days`` (the token_ttl_days setting; 0: never)."""
    now = now or datetime.now(UTC)
    if rec.get("expires_at"):
        return datetime.fromisoformat(rec["expires_at"]) <= now
    if ttl_days and rec.get("created_at"):
        return datetime.fromisoformat(rec["created_at"]) + timedelta(days=ttl_days) <= now
    return False


def lookup(
    redis: Any, prefix: str, token: str, read_ahead: ReadAhead | None = None, ttl_days: int = 0
) -> Principal | None:
    """The token's principal, or None (unknown, revoked or expired). ``read_ahead`` queues the
    view's own reads on the same pipeline (one round trip) and gets their replies, whatever the
    token turns out to be."""
    if not token or len(token) > 200:
        return None
    h = _hash(token)
    if read_ahead is None:
        raw = redis.hget(_key(prefix), h)
    else:
        pipe = redis.pipeline(transaction=False)
        pipe.hget(_key(prefix), h)
        settle = read_ahead(pipe)
        raw, *replies = pipe.execute()
        if settle is not None:
            settle(replies)
    if raw is None:
        return None
    rec = json.loads(raw)
    if expired(rec, ttl_days):
        return None
    gates = rec.get("gates")
    return Principal(rec["role"], rec.get("venue"), rec.get("name", ""), h, tuple(gates) if gates else None)


def bearer() -> str | None:
    header = request.headers.get("Authorization", "")
    if header.startswith("Bearer "):
        return header[7:].strip()
    return None


def require(
    *roles: str, read_ahead: ReadAhead | None = None
) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """View decorator: a valid token of one of ``roles``; the principal lands in ``g.principal``.
    With ``read_ahead`` (the door's verdict, issue 18), the view's first reads go in the same
    round trip as the token lookup; a missing or wrong token still gets 401 before anything else.
    """

    def deco(view: Callable[..., Any]) -> Callable[..., Any]:
        @wraps(view)
        def wrapped(*args: Any, **kwargs: Any) -> Any:
            from shared.web import redis_of, settings_of

            token = bearer()
            if not token:
                raise ApiError(
                    UNAUTHORIZED,
                    text(TOKEN_REQUIRED, request_locale()),
                    status_code=401,
                    headers={"WWW-Authenticate": "Bearer"},
                )
            settings = settings_of()
            principal = lookup(redis_of(), settings.redis_prefix, token, read_ahead, settings.token_ttl_days)
            if principal is None:
                raise ApiError(
                    UNAUTHORIZED,
                    text(TOKEN_INVALID, request_locale()),
                    status_code=401,
                    headers={"WWW-Authenticate": "Bearer"},
                )
            if principal.role not in roles:
                raise ApiError(FORBIDDEN, text(ROLE_REFUSED, request_locale()), status_code=403)
            g.principal = principal
            return view(*args, **kwargs)

        wrapped.sciday_roles = roles  # type: ignore[attr-defined]  # lets tests enumerate every protected endpoint
        return wrapped

    return deco
