"""`sciday lag`: how far behind each consumer group and each outbox relay is (issue 24).

The numbers are the workers' own (shared/lag.py, which their metrics pages serve): per consumer
group and topic, the records not yet committed; per outbox, the entries after its relay's cursor
and the age of the oldest.  Dead letters and parked events are listed by `sciday dlq|parked list`.
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable
from functools import partial
from typing import Any

# Every outbox stream and who relays it (shared/outbox.py run_relay).
OUTBOXES = (
    ("outbox", "registration relay"),
    ("ck:outbox", "check-in worker"),
    ("nt:outbox", "notify worker"),
)


def groups() -> dict[str, list[str]]:
    """Each consumer group of the registry and the topics it reads (names without prefix)."""
    from sciday.credentials import groups_of
    from sciday.redis_keys import SERVICES
    from shared.topics import TOPICS

    return {
        g: [t.name for t in TOPICS if g in t.consumers] for service in SERVICES for g in groups_of(service)
    }


def _patiently(ask: Callable[[], dict[str, int]], settings: Any) -> dict[str, int]:
    """``ask()``, again while the broker answers that the group coordinator is not ready yet."""
    from kafka.errors import CoordinatorNotAvailableError

    deadline = time.monotonic() + settings.cli_kafka_wait_s
    while True:
        try:
            return ask()
        except CoordinatorNotAvailableError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.5)


def cmd(args: argparse.Namespace) -> int:
    from sciday.cli import _settings
    from sciday.status import table
    from shared.lag import consumer_lag, outbox_lag
    from shared.redis_scripts import connect_as

    settings = _settings(args)
    rows: list[tuple[str, ...]] = [("consumer group", "topic", "records behind")]
    for group, topics in sorted(groups().items()):
        for topic, behind in _patiently(partial(consumer_lag, settings, group, topics), settings).items():
            rows.append((group, topic, str(behind)))
    print(table(rows))
    redis = connect_as(settings)
    rows = [("outbox", "relayed by", "entries behind", "oldest (s)")]
    for stream, who in OUTBOXES:
        o = outbox_lag(redis, settings, stream)
        rows.append((stream, who, str(o.entries), f"{o.age_s:.1f}"))
    print("\n" + table(rows))
    return 0


def register(sub: Any) -> None:
    p = sub.add_parser("lag", help="records each consumer group and outbox relay has still to handle")
    p.add_argument("--redis-url")
    p.add_argument("--kafka", help="bootstrap servers")
    p.set_defaults(func=cmd)
