"""Reminders before an activity starts (by default 24 h and 2 h before), scheduled durably.

One member per (activity, registration, offset) in a Redis sorted set, scored by when it is due,
so reminders survive a restart and every worker sees the same schedule.

- A confirmed registration (or a promotion) schedules its reminders; a cancellation drops them;
  an activity whose time changes has all of them moved; a cancelled activity drops them all.
- A reminder whose due time is already past when it is scheduled is not added (someone who
  registers 10 h before the start gets the 2 h reminder only).
- When due, a reminder becomes an intent like any other message (deduped on its own event id,
  which includes the start time: a new time earns a new reminder).  It is not sent if the start
  has passed, if the registration is no longer confirmed, or if a later reminder is due as well
  (a worker that was down does not send "24 h before" and "2 h before" at once).

Key: {p}nt:reminders  zset "<aid>|<rid>|<offset minutes>" -> due (ms).  Global, like the queues.
The clock is injectable (shared/clock.py: ``clock.now()``), so tests move time by hand.
"""

from __future__ import annotations

import logging
import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from services.notify import vocabulary as V
from services.notify.ports import Doc, Recorder
from services.notify.projection import Projection
from shared import events as ev
from shared.clock import SYSTEM_CLOCK, Clock, epoch_ms
from shared.redis_scripts import Scripts

log = logging.getLogger("sciday.notify.reminders")
CAUSE = ev.REMINDER_DUE
_NS = uuid.UUID("0d7a3c52-56f1-4bb4-9a6b-3f1f3c8e21aa")


def parse_offsets(text: str) -> list[int]:
    """``"1440,120"`` -> [1440, 120] (minutes before the start, largest first)."""
    return sorted({int(x) for x in (text or "").split(",") if x.strip() and int(x) > 0}, reverse=True)


def ms_of(iso: str) -> int:
    return int(datetime.fromisoformat(iso).timestamp() * 1000)


def due_times(starts_ms: int, offsets: list[int]) -> dict[int, int]:
    return {off: starts_ms - off * 60_000 for off in offsets}


def superseded(offset: int, offsets: list[int], starts_ms: int, now_ms: int) -> bool:
    """True when a later (closer to the start) reminder is due too: send that one only."""
    return any(o < offset and starts_ms - o * 60_000 <= now_ms for o in offsets)


def event_id(registration_id: str, offset: int, starts_ms: int) -> str:
    return str(uuid.uuid5(_NS, f"{registration_id}|{offset}|{starts_ms}"))


class Reminders:
    def __init__(
        self,
        redis: Any,
        prefix: str,
        offsets: list[int],
        projection: Projection,
        deliveries: Recorder,
        clock: Clock = SYSTEM_CLOCK,
    ) -> None:
        self.redis, self.offsets, self.clock = redis, offsets, clock
        self.projection, self.deliveries = projection, deliveries
        self.key = f"{prefix}nt:reminders"
        self.scripts = Scripts(redis, Path(__file__).parent, ["reminder_done"])

    def now_ms(self) -> int:
        return epoch_ms(self.clock)

    @staticmethod
    def member(aid: str, rid: str, offset: int) -> str:
        return f"{aid}|{rid}|{offset}"

    # -- scheduling (called by the event handler) ----------------------------------------------------
    def schedule(self, aid: str, rid: str, activity: Doc) -> None:
        if not self.offsets:
            return
        members = self.members(aid, rid)
        current = self.redis.zmscore(self.key, members)
        pipe = self.redis.pipeline(transaction=True)
        self.plan(pipe, activity, members, current)
        pipe.execute()

    def members(self, aid: str, rid: str) -> list[str]:
        return [self.member(aid, rid, off) for off in self.offsets]

    def plan(
        self, pipe: Any, activity: Doc, members: list[str], current: list[int | None]
    ) -> dict[str, int | None]:
        """Queue on ``pipe`` the writes that schedule ``members`` (whose scores are ``current``);
        returns the scores they will have (None: not scheduled)."""
        now, starts = self.now_ms(), ms_of(activity["starts_at"])
        after: dict[str, int | None] = {}
        add: dict[str, int] = {}
        drop: list[str] = []
        for (_off, due), m, score in zip(due_times(starts, self.offsets).items(), members, current):
            after[m] = None if score is None else int(score)
            if due > now:
                add[m] = due
                after[m] = due
            elif score is not None and int(score) != due:
                drop.append(m)  # planned for an old start time; now past: drop it
                after[m] = None
        if add:  # one command for all of a registration's reminders (issue 18, session 2)
            pipe.zadd(self.key, add)
        if drop:
            pipe.zrem(self.key, *drop)
        return after

    def schedule_activity(self, aid: str, activity: Doc) -> None:
        """(Re)schedule every confirmed registrant's reminders after an activity event."""
        if activity.get("status") != V.SCHEDULED:
            self.drop_activity(aid)
            return
        for reg in self.projection.registrants(aid, (V.CONFIRMED,)):
            self.schedule(aid, reg["registration_id"], activity)

    def drop(self, aid: str, rid: str) -> None:
        if self.offsets:
            self.redis.zrem(self.key, *[self.member(aid, rid, off) for off in self.offsets])

    def drop_activity(self, aid: str) -> None:
        for reg in self.projection.registrants(aid, (V.CONFIRMED, V.WAITLISTED, V.CANCELLED)):
            self.drop(aid, reg["registration_id"])

    def scheduled(self, aid: str | None = None) -> dict[str, int]:
        got = {m.decode(): int(s) for m, s in self.redis.zrange(self.key, 0, -1, withscores=True)}
        return {m: s for m, s in got.items() if aid is None or m.startswith(f"{aid}|")}

    # -- firing (the reminder loop) ------------------------------------------------------------------
    def tick(self) -> int:
        """Turn every due reminder into intents; returns how many reminders fired."""
        now = self.now_ms()
        fired = 0
        for raw, score in self.redis.zrangebyscore(self.key, "-inf", now, start=0, num=500, withscores=True):
            member, due = raw.decode(), int(score)
            fired += self._fire(member, due, now)
            # Recorded first, removed second: a crash in between fires again, and the intent dedupes.
            self.scripts.reminder_done(keys=[self.key], args=[member, due])
        return fired

    def _fire(self, member: str, due: int, now: int) -> int:
        aid, rid, off = member.rsplit("|", 2)
        offset = int(off)
        reg, act = self.projection.registration(aid, rid), self.projection.activity(aid)
        if not reg or not act or reg.get("status") != V.CONFIRMED or act.get("status") != V.SCHEDULED:
            return 0
        starts = ms_of(act["starts_at"])
        if starts - offset * 60_000 != due or now >= starts or superseded(offset, self.offsets, starts, now):
            return 0
        self.deliveries.record(
            event_id=event_id(rid, offset, starts),
            cause_type=CAUSE,
            occurred_at=datetime.fromtimestamp(due / 1000, UTC).isoformat(),
            activity_id=aid,
            reg=reg,
            template=V.REMINDER_TEMPLATE,
            now_ms=now,
            context={"offset_min": offset, "starts_at": act["starts_at"]},
        )
        return 1
