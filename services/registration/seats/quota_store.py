"""Returning the window's unbooked kept seats to on-site standby at the start (issue 29).

``quota_return.lua`` is the step (once per activity, from its start on); this adapter finds the
activities whose time has come and runs it.  The registration scheduler calls
:func:`return_due` on each pass (lottery/scheduler.py), so any number of schedulers may run:
the script answers ``already`` after the first.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any

from services.registration.seats.keys import Keys, now_pair, refused
from services.registration.vocabulary import CH_WINDOW, OK, REFUSED
from shared.outbox_keys import stream_key
from shared.redis_scripts import load_script

HERE = Path(__file__).parent


class QuotaReturns:
    """The window's seats returned to standby: which activities are due, and the step itself."""

    def __init__(self, redis: Any, settings: Any):
        self.redis, self.keys = redis, Keys(settings.redis_prefix)
        self.outbox = stream_key(settings)
        self.script = load_script(redis, HERE, "quota_return")

    def give_back(self, aid: str, now: datetime | None = None) -> tuple[str, int]:
        """Run quota_return.lua: ``("ok", seats)`` the first time, ``("already", seats)`` after,
        ``("too_early", 0)`` before the start; ``unknown_activity`` is raised."""
        t_ms, t_iso = now_pair(now)
        res = self.script(keys=[self.keys.activity(aid), self.outbox], args=[t_ms, t_iso])
        if res[0].decode() == REFUSED:
            raise refused(res)
        return res[0].decode(), int(res[1])

    def due(self, now: datetime | None = None) -> list[str]:
        """Activities that started, keep window seats and have not returned them (one pipeline)."""
        t_ms = now_pair(now)[0]
        # the index is scored by the start: only the activities that have started
        ids = [i.decode() for i in self.redis.zrangebyscore(self.keys.activities, "-inf", t_ms)]
        pipe = self.redis.pipeline(transaction=False)
        for aid in ids:
            pipe.hmget(self.keys.activity(aid), "starts_at", f"quota_set:{CH_WINDOW}", "quota_returned_at")
        out = []
        for aid, (starts, kept, returned) in zip(ids, pipe.execute(), strict=True):
            if starts and int(starts) <= t_ms and int(kept or 0) > 0 and returned is None:
                out.append(aid)
        return out

    def return_due(self, now: datetime | None = None) -> list[tuple[str, int]]:
        """Return every due activity's window seats; the (activity, seats) just returned."""
        done = []
        for aid in self.due(now):
            outcome, seats = self.give_back(aid, now)
            if outcome == OK:
                done.append((aid, seats))
        return done
