"""The standby scheduler: ``python -m services.checkin.standby.scheduler``.

Every ``SCIDAY_STANDBY_RELEASE_POLL_S`` seconds it runs :func:`standby.run_due` over the
activities the check-in projection knows: release at start + grace (once, where someone waits),
then call waiting numbers in order while released seats are free.  Any number may run: the
release script answers a second release with the first one's figures and changes nothing, and the
call script gives each seat once, so two schedulers release once and call each number once.
"""

from __future__ import annotations

import logging
import time
from datetime import UTC, datetime
from typing import Any

from services.checkin.standby import usecases as sb
from services.checkin.standby.store import StandbyStore
from shared import periodic
from shared.config import Settings

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


def main() -> None:
    def setup(settings: Settings, redis: Any) -> periodic.Pass:
        store, policy = StandbyStore(redis, settings), sb.Policy.from_settings(settings)
        return lambda: tick(store, policy, auto_call=bool(settings.standby_auto_call))

    periodic.daemon(NAME, lambda s: s.standby_release_poll_s, setup)


if __name__ == "__main__":
    main()
