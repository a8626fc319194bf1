"""The queue's use cases: join, status (which releases when due), public, audit, mine.

Plain functions over a :class:`Queue` (the store, the key ring, the clock and the settings'
numbers) and the registration ports (the activity's document). Refusals are
:class:`~services.registration.vocabulary.Refusal`; the HTTP edge is ``api.py``.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from services.registration import vocabulary as v
from services.registration.catalogue import activities
from services.registration.ports import Clock, Doc, Ports
from services.registration.queue import rules, token
from services.registration.queue.store import QueueStore, Seen


@dataclass
class Queue:
    store: QueueStore
    ring: Any  # shared/tickets.KeyRing: signs the admission tokens
    clock: Clock
    window_min: int
    rate_per_min: int
    token_s: int
    pace: rules.Pace
    seat_rate: float = 1.0

    @classmethod
    def of(cls, store: QueueStore, ring: Any, clock: Clock, settings: Any) -> Queue:
        return cls(
            store,
            ring,
            clock,
            settings.queue_window_min,
            settings.queue_rate_per_min,
            settings.queue_token_s,
            rules.Pace(
                settings.queue_poll_s,
                settings.queue_heartbeat_s,
                settings.queue_polls_per_s,
                settings.queue_poll_jitter_pct,
            ),
            settings.queue_seat_rate,
        )

    def now_ms(self) -> int:
        return int(self.clock.now().timestamp() * 1000)

    def rate(self, doc: Doc) -> int:
        """Admissions per minute for this activity (rules.rate): never many more than its seats."""
        return rules.rate(self.rate_per_min, int(doc.get("capacity") or 0), self.seat_rate)


def _iso_ms(ms: int) -> str:
    return activities.iso(datetime.fromtimestamp(ms / 1000, UTC))


def queued_doc(ports: Ports, aid: str) -> Doc:
    """The activity's document if it opens through a queue: ``unknown_activity`` / ``queue_not_open``."""
    doc = ports.seats.activity_doc(aid)
    if doc is None:
        raise v.Refusal(v.UNKNOWN_ACTIVITY, {"activity_id": aid})
    if not rules.queued(doc):
        raise v.Refusal(v.QUEUE_NOT_OPEN, {"activity_id": aid})
    return doc


def _times(q: Queue, doc: Doc) -> tuple[int, int]:
    """The activity's release (registration opens) and its queue's opening, ms."""
    release = activities.ms(doc["registration_opens_at"])
    return release, rules.opens_ms(release, q.window_min)


def _opened(q: Queue, doc: Doc) -> None:
    """Open the queue once its window has come (the seed is made and committed then)."""
    release, opens = _times(q, doc)
    if q.now_ms() < opens:
        raise v.Refusal(v.QUEUE_NOT_OPEN, {"activity_id": doc["id"], "opens_at": _iso_ms(opens)})
    q.store.open(doc["id"], opens, release)


def join(ports: Ports, q: Queue, aid: str, ref: str) -> tuple[bool, Doc]:
    """Take the phone's one place (a second tab or device gets the same): (new?, its status)."""
    doc = queued_doc(ports, aid)
    try:
        created, _qid, _pos = q.store.join(aid, ref, q.now_ms(), _times(q, doc))
    except v.Refusal as exc:
        if exc.reason != v.QUEUE_NOT_OPEN:
            raise
        _opened(q, doc)
        created, _qid, _pos = q.store.join(aid, ref, q.now_ms(), _times(q, doc))
    return created, status(ports, q, aid, ref, doc=doc)


def _seen(ports: Ports, q: Queue, doc: Doc, ref: str) -> Seen:
    """One status read; a release due now is done here (once: queue_freeze.lua)."""
    seen = q.store.status(doc["id"], ref, q.now_ms(), _times(q, doc))
    release, opens = _times(q, doc)
    if seen is None and q.now_ms() < opens:  # before its window: when it opens
        return Seen(v.Q_NOT_OPEN, "", None, None, 0, release, opens, "", gone=False, froze=False)
    if seen is None:
        _opened(q, doc)
        seen = q.store.status(doc["id"], ref, q.now_ms(), _times(q, doc))
        assert seen is not None
    if seen.froze:
        q.store.shuffle(doc["id"], seen.released_n or 0)
        seen = q.store.status(doc["id"], ref, q.now_ms(), _times(q, doc))
        assert seen is not None
    return seen


def release_due(ports: Ports, q: Queue, aid: str) -> str:
    """Release the queue if its time has come (a scheduler's or the status's call); its state."""
    return _seen(ports, q, queued_doc(ports, aid), "").state


def release_all_due(ports: Ports, q: Queue) -> list[str]:
    """The scheduler's pass (lottery/scheduler.py): release every queue whose time has come, ahead
    of the crowd's first poll. A queue no longer queued, or moved later, waits (or is dropped)."""
    released = []
    for aid in q.store.due_now(q.now_ms()):
        try:
            state = release_due(ports, q, aid)
        except v.Refusal:  # gone, or no longer queued
            state = v.Q_RELEASED
        if state == v.Q_RELEASED:
            q.store.not_due(aid)
            released.append(aid)
    return released


