"""The queue's pure rules: whether an activity is queued, the shuffle, admission and the estimate.

The shuffle is ``sciday-queue-v1`` (docs/queue.md): the places of everyone present at the release
are the queue ids sorted by HMAC-SHA256(key = seed, msg = queue id), the seed's SHA-256 having
been published when the queue opened. Anyone holding the revealed seed and the ids reproduces it.
"""

from __future__ import annotations

import hashlib
import hmac
import math
import secrets
from collections.abc import Iterable, Mapping
from typing import Any

from services.registration.vocabulary import FCFS

ALGORITHM = "sciday-queue-v1"
QUEUE_ON, QUEUE_OFF, QUEUE_AUTO = "on", "off", "auto"
QUEUE_MODES = (QUEUE_AUTO, QUEUE_ON, QUEUE_OFF)
QUEUE_DOC = (
    "the release queue (docs/queue.md): auto (on when expected_demand > capacity) | on | off; "
    "a first-come activity only"
)


def queued(doc: Mapping[str, Any]) -> bool:
    """Whether a first-come activity opens through a queue: ``on``, or ``auto`` (the default) when
    its ``expected_demand`` is above its capacity. A lottery activity never is."""
    if doc.get("allocation", FCFS) != FCFS:
        return False
    mode = doc.get("queue") or QUEUE_AUTO
    if mode == QUEUE_AUTO:
        demand = doc.get("expected_demand")
        return demand is not None and int(demand) > int(doc["capacity"])
    return bool(mode == QUEUE_ON)


def new_seed() -> bytes:
    return secrets.token_bytes(32)


def commitment(seed: bytes) -> str:
    """What is published when the queue opens: SHA-256 of the seed, hex."""
    return hashlib.sha256(seed).hexdigest()


def new_queue_id() -> str:
    return "q" + secrets.token_hex(8)


def shuffle_key(seed: bytes, queue_id: str) -> bytes:
    return hmac.digest(seed, queue_id.encode(), "sha256")


def order(seed: bytes, queue_ids: Iterable[str]) -> list[str]:
    """The release's order of those present: by HMAC-SHA256(seed, id), arrival order unused."""
    return sorted(queue_ids, key=lambda qid: (shuffle_key(seed, qid), qid))


def admitted_upto(now_ms: int, release_ms: int, rate_per_min: int) -> int:
    """How many places are admitted at ``now``: place p once now >= release + (p - 1) * 60 / rate."""
    if now_ms < release_ms:
        return 0
    return (now_ms - release_ms) * rate_per_min // 60_000 + 1


def estimate_s(position: int, now_ms: int, release_ms: int, rate_per_min: int) -> int:
    """An honest wait: until place ``position`` is admitted (release + (p - 1) * 60 / rate), which
    is the people ahead divided by the people admitted per minute, counted from now."""
    admit_ms = release_ms + (position - 1) * 60_000 / rate_per_min
    return max(math.ceil((admit_ms - now_ms) / 1000), 0)


def opens_ms(release_ms: int, window_min: int) -> int:
    """The queue opens this long before the release."""
    return release_ms - window_min * 60_000
