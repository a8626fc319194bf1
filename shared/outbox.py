"""The transactional outbox: events written to a Redis stream in the same Lua call that changes
state, and a relay process that moves them to Kafka.

A 201 therefore means "durable in Redis"; the relay makes sure the event reaches Kafka later,
even if the broker was down at that moment.  The relay is at least once (it re-sends from its
cursor after a crash); consumers dedupe on ``event_id``.

Stream entries have fields ``topic``, ``key`` and ``envelope`` (JSON bytes); an entry may carry its
record in ``value`` instead (a dead letter is not an envelope) and Kafka headers in ``headers``
(JSON ``[[name, value], ...]``).

The relay itself is in shared/outbox_relay.py (its topics in shared/outbox_topics.py); this module
runs it and re-exports its names.
"""

from __future__ import annotations

import logging
import threading
from typing import Any

from shared import periodic, worker
from shared.config import Settings
from shared.outbox_keys import cursor_key as cursor_key  # re-exported: the tests read the keys here
from shared.outbox_keys import stream_key as stream_key
from shared.outbox_relay import LEADER, LEASE_LOST, RELAYED, STORE_WAITS, LeaseLost, Relay

__all__ = [
    "LEADER",
    "LEASE_LOST",
    "RELAYED",
    "STORE_WAITS",
    "LeaseLost",
    "Relay",
    "RelayThread",
    "cursor_key",
    "relay_main",
    "run_relay",
    "start_relay",
    "stream_key",
]

log = logging.getLogger("sciday.outbox")

# -- running a relay: the one way all three outboxes are relayed -----------------------------------
RESTART_DELAY_S = 5.0


def run_relay(settings: Settings, redis: Any, stream: str, stop: threading.Event) -> None:
    """Relay ``stream`` until ``stop`` is set, starting the relay again if it fails.

    The registration relay process, the check-in worker and the notify worker all relay their
    outbox through here, in a thread or in the main thread. A relay that dies with an unexpected
    error is logged and started again, so an outbox never stops moving unseen while the process
    around it lives on; the lease keeps it to one relay per stream."""
    while not stop.is_set():
        try:
            Relay(settings, redis, stream=stream).run(stop)
        except Exception:
            log.exception("the %s relay failed; starting it again in %.0fs", stream, RESTART_DELAY_S)
            stop.wait(RESTART_DELAY_S)


class RelayThread:
    """``run_relay`` in a daemon thread: ``start_relay(...)`` then ``close()`` on the way out."""

    def __init__(self, settings: Settings, redis: Any, stream: str, stop: threading.Event | None = None):
        self.stop = stop if stop is not None else threading.Event()
        self.thread = threading.Thread(
            target=run_relay, args=(settings, redis, stream, self.stop), name=f"relay-{stream}", daemon=True
        )

    def close(self, timeout: float = 10.0) -> None:
        self.stop.set()
        self.thread.join(timeout)


def start_relay(
    settings: Settings, redis: Any, stream: str, stop: threading.Event | None = None
) -> RelayThread:
    relay = RelayThread(settings, redis, stream, stop)
    relay.thread.start()
    return relay


def relay_main(stream: str, service: str) -> None:
    """Entry point of a relay process: relay ``stream`` until SIGTERM / SIGINT."""
    from shared import logs
    from shared.config import load
    from shared.redis_scripts import connect_as

    settings = load()
    logs.setup(service)
    stop = periodic.stop_on_signals()
    redis = connect_as(settings)
    worker.serve(settings, redis, streams=[stream])
    run_relay(settings, redis, stream, stop)
