"""The lottery scheduler: ``python -m services.registration.lottery_scheduler``.

Every ``SCIDAY_LOTTERY_POLL_S`` seconds it draws each lottery whose time has come, turns the
draw into registrations and tells its entrants (lottery_run.draw_due: the organizer's "draw now"
runs the same sequence).  Any
number may run: the draw's lease, registration ids derived from entry ids and the outcome cursor
make each draw, each registration and each message happen once.
"""

from __future__ import annotations

import logging
import signal
import threading
import time

from services.registration import lottery_run
from services.registration.bootstrap import bootstrap
from services.registration.lottery_store import LotteryStore
from services.registration.ports import Ports
from shared import logs, worker
from shared.config import load
from shared.redis_scripts import connect_as
from shared.tickets import KeyRing

log = logging.getLogger("sciday.lottery")
NAME = "lottery-scheduler"


def run(store: LotteryStore, settings, stop: threading.Event, ports: Ports | None = None) -> None:
    def draw() -> None:
        for aid in lottery_run.draw_due(
            ports,
            store,
            now=time.time(),
            lease_s=settings.lottery_draw_lease_s,
            chunk=settings.lottery_publish_chunk,
        ):
            log.info("lottery drawn and announced: %s", aid)

    while not stop.is_set():
        worker.scheduler_pass(NAME, settings.lottery_poll_s + settings.worker_stall_s, draw)
        stop.wait(settings.lottery_poll_s)
    worker.forget(NAME)


def main() -> None:
    settings = load()
    logs.setup("lottery-scheduler")
    stop = threading.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: stop.set())
    redis = connect_as(settings, socket_timeout=60)
    ports = bootstrap(settings, redis, KeyRing.load_or_create(settings.keys_dir))
    worker.serve(settings, redis)
    run(LotteryStore(redis, settings), settings, stop, ports)


if __name__ == "__main__":
    main()
