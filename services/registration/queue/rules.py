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
from dataclasses import dataclass
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


def rate(rate_per_min: int, capacity: int, seat_rate: float) -> int:
    """An activity's admissions per minute: the registration path's rate, but never more than
    ``seat_rate`` people per seat per minute. Admitting far more people than there are seats (12,000
    a minute for 300 seats) would make the release first come, first served again among thousands
    admitted at once, decided by whose page asks first (the polls helper's finding, docs/queue.md)."""
    by_seats = math.ceil(max(capacity, 1) * seat_rate) if seat_rate > 0 else rate_per_min
    return max(1, min(rate_per_min, by_seats))


def admitted_upto(now_ms: int, release_ms: int, rate_per_min: int) -> int:
    """How many places are admitted at ``now``: place p once now >= release + (p - 1) * 60 / rate."""
    if now_ms < release_ms:
        return 0
    return (now_ms - release_ms) * rate_per_min // 60_000 + 1


def admit_ms(position: int, release_ms: int, rate_per_min: int) -> float:
    """When place ``position`` is admitted: release + (p - 1) * 60 / rate."""
    return release_ms + (position - 1) * 60_000 / rate_per_min


def estimate_s(position: int, now_ms: int, release_ms: int, rate_per_min: int) -> int:
    """An honest wait: until place ``position`` is admitted (release + (p - 1) * 60 / rate), which
    is the people ahead divided by the people admitted per minute, counted from now."""
    return max(math.ceil((admit_ms(position, release_ms, rate_per_min) - now_ms) / 1000), 0)


def opens_ms(release_ms: int, window_min: int) -> int:
    """The queue opens this long before the release."""
    return release_ms - window_min * 60_000


@dataclass(frozen=True)
class Pace:
    """How often pages ask (the settings SCIDAY_QUEUE_POLL_S, _HEARTBEAT_S, _POLLS_PER_S,
    _POLL_JITTER_PCT): waiting is cheap when pages ask at the moments that matter."""

    floor_s: int
    heartbeat_s: int
    polls_per_s: int
    jitter_pct: int


def crowd_s(joined: int, polls_per_s: int) -> int:
    """How long ``joined`` pages take to ask once each at the polls' budget (0: no budget)."""
    return math.ceil(joined / polls_per_s) if polls_per_s > 0 else 0


def admission_from_ms(release_ms: int, released_n: int | None, polls_per_s: int) -> int:
    """When admissions begin: once the pages of everyone present at the release have asked once,
    spread at the polls' budget (``crowd_s``).  Until then nobody is admitted, so a place's turn is
    decided by the place and not by whose spread ask came early (or by a script that asks at the
    release): place p is admitted at this moment + (p - 1) * 60 / rate."""
    return release_ms + crowd_s(released_n or 0, polls_per_s) * 1000


def poll_s(pace: Pace, now_ms: int, due_ms: float | None, joined: int, *, spread: bool, rnd: float) -> int:
    """When a page should ask again (seconds), ``rnd`` uniform in [0, 1).

    The heartbeat, for news nobody can foresee (sold out, a closing): ``heartbeat_s``, or longer
    when the crowd is large (``joined`` pages asking once per beat stay within ``polls_per_s``),
    shortened by up to ``jitter_pct`` % so that pages do not beat together. A known moment
    ``due_ms`` (the queue's opening, the release, this place's admission) comes sooner when it is
    before the beat; with ``spread`` (the release, when everyone's moment is the same) the pages
    are spread over the time the crowd takes at the budget after it. Never under ``floor_s``."""
    crowd = crowd_s(joined, pace.polls_per_s)
    beat = max(pace.heartbeat_s, crowd)
    wait = beat - int(beat * pace.jitter_pct / 100 * rnd)
    if due_ms is not None:
        until = max(math.ceil((due_ms - now_ms) / 1000), 0) + (int(rnd * crowd) if spread else 0)
        wait = min(wait, until)
    return max(pace.floor_s, wait)
