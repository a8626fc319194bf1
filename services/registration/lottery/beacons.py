"""The beacon port's wiring: ``beacon_from(settings, redis)`` builds the adapter the settings name.

``SCIDAY_BEACON_SOURCE=http`` (production): the drand relays (``beacon_relays``);
``recorded`` (tests, `make run`): the recorded rounds replayed from the local stand-in
(``beacon_recorded_url``). Both answer an organizer's typed round first. The chain is pinned by
the settings (default: quicknet). Nothing connects here: the Redis client is lazy, and the recorded
file is read when the adapter is built, not at import.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

from services.registration.lottery import beacon as bc
from services.registration.lottery.beacon_http import HttpBeacon, ReplayBeacon
from services.registration.lottery.beacon_typed import TypedRounds
from shared.config import Settings

# The checkout's recorded rounds (the stand-in serves the same file; neither is in the image).
RECORDED = Path(__file__).resolve().parents[3] / "standins" / "drand_quicknet_rounds.json"


def chain_of(settings: Settings) -> bc.Chain:
    """The pinned chain; a key or hash that is not lowercase hex of its length fails here, at start,
    and never reaches drand-verify (which panics on what is not hex)."""
    key, hash_ = settings.beacon_public_key.strip().lower(), settings.beacon_chain_hash.strip().lower()
    if not re.fullmatch(r"[0-9a-f]{192}", key) or not re.fullmatch(r"[0-9a-f]{64}", hash_):
        raise ValueError("SCIDAY_BEACON_PUBLIC_KEY must be 96 bytes and SCIDAY_BEACON_CHAIN_HASH 32, in hex")
    if settings.beacon_period_s < 1:
        raise ValueError("SCIDAY_BEACON_PERIOD_S must be at least 1")
    return bc.Chain(hash_, key, settings.beacon_genesis_time, settings.beacon_period_s)


def recorded_rounds(path: str | Path = "") -> list[dict]:
    """The recorded rounds (``{round, signature, randomness, url, found_in}``) of the file."""
    try:
        return list(json.loads(Path(path or RECORDED).read_text(encoding="utf-8"))["rounds"])
    except FileNotFoundError:
        raise ValueError(
            f"no recorded beacon rounds at {path or RECORDED} (a checkout's standins/): "
            "production sets SCIDAY_BEACON_SOURCE=http"
        ) from None


def typed_rounds(settings: Settings, redis) -> TypedRounds:
    return TypedRounds(redis, settings.redis_prefix, chain_of(settings))


def beacon_from(settings: Settings, redis) -> HttpBeacon:
    """The adapter ``settings.beacon_source`` names, with the typed rounds in ``redis``."""
    chain, timeout_s = chain_of(settings), settings.beacon_timeout_ms / 1000
    typed = typed_rounds(settings, redis)
    if settings.beacon_source == bc.SOURCE_HTTP:
        return HttpBeacon(chain, settings.beacon_relays.split(","), timeout_s, typed)
    if settings.beacon_source == bc.SOURCE_RECORDED:
        rounds = [int(r["round"]) for r in recorded_rounds(settings.beacon_recorded_file)]
        return ReplayBeacon(
            chain, settings.beacon_recorded_url, rounds, settings.beacon_replay_period_s, timeout_s, typed
        )
    raise ValueError(f"SCIDAY_BEACON_SOURCE must be http or recorded, not {settings.beacon_source!r}")
