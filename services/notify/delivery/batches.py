"""Notify's batch handler: a poll batch of registration events in three round trips (issue 18).

The rules stay in :class:`services.notify.delivery.usecases.Notices`; this module only gives them ports
that read a batch's state at once and write it at once:

1. one pipelined read of everything the batch's registration events look at (each activity's
   snapshot and cancellation, each registrant as stored, their reminders' scores);
2. the events are handled in order by ``RegistrationNotices`` over :class:`BatchProjection`,
   :class:`BatchDeliveries` and :class:`BatchReminders`, which answer reads from what was read
   (and what earlier events of the batch wrote) and queue every write on one pipeline;
3. the pipeline runs as one MULTI/EXEC (redis-py first checks the intent script is loaded).

Activity events (rare, and they fan out over all of an activity's registrants) and any type the
batch path does not know are handled by the per-record handler in their place, after the writes
queued before them have run.  The outcome is the one ``Notices.handle`` gives event by event:
``tests/integration/test_batch_equivalence.py`` compares them.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import datetime
from typing import Any

from services.notify.delivery.intents import Deliveries
from services.notify.delivery.usecases import Notices, RegistrationNotices
from services.notify.projection import STATUS_OF, Projection, merge_registration
from services.notify.reminders.schedule import Reminders
from shared.clock import Clock
from shared.consumer import in_runs

Doc = dict[str, Any]


class BatchProjection:
    def __init__(self, real: Projection, pipe: Any, acts: dict, cancels: dict, regs: dict):
        self.real, self.pipe = real, pipe
        self.acts, self.cancels, self.regs = acts, cancels, regs
        self.written: dict[str, dict[str, str]] = {}
        self.parsed: dict[str, Doc | None] = {}

    def put_registration(self, envelope: Doc) -> Doc:
        aid, rid = envelope["activity_id"], envelope["data"]["registration_id"]
        raw = self.regs.get((aid, rid))
        record = merge_registration(json.loads(raw) if raw else None, envelope, self.real.sealer)
        raw = json.dumps(record, ensure_ascii=False)
        self.regs[(aid, rid)] = raw
        self.written.setdefault(aid, {})[rid] = raw  # one HSET per activity, by flush()
        return record

    def flush(self) -> None:
        """Queue the registrants written so far: the last record of each, in one HSET per activity
        (inside the run's MULTI nothing sees the ones in between)."""
        for aid, records in self.written.items():
            self.pipe.hset(self.real.regs_key(aid), mapping=records)
        self.written = {}

    def activity(self, aid: str) -> Doc | None:
        if aid not in self.parsed:  # parsed once per run, not once per registration
            raw = self.acts.get(aid)
            self.parsed[aid] = json.loads(raw) if raw else None
        doc = self.parsed[aid]
        return None if doc is None else dict(doc)

    def cancellation(self, aid: str) -> Doc | None:
        eid, at, reason = self.cancels.get(aid) or (None, None, None)
        if not eid or not at:
            return None
        return {"event_id": eid.decode(), "occurred_at": at.decode(), "reason": (reason or b"").decode()}


class BatchDeliveries:
    """Collects the run's messages; ``flush`` queues them as one intents.lua call (issue 18,
    session 2), which records each exactly as intent.lua would, in the same order."""

    def __init__(self, real: Deliveries, pipe: Any):
        self.real, self.pipe = real, pipe
        self.pending: list[tuple[list[str], list]] = []

    def record(self, **kwargs: Any) -> int:
        self.pending += self.real.intents(**kwargs)
        return 0

    def flush(self) -> None:
        self.real.record_many(self.pending, client=self.pipe)
        self.pending = []


class BatchReminders:
    def __init__(self, real: Reminders, pipe: Any, scores: dict[str, int | None]):
        self.real, self.pipe, self.scores = real, pipe, scores

    def schedule(self, aid: str, rid: str, activity: Doc) -> None:
        if not self.real.offsets:
            return
        members = self.real.members(aid, rid)
        self.scores.update(self.real.plan(self.pipe, activity, members, [self.scores[m] for m in members]))

    def drop(self, aid: str, rid: str) -> None:
        if self.real.offsets:
            members = self.real.members(aid, rid)
            self.pipe.zrem(self.real.key, *members)
            self.scores.update(dict.fromkeys(members))


class BatchHandler:
    """``handle_batch(envelopes)`` for the consumer loop; ``handle`` is the per-record handler."""

    def __init__(self, notices: Notices, handle: Callable[[Doc], object]):
        self.notices, self.handle = notices, handle
        self.projection: Projection = notices.projection  # type: ignore[assignment]
        self.deliveries: Deliveries = notices.deliveries  # type: ignore[assignment]
        self.reminders: Reminders = notices.reminders  # type: ignore[assignment]

    def __call__(self, envelopes: list[Doc]) -> None:
        in_runs(envelopes, frozenset(STATUS_OF), self._write_run, self.handle)

    def _write_run(self, envelopes: list[Doc]) -> None:
        p, r = self.projection, self.reminders
        aids = list(dict.fromkeys(e["activity_id"] for e in envelopes))
        keys = list(dict.fromkeys((e["activity_id"], e["data"]["registration_id"]) for e in envelopes))
        members = [m for aid, rid in keys for m in r.members(aid, rid)]
        read = p.redis.pipeline(transaction=False)
        for aid in aids:
            read.hmget(p.act_key(aid), "doc", "cancel_event_id", "cancel_occurred_at", "cancel_reason")
        rids: dict[str, list[str]] = {}
        for aid, rid in keys:
            rids.setdefault(aid, []).append(rid)
        for aid, some in rids.items():  # one HMGET per activity
            read.hmget(p.regs_key(aid), some)
        if members:
            read.zmscore(r.key, members)
        got = read.execute()
        acts = {aid: row[0] for aid, row in zip(aids, got, strict=False)}
        cancels = {aid: row[1:] for aid, row in zip(aids, got, strict=False)}
        rows = got[len(aids) : len(aids) + len(rids)]
        regs = {
            (aid, rid): raw
            for (aid, some), row in zip(rids.items(), rows, strict=True)
            for rid, raw in zip(some, row, strict=True)
        }
        scores = dict(zip(members, got[-1], strict=True)) if members else {}
        scores = {m: None if s is None else int(s) for m, s in scores.items()}

        write = p.redis.pipeline(transaction=True)
        projection = BatchProjection(p, write, acts, cancels, regs)
        deliveries = BatchDeliveries(self.deliveries, write)
        batch = RegistrationNotices(
            projection,
            deliveries,
            BatchReminders(r, write, scores),
            self.notices.clock,
        )
        for envelope in envelopes:
            batch.handle(envelope)
        projection.flush()
        deliveries.flush()
        write.execute()


# -- sciday rebuild notify ---------------------------------------------------------------------------
class NoDeliveries:
    """A rebuild records no message: what the log called for was recorded (and sent) already, and a
    Redis that lost its intents must not send them all again."""

    def record(self, **_kwargs: Any) -> int:
        return 0

    def erase(self, _registration_id: str) -> int:  # the live worker erased what it had recorded
        return 0

    def intents(self, **_kwargs: Any) -> list[tuple[list[str], list]]:
        return []

    def record_many(self, _intents: list[tuple[list[str], list]], client: Any = None) -> int:
        return 0


class Replay:
    """``sciday rebuild notify``: the projection and the reminders from events read again from the
    log, while the live worker may handle newer ones.  No messages; an activity snapshot older than
    the stored one is skipped (registrations only move forward anyway).  ``__call__`` returns how
    many events were skipped."""

    def __init__(self, projection: Projection, reminders: Reminders, clock: Clock):
        self.projection = projection
        notices = Notices(projection, NoDeliveries(), reminders, clock)
        self.batch = BatchHandler(notices, notices.handle)

    def __call__(self, envelopes: list[Doc]) -> int:
        p = self.projection
        aids = list(dict.fromkeys(e["activity_id"] for e in envelopes if e["type"] not in STATUS_OF))
        read = p.redis.pipeline(transaction=False)
        for aid in aids:
            read.hget(p.act_key(aid), "event_at")
        stored = {
            aid: _at(raw.decode())
            for aid, raw in zip(aids, read.execute() if aids else [], strict=True)
            if raw
        }
        keep = [
            e
            for e in envelopes
            if e["type"] in STATUS_OF
            or e["activity_id"] not in stored
            or _at(e["occurred_at"]) >= stored[e["activity_id"]]
        ]
        self.batch(keep)
        return len(envelopes) - len(keep)


def _at(iso: str) -> datetime:
    return datetime.fromisoformat(iso)
