"""The activities and people the bench's scenarios use: an activity document, registration
request lines, verified sessions seeded in one pipeline."""

from __future__ import annotations

import json
import random
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from redis import Redis

from services.registration.seats.store import SeatStore

TZ = ZoneInfo("Asia/Shanghai")


def activity(aid: str, capacity: int, starts_in: timedelta, waitlist: int = 200) -> dict:
    now = datetime.now(TZ).replace(microsecond=0)
    return {
        "id": aid,
        "kind": "imax",
        "title": {"zh": "巨幕影院·压测专场", "en": "IMAX bench"},
        "venue": {"id": "ln-stm", "name": "辽宁省科学技术馆"},
        "hall": "巨幕影院",
        "starts_at": (now + starts_in).isoformat(),
        "ends_at": (now + starts_in + timedelta(hours=2)).isoformat(),
        "capacity": capacity,
        "max_party_size": 4,
        "audience": "public",
        "registration_opens_at": (now - timedelta(days=1)).isoformat(),
        "registration_closes_at": (now + starts_in - timedelta(minutes=5)).isoformat(),
        "waitlist": {"enabled": waitlist > 0, "max_length": waitlist},
    }


def registrations(
    aid: str, n: int, phone_base: int, seed: int, sessions: tuple[Redis, str] | None = None
) -> list[str]:
    """One request line per person; with ``sessions`` (redis, prefix) each person carries a verified
    session of their own (issue 14), seeded as the SMS code check would open it: people verify
    before the release moment, so the rush itself sends no SMS."""
    rng = random.Random(seed)
    phones = [f"1{phone_base + i:010d}" for i in range(n)]
    tokens = seed_sessions(*sessions, phones) if sessions else [""] * n
    return [
        f"POST /api/v1/activities/{aid}/registrations "
        + json.dumps({"name": "压测", "phone": phone, "party_size": rng.randint(1, 4)}, ensure_ascii=False)
        + (f"\tAuthorization: Bearer {token}" if token else "")
        for phone, token in zip(phones, tokens)
    ]


def _activity(store: SeatStore, aid: str) -> tuple[dict[str, Any], dict[str, Any]]:
    """The document and counts of an activity the bench made: gone is a broken run."""
    found = store.get_activity(aid)
    if found is None:
        raise RuntimeError(f"activity {aid} is gone")
    return found


def seed_sessions(redis: Redis, prefix: str, phones: list[str]) -> list[str]:
    """Verified sessions for ``phones``, written in one pipeline; returns their bearer tokens."""
    import secrets

    from services.registration.access import verification

    tokens = [verification.TOKEN_PREFIX + secrets.token_urlsafe(32) for _ in phones]
    pipe = redis.pipeline(transaction=False)
    for phone, token in zip(phones, tokens):
        pipe.set(f"{prefix}vsess:{verification.session_ref(token)}", phone, px=86_400_000)
    pipe.execute()
    return tokens