def status(ports: Ports, q: Queue, aid: str, ref: str, *, doc: Doc | None = None) -> Doc:
    """A person's place, with when to ask again (``poll_s``: rules.poll_s)."""
    out = _status(ports, q, aid, ref, doc)
    return out | {"poll_s": _poll_s(q, out)}


def _poll_s(q: Queue, out: Doc) -> int:
    """Ask at the next known moment: the queue's opening, the release (spread), this place's turn."""
    due: float | None = None
    if out["state"] == v.Q_NOT_OPEN:
        due = activities.ms(out["opens_at"])
    elif out["state"] == v.Q_WAITING:
        due = activities.ms(out["release_at"])
    elif out["state"] == v.Q_QUEUED:
        begins = rules.admission_from_ms(
            activities.ms(out["release_at"]), out["released_n"], q.pace.polls_per_s
        )
        due = rules.admit_ms(out["position"], begins, out["rate_per_min"])
    elif out["state"] == v.Q_ADMITTED:  # its button's token is fresh again before half its life
        due = q.now_ms() + q.token_s * 500
    spread = out["state"] == v.Q_WAITING
    joined = int(out["joined"] or 0)
    return rules.poll_s(q.pace, q.now_ms(), due, joined, spread=spread, rnd=random.random())


def _status(ports: Ports, q: Queue, aid: str, ref: str, doc: Doc | None) -> Doc:
    """waiting | queued | admitted (with a token) | sold_out | closed | not_joined | not_open."""
    doc = doc or queued_doc(ports, aid)
    seen = _seen(ports, q, doc, ref)
    out = _public_of(doc, seen) | {"queue_id": seen.queue_id or None}
    out |= {"position": seen.position, "ahead": None, "admitted_upto": None, "estimate_s": None}
    rate = q.rate(doc)
    out["rate_per_min"] = rate
    begins = rules.admission_from_ms(seen.release_ms, seen.released_n, q.pace.polls_per_s)
    upto = rules.admitted_upto(q.now_ms(), begins, rate)
    if seen.state != v.Q_WAITING:
        out["admitted_upto"] = upto
    if seen.state == v.Q_NOT_OPEN:
        return out | {"state": v.Q_NOT_OPEN}
    if seen.gone:
        return out | {"state": v.SOLD_OUT}
    if q.now_ms() >= activities.ms(doc["registration_closes_at"]):
        return out | {"state": v.Q_CLOSED}
    if not seen.queue_id:
        return out | {"state": v.Q_NOT_JOINED}
    if seen.position is None:  # before the release (or while its shuffle is written)
        return out | {"state": v.Q_WAITING}
    if seen.position <= upto:
        exp = int(q.clock.now().timestamp()) + q.token_s
        return out | {
            "state": v.Q_ADMITTED,
            "ahead": 0,
            "estimate_s": 0,
            "token": token.issue(q.ring, aid, ref, exp),
        }
    ahead = seen.position - 1 - upto
    return out | {
        "state": v.Q_QUEUED,
        "ahead": ahead,
        "estimate_s": rules.estimate_s(seen.position, q.now_ms(), begins, rate),
    }


def _public_of(doc: Doc, seen: Seen) -> Doc:
    return {
        "activity_id": doc["id"],
        "queue_state": seen.state,
        "opens_at": _iso_ms(seen.opens_ms),
        "release_at": _iso_ms(seen.release_ms),
        "commitment": seen.commitment,
        "joined": seen.joined,
        "released_n": seen.released_n,
        v.SOLD_OUT: seen.gone,  # the field, named as the reason
    }


def public(ports: Ports, q: Queue, aid: str) -> Doc:
    """The queue as anyone sees it: its state, times, commitment and how many joined."""
    doc = queued_doc(ports, aid)
    out = _public_of(doc, _seen(ports, q, doc, "")) | {"algorithm": rules.ALGORITHM}
    return out | {"state": out.pop("queue_state"), "rate_per_min": q.rate(doc)}


def audit(ports: Ports, q: Queue, aid: str) -> Doc:
    """After the release: the seed, the frozen pre-queue (arrival order) and the order it got."""
    doc = queued_doc(ports, aid)
    _seen(ports, q, doc, "")
    stored, ids = q.store.audit(aid)
    if stored.get("state") != v.Q_RELEASED:
        raise v.Refusal(v.QUEUE_NOT_OPEN, {"activity_id": aid, "state": stored.get("state")})
    seed = bytes.fromhex(stored["seed"])
    return {
        "activity_id": aid,
        "algorithm": rules.ALGORITHM,
        "commitment": stored["commitment"],
        "seed": stored["seed"],
        "arrivals": ids,
        "order": rules.order(seed, ids),
    }


def mine(ports: Ports, q: Queue, ref: str) -> list[Doc]:
    """我的报名: the phone's places in queues, each with its status."""
    out = []
    for aid in q.store.queued_activities(ref):
        doc = ports.seats.activity_doc(aid)
        if doc is not None and rules.queued(doc):
            out.append(status(ports, q, aid, ref, doc=doc) | {"title": doc["title"]})
    return out
