"""The retention sweep: ``python -m services.registration.retention`` (issue 16).

Every ``SCIDAY_RETENTION_POLL_S`` seconds it erases the personal fields of every registration of
an activity that ended more than ``SCIDAY_RETENTION_DAYS`` days ago (usecases.erase_expired):
status, party size and times stay, so the statistics do.  A lottery activity's entries (their
sealed contact fields and the holders' keyed hashes) go at the same time; the draw stays.  Each erasure is audited and announced
(RegistrationErased) like one the registrant asks for.  An activity swept in full is remembered
in ``{p}retention:done`` and not read again.  Any number may run: erasing twice changes nothing.
"""

from __future__ import annotations

import logging
import signal
import threading

from services.registration import usecases
from services.registration.bootstrap import bootstrap
from services.registration.lottery_store import LotteryStore
from services.registration.ports import Ports
from shared import logs, worker
from shared.config import Settings, load
from shared.redis_scripts import connect_as
from shared.tickets import KeyRing

log = logging.getLogger("sciday.retention")


def sweep(ports: Ports, redis, settings: Settings) -> int:
    """One pass; returns how many registrations it erased."""
    done_key = f"{settings.redis_prefix}retention:done"
    lotteries = LotteryStore(redis, settings)
    done = {a.decode() for a in redis.smembers(done_key)}
    store, erased = ports.seats, 0
    for doc, _counts in store.list_activities():
        aid = doc["id"]
        if aid in done:
            continue
        if not usecases.past_retention(ports, doc, settings.retention_days):
            continue
        n = usecases.erase_expired(ports, {aid: store.registrations(aid)}, settings.retention_days)
        entries = lotteries.erase_entries(aid)
        redis.sadd(done_key, aid)
        log.info("retention: activity %s swept, %d registrations erased (lottery keys: %d)", aid, n, entries)
        erased += n
    return erased


def run(ports: Ports, redis, settings: Settings, stop: threading.Event) -> None:
    while not stop.is_set():
        worker.scheduler_pass(
            "retention",
            settings.retention_poll_s + settings.worker_stall_s,
            lambda: sweep(ports, redis, settings),
        )
        stop.wait(settings.retention_poll_s)
    worker.forget("retention")


def main() -> None:
    settings = load()
    logs.setup("retention")
    stop = threading.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: stop.set())
    redis = connect_as(settings, socket_timeout=60)
    worker.serve(settings, redis)
    run(bootstrap(settings, redis, KeyRing.load(settings.keys_dir, public_only=True)), redis, settings, stop)


if __name__ == "__main__":
    main()
