"""The lottery scheduler: ``python -m services.registration.lottery.scheduler``.

Every ``SCIDAY_LOTTERY_POLL_S`` seconds it draws each lottery whose time has come, turns the
draw into registrations and tells its entrants (lottery_run.draw_due: the organizer's "draw now"
runs the same sequence), and shuffles each release queue whose time has come (issue 28).  Any
number may run: the draw's lease, registration ids derived from entry ids and the outcome cursor
make each draw, each registration and each message happen once.
"""

from __future__ import annotations

import logging
import threading
import time
from datetime import UTC, datetime
from typing import Any

from services.registration.bootstrap import bootstrap
from services.registration.lottery import groups, receipts, rounds_settle
from services.registration.lottery import run as lottery_run
from services.registration.lottery.group_engine import Rules
from services.registration.lottery.group_rounds_store import GroupRoundsStore
from services.registration.lottery.group_store import GroupStore
from services.registration.lottery.store import LotteryStore
from services.registration.ports import Ports
from services.registration.queue import usecases as queue
from services.registration.queue.store import QueueStore
from services.registration.seats.quota_store import QuotaReturns
from shared import periodic
from shared.config import Settings
from shared.tickets import KeyRing

log = logging.getLogger("sciday.lottery")
NAME = "lottery-scheduler"


def group_engine(store: LotteryStore, settings: Settings, ports: Ports) -> groups.Engine:
    """The v2 groups' engine beside the v1 store (issue 27): the scheduler freezes due groups."""
    return groups.Engine(
        ports,
        GroupStore(store.redis, settings),
        store,
        receipts.of_key_ring(ports.signer),
        Rules.from_settings(settings),
    )


def run_once(
    store: LotteryStore, settings: Settings, ports: Ports | None = None, now: float | None = None
) -> None:
    """One pass: freeze every v2 group whose entries have closed (issue 27); draw, settle and
    announce every lottery that is due (``now``: the time of the pass, the clock's if None)."""
    now = time.time() if now is None else now
    if ports is not None:
        for gid in groups.freeze_due(group_engine(store, settings, ports), now):
            log.info("lottery group frozen: %s", gid)
    for aid in lottery_run.draw_due(
        ports,
        store,
        now=now,
        lease_s=settings.lottery_draw_lease_s,
        chunk=settings.lottery_publish_chunk,
    ):
        log.info("lottery drawn and announced: %s", aid)
    if ports is not None:  # issue 27: lottery groups, round by round
        for gid in rounds_settle.draw_due_groups(
            ports,
            GroupRoundsStore(store.redis, settings),
            now=now,
            lease_s=settings.lottery_draw_lease_s,
            chunk=settings.lottery_publish_chunk,
            handback_s=settings.lottery_handback_poll_s,
        ):
            log.info("lottery group drawn, settled and told: %s", gid)
        for aid in release_queues(store, settings, ports):  # issue 28: the release queues
            log.info("release queue shuffled: %s", aid)
        at = datetime.fromtimestamp(now, UTC)  # issue 29: the window's seats to standby at the start
        for aid, seats in QuotaReturns(store.redis, settings).return_due(at):
            log.info("window seats returned to standby at the start: %s (%d)", aid, seats)


def release_queues(store: LotteryStore, settings: Settings, ports: Ports) -> list[str]:
    """Issue 28: every release queue whose time has come, shuffled before the crowd polls."""
    q = queue.Queue.of(QueueStore(store.redis, settings), ports.signer, ports.clock, settings)
    return queue.release_all_due(ports, q)


def run(store: LotteryStore, settings: Settings, stop: threading.Event, ports: Ports | None = None) -> None:
    def draw() -> None:
        run_once(store, settings, ports)

    periodic.every(NAME, settings.lottery_poll_s, draw, stop, settings)


def main() -> None:
    def setup(settings: Settings, redis: Any) -> periodic.Pass:
        ports = bootstrap(settings, redis, KeyRing.load_or_create(settings.keys_dir))
        store = LotteryStore(redis, settings)
        return lambda: run_once(store, settings, ports)

    periodic.daemon(NAME, lambda s: s.lottery_poll_s, setup, socket_timeout=60)


if __name__ == "__main__":
    main()
