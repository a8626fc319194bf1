"""The retention sweep: ``python -m services.registration.privacy.retention`` (issue 16).

Every ``SCIDAY_RETENTION_POLL_S`` seconds it erases the personal fields of every registration of
an activity that ended more than ``SCIDAY_RETENTION_DAYS`` days ago (erasure.erase_expired):
status, party size and times stay, so the statistics do.  A lottery activity's entries (their
sealed contact fields and the holders' keyed hashes) go at the same time, and a v2 group's once
its last session is swept; the draw stays.  Which phone held which place in a release queue goes
too (issue 28; the seed and the order stay).  Each erasure is audited and announced
(RegistrationErased) like one the registrant asks for.  An activity swept in full is remembered
in ``{p}retention:done`` and not read again.  Any number may run: erasing twice changes nothing.
"""

from __future__ import annotations

import json
import logging
from typing import Any

from services.registration.bootstrap import bootstrap
from services.registration.lottery.group_store import GroupStore
from services.registration.lottery.store import LotteryStore
from services.registration.ports import Ports
from services.registration.queue.store import QueueStore
from services.registration.seats import erasure
from shared import periodic
from shared.config import Settings
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
        if not erasure.past_retention(ports, doc, settings.retention_days):
            continue
        n = erasure.erase_expired(ports, {aid: store.registrations(aid)}, settings.retention_days)
        entries = lotteries.erase_entries(aid) + erase_group_entries(GroupStore(redis, settings), aid, done)
        entries += QueueStore(redis, settings).erase_places(aid)  # issue 28: who held which place
        redis.sadd(done_key, aid)
        done.add(aid)
        log.info("retention: activity %s swept, %d registrations erased (lottery keys: %d)", aid, n, entries)
        erased += n
    return erased


def erase_group_entries(groups: GroupStore, aid: str, done: set[str]) -> int:
    """A v2 lottery group's entries go once its last session is swept (issue 27)."""
    gid = groups.group_of(aid)
    meta = groups.meta(gid) if gid else None
    if gid is None or meta is None or not set(json.loads(meta["sessions"])) <= done | {aid}:
        return 0
    return groups.erase_entries(gid)


def main() -> None:
    def setup(settings: Settings, redis: Any) -> periodic.Pass:
        ports = bootstrap(settings, redis, KeyRing.load(settings.keys_dir, public_only=True))
        return lambda: sweep(ports, redis, settings)

    periodic.daemon("retention", lambda s: s.retention_poll_s, setup, socket_timeout=60)


if __name__ == "__main__":
    main()
