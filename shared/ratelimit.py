"""Rate limits kept in Redis, so they hold across every worker and instance.

A limit is ``(name, subject, max_requests, window_s)``; :meth:`RateLimiter.check` counts a request
against all of them at once and raises 429 ``rate_limited`` with ``Retry-After`` when any is spent.
A limit of 0 disables it (the benchmarks' load generator comes from one address).
"""

from __future__ import annotations

import hashlib
import math
import time
from pathlib import Path
from typing import Any

from shared.errors import RATE_LIMITED, ApiError, common_message
from shared.i18n import request_locale
from shared.redis_scripts import Scripts


class RateLimiter:
    def __init__(self, redis: Any, prefix: str):
        self.prefix = prefix
        self.scripts = Scripts(redis, Path(__file__).parent, ["ratelimit"])

    def check(self, limits: list[tuple[str, str, int, int]]) -> None:
        active = [(n, s, m, w) for n, s, m, w in limits if m > 0]
        if not active:
            return
        now = time.time()
        keys, args = [], []
        for name, subject, max_requests, window_s in active:
            window = int(now // window_s)
            digest = hashlib.sha1(subject.encode()).hexdigest()[:16]  # no phone or IP in key names
            keys.append(f"{self.prefix}rl:{name}:{digest}:{window}")
            args += [max_requests, window_s * 1000]
        hit, retry_ms = self.scripts.ratelimit(keys=keys, args=args)
        if hit:
            name = active[hit - 1][0]
            retry_s = max(1, math.ceil(retry_ms / 1000))
            raise ApiError(
                RATE_LIMITED,
                common_message(RATE_LIMITED, request_locale()),
                status_code=429,
                headers={"Retry-After": str(retry_s)},
                errors={"limit": [name]},
            )
