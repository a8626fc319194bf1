"""The no-show worker: ``python -m services.registration.noshow.worker``.

Two jobs in one process (both only write through the idempotent no-show record):

- the consumer loop (group ``registration-noshow``, ``shared/consumer.py``: commit after handling,
  dedupe on ``event_id``, poison to the DLQ) runs :meth:`NoShowFlow.handle` on ``checkin-events``
  (who came) and ``registration-events`` (late cancellations);
- a sweeper thread, every ``SCIDAY_NOSHOW_SWEEP_POLL_S`` seconds, marks each activity that ended
  plus ``SCIDAY_NOSHOW_GRACE_MIN`` (:func:`sweep_due`).

Any number of workers may run: the consumer group shares the partitions, a lease lets one worker
sweep an activity at a time and a done flag stops the next, and every mark is keyed by
registration and member (``HSETNX``), so even two sweeps racing make each mark once.
"""

from __future__ import annotations

import logging
import secrets
import threading
import time

from services.registration import vocabulary as v
from services.registration.noshow import record as noshow
from services.registration.noshow.flow import Admissions, NoShowFlow, ts
from services.registration.noshow.store import NoShowStore
from services.registration.seats.store import SeatStore
from shared import keyfile, logs, periodic, worker
from shared.config import Settings, load
from shared.consumer import ConsumerLoop
from shared.kafka import security
from shared.redis_scripts import connect_as
from shared.topics import TOPICS as REGISTRY

log = logging.getLogger("sciday.noshow")
GROUP = "registration-noshow"
TOPICS = [t.name for t in REGISTRY if GROUP in t.consumers]  # checkin-events, registration-events


class Sweeps:
    """Which activities were swept (Redis): ``{p}ns:swept:{aid}`` once done, a lease while running."""

    def __init__(self, redis, prefix: str, lease_s: int):
        self.redis, self.p, self.lease_s = redis, prefix, lease_s

    def done(self, aid: str) -> bool:
        return bool(self.redis.exists(f"{self.p}ns:swept:{{{aid}}}"))

    def claim(self, aid: str) -> str | None:
        token = secrets.token_hex(8)
        ok = self.redis.set(f"{self.p}ns:sweeping:{{{aid}}}", token, nx=True, ex=self.lease_s)
        return token if ok else None

    def release(self, aid: str) -> None:
        self.redis.delete(f"{self.p}ns:sweeping:{{{aid}}}")

    def finish(self, aid: str, now: float) -> None:
        self.redis.set(f"{self.p}ns:swept:{{{aid}}}", str(now))
        self.redis.delete(f"{self.p}ns:sweeping:{{{aid}}}")


def build_flow(settings: Settings, redis, seats: SeatStore) -> NoShowFlow:
    def starts_at_of(aid: str) -> float | None:
        doc = seats.activity_doc(aid, max_age_s=0)
        return ts(doc["starts_at"]) if doc else None

    return NoShowFlow(
        NoShowStore(redis, settings),
        Admissions(redis, settings.redis_prefix),
        starts_at_of,
        noshow.Policy.from_settings(settings),
        keyfile.noshow_pepper(settings),
        lookup=seats.get_registration,
    )


def sweep_due(flow: NoShowFlow, seats: SeatStore, sweeps: Sweeps, *, now: float) -> dict[str, int]:
    """Sweep every scheduled activity whose end plus the grace period has passed, once each.

    Returns ``{activity id: new marks}`` for the activities this call swept."""
    out = {}
    grace_s = flow.policy.grace_min * 60
    for doc, _counts in seats.list_activities():
        aid, ends_at = doc["id"], ts(doc["ends_at"])
        if doc.get("status") != v.SCHEDULED or now < ends_at + grace_s or sweeps.done(aid):
            continue
        if sweeps.claim(aid) is None:
            continue  # another worker is sweeping it
        if sweeps.done(aid):  # another worker finished it between our check and our claim
            sweeps.release(aid)
            continue
        marks = flow.sweep(aid, seats.registrations(aid), ends_at=ends_at, now=now)
        sweeps.finish(aid, now)
        out[aid] = len(marks)
        log.info("no-show sweep of %s: %d new marks", aid, len(marks))
    return out


def run_sweeper(flow, seats, sweeps, settings: Settings, stop: threading.Event) -> None:
    # A Redis outage or a bug in one sweep must not end the thread; the next poll retries.
    periodic.every(
        "noshow-sweep",
        settings.noshow_sweep_poll_s,
        lambda: sweep_due(flow, seats, sweeps, now=time.time()),
        stop,
        settings,
    )


def main() -> None:
    settings = load()
    logs.setup("noshow-worker")
    from shared.topics import ensure_topics

    ensure_topics(settings.kafka_bootstrap_servers, settings.topic_prefix, client_config=security(settings))
    redis = connect_as(settings)
    seats = SeatStore(redis, settings)
    flow = build_flow(settings, redis, seats)
    sweeps = Sweeps(redis, settings.redis_prefix, settings.noshow_sweep_lease_s)
    loop = ConsumerLoop(settings, GROUP, TOPICS, flow.handle, redis)
    worker.serve(settings, redis)

    def _stop_consuming() -> None:
        loop.stopping = True  # after the current record

    stop = periodic.stop_on_signals(None, _stop_consuming)
    sweeper = threading.Thread(
        target=run_sweeper,
        args=(flow, seats, sweeps, settings, stop),
        name="noshow-sweeper",
        daemon=True,
    )
    sweeper.start()
    try:
        loop.run()
    finally:
        stop.set()
        sweeper.join(10)


if __name__ == "__main__":
    main()
