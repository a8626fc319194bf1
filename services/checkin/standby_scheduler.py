"""The standby scheduler: ``python -m services.checkin.standby_scheduler``.

Every ``SCIDAY_STANDBY_RELEASE_POLL_S`` seconds it runs :func:`standby.run_due` over the
activities the check-in projection knows: release at start + grace (once, where someone waits),
then call waiting numbers in order while released seats are free.  Any number may run: the
release script answers a second release with the first one's figures and changes nothing, and the
call script gives each seat once, so two schedulers release once and call each number once.
"""

from __future__ import annotations

import logging
import signal
import threading
import time
from datetime import UTC, datetime

from services.checkin import standby as sb
from services.checkin.standby_store import StandbyStore
from shared import logs, worker
from shared.config import load
from shared.redis_scripts import connect_as

log = logging.getLogger("sciday.standby")
NAME = "standby-scheduler"


def tick(store: StandbyStore, policy: sb.Policy, *, auto_call: bool, now: float | None = None) -> dict:
    t = time.time() if now is None else now
    done = sb.run_due(
        store,
        store.projection.activity_ids(),
        now=t,
        occurred_at=datetime.fromtimestamp(t, UTC).isoformat(),
        policy=policy,
        auto_call=auto_call,
    )
    for aid, what in done.items():
        log.info("standby %s: %s", aid, what)
    return done


def run(store: StandbyStore, settings, stop: threading.Event) -> None:
    policy = sb.Policy.from_settings(settings)
    within = settings.standby_release_poll_s + settings.worker_stall_s
    while not stop.is_set():
        # One bad activity or a Redis outage must not end the scheduler; the next tick retries.
        worker.scheduler_pass(
            NAME, within, lambda: tick(store, policy, auto_call=bool(settings.standby_auto_call))
        )
        stop.wait(settings.standby_release_poll_s)
    worker.forget(NAME)


def main() -> None:
    settings = load()
    logs.setup("standby-scheduler")
    stop = threading.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: stop.set())
    redis = connect_as(settings)
    worker.serve(settings, redis)
    run(StandbyStore(redis, settings), settings, stop)


if __name__ == "__main__":
    main()
