"""A per-process memory of sold-out activities, so the crowd after the last seat is answered
without a Redis round trip.

When the seat script answers ``sold_out`` (no seat and no waitlist place for that party), it also
says how many seats a newcomer could still get (0 while anyone waits). The worker remembers that
for ``ttl_s`` (half a second). Until then, a registration for that activity without an
Idempotency-Key whose party is larger than those open seats is refused ``sold_out`` from memory;
a party that may fit goes to the script as usual. This only ever refuses: every seat is
still decided by reserve.lua, so it cannot oversell. What it costs:

- a seat freed by a cancellation or a capacity raise in another process is offered to newcomers
  up to ``ttl_s`` later (this process forgets at once when it made the change itself);
- while an activity is sold out, a phone that already holds a registration hears ``sold_out``
  rather than ``already_registered``.

A request with an Idempotency-Key always goes to the script, so a client retrying a 201 whose
answer it lost gets its registration back, never ``sold_out``.

The people refused from memory are added to the activity's ``turned_away`` figure in batches, at
most ``flush_s`` later, by a thread of this process (so a crash can drop half a second of that
statistic, never a registration).
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable

from shared.redis_scripts import OUTAGE

log = logging.getLogger("sciday.registration.soldout")


class SoldOutMemo:
    def __init__(
        self,
        redis,
        keys,
        ttl_s: float = 0.5,
        flush_s: float = 0.5,
        clock: Callable[[], float] = time.monotonic,
    ):
        self.redis, self.keys = redis, keys
        self.ttl_s, self.flush_s = ttl_s, flush_s
        self.clock = clock  # a test moves it past ttl_s instead of sleeping
        self._until: dict[str, tuple[float, int]] = {}  # aid -> (deadline, seats open to a newcomer)
        self._pending: dict[str, int] = {}
        self._lock = threading.Lock()
        self._flusher: threading.Thread | None = None

    def sold_out(self, aid: str, party_size: int) -> bool:
        hit = self._until.get(aid)
        return hit is not None and hit[0] > self.clock() and party_size > hit[1]

    def note(self, aid: str, open_seats: int) -> None:
        """The seat script just said sold_out for ``aid``, with ``open_seats`` left to a newcomer."""
        if self.ttl_s > 0:
            self._until[aid] = (self.clock() + self.ttl_s, open_seats)

    def forget(self, aid: str) -> None:
        """This process freed seats (cancellation, capacity): ask the script again at once."""
        self._until.pop(aid, None)

    def turned_away(self, aid: str, people: int) -> None:
        with self._lock:
            self._pending[aid] = self._pending.get(aid, 0) + people
            if self._flusher is None or not self._flusher.is_alive():
                # Started on first use, in the worker (never at import or before gunicorn forks).
                self._flusher = threading.Thread(target=self._run, name="soldout-flush", daemon=True)
                self._flusher.start()

    def pending(self, aid: str) -> int:
        return self._pending.get(aid, 0)

    def flush(self) -> int:
        """Add the people refused from memory to ``turned_away``; returns how many were written."""
        with self._lock:
            batch, self._pending = self._pending, {}
        if not batch:
            return 0
        try:
            pipe = self.redis.pipeline(transaction=False)
            for aid, people in batch.items():
                pipe.hincrby(self.keys.activity(aid), "turned_away", people)
            pipe.execute()
        except OUTAGE:
            with self._lock:  # keep them for the next flush
                for aid, people in batch.items():
                    self._pending[aid] = self._pending.get(aid, 0) + people
            raise
        return sum(batch.values())

    def _run(self) -> None:
        while True:
            time.sleep(self.flush_s)
            try:
                self.flush()
            except OUTAGE as exc:
                log.warning("turned_away flush waits for redis: %s", exc)
            with self._lock:
                if not self._pending:
                    self._flusher = None
                    return
