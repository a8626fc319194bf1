"""Rate limits kept in Redis, so they hold across every worker and instance.

A limit is ``(name, subject, max_requests, window_s)``; :meth:`RateLimiter.check` counts a request
against all of them at once and raises a ``rate_limited`` refusal (the spent limit and ``retry_ms``)
when any is spent; each service's edge answers it 429 with ``Retry-After``.
A limit of 0 disables it (the benchmarks' load generator comes from one address).

Each limit is a sliding window (shared/sliding.lua): at most ``max_requests`` in any interval of
``window_s``, so a client cannot spend one window's allowance at its end and the next one's at the
start of the next (the doubled burst of fixed windows). ``clock`` (ms) is injectable for tests.
"""

from __future__ import annotations

import secrets
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from shared.errors import RATE_LIMITED
from shared.keyfile import keyed
from shared.redis_scripts import Scripts
from shared.refusal import Refusal


def _now_ms() -> int:
    return int(time.time() * 1000)


class RateLimiter:
    def __init__(self, redis: Any, prefix: str, *, secret: bytes, clock: Callable[[], int] = _now_ms):
        """``secret`` keys the subjects' hashes in key names (shared/keyfile.keyed): a phone or an
        address cannot be recovered from a key name by hashing every candidate (issue 23)."""
        self.prefix, self.clock, self.secret = prefix, clock, secret
        self.scripts = Scripts(redis, Path(__file__).parent, ["ratelimit"])

    def key(self, name: str, subject: str) -> str:
        return f"{self.prefix}rl:{name}:{keyed(self.secret, 'rl:' + name, subject)}"

    def call(self, limits: list[tuple[str, str, int, int]]) -> Call | None:
        """The script call that counts a request against ``limits`` (None when all are off), for a
        caller that sends it in its own pipeline; :meth:`Call.spent` reads its reply."""
        active = [(n, s, m, w) for n, s, m, w in limits if m > 0]
        if not active:
            return None
        keys, args = [], [self.clock(), secrets.token_hex(8)]
        for name, subject, max_requests, window_s in active:
            keys.append(self.key(name, subject))
            args += [max_requests, int(window_s * 1000)]
        return Call(self.scripts.ratelimit, [n for n, *_ in active], keys, args)

    def room(self, limits: list[tuple[str, str, int, int]]) -> tuple[str, int] | None:
        """Count the request; None when every limit had room, else (limit name, retry ms)."""
        call = self.call(limits)
        return None if call is None else call.spent(call.script(keys=call.keys, args=call.args))

    def check(self, limits: list[tuple[str, str, int, int]]) -> None:
        refuse(self.room(limits))


class Call:
    """One ratelimit.lua call: its script, keys and arguments, and the names of its limits."""

    def __init__(self, script: Any, names: list[str], keys: list[str], args: list[Any]):
        self.script, self.names, self.keys, self.args = script, names, keys, args

    def spent(self, reply: Any) -> tuple[str, int] | None:
        hit, retry_ms = reply
        return None if not hit else (self.names[hit - 1], int(retry_ms))


def rate_limited(limit: str, retry_ms: int) -> Refusal:
    """The RateLimited refusal: which limit was spent, and when to ask again (``retry_ms``); the
    edges answer it 429 with ``Retry-After`` (shared/errors.common_refusal)."""
    return Refusal(RATE_LIMITED, limit=limit, retry_ms=int(retry_ms))


def refuse(spent: tuple[str, int] | None) -> None:
    """A ``rate_limited`` refusal for a spent limit (name, retry ms); None passes."""
    if spent:
        name, retry_ms = spent
        raise rate_limited(name, retry_ms)
