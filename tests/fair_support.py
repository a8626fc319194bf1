"""Helpers for fair-access tests: verified sessions seeded through the verification store (no
SMS), and valid, distinct resident ID numbers."""

from __future__ import annotations

import secrets
from datetime import date, timedelta

from services.registration.access import identity, verification
from services.registration.access.verification_store import RedisCodeStore

DAY_MS = 86_400_000


def seed_session(redis, prefix: str, phone: str) -> str:
    """A verified session for ``phone``, as the code check would open it; returns the bearer token."""
    token = verification.TOKEN_PREFIX + secrets.token_urlsafe(32)
    RedisCodeStore(redis, prefix).open_session(verification.session_ref(token), phone, DAY_MS)
    return token


def bearer(token: str) -> dict:
    return {"Authorization": f"Bearer {token}"}


def resident_id(i: int, born: date = date(1960, 1, 1)) -> str:
    """The i-th distinct valid 居民身份证 number (region 110105, a birth date per i)."""
    first17 = f"110105{(born + timedelta(days=i // 500)).strftime('%Y%m%d')}{i % 500:03d}"
    return first17 + identity.check_digit(first17)


def member(i: int, name: str = "张三") -> dict:
    return {"name": name, "id_type": "resident_id", "id_number": resident_id(i)}


def phone(i: int, base: int = 13_000_000_000) -> str:
    return str(base + i)
