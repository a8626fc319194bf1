"""The one periodic-worker loop (issue 25 §8): the schedulers and sweeps that wake every few
seconds, do one pass, and sleep (the lottery draw, the standby release, the no-show sweep, the
retention sweep, notify's reminders, ``sciday backup --repeat``).

:func:`every` is the loop: each pass beats the worker's heartbeat (shared/worker.py, so
``/healthz`` sees a stalled loop), runs under :func:`shared.worker.scheduler_pass` (a Redis outage
or a bug is counted and logged, never the end of the loop), and waits the poll interval, or after
failing passes in a row longer and longer (doubling, up to ``worker_backoff_max_s``) so that a
broken dependency is not hammered. :func:`stop_on_signals` turns SIGTERM and SIGINT into a stop
event; :func:`daemon` is a whole scheduler process: settings, logs, signals, the Redis connection,
the worker's port, and the loop.
"""

from __future__ import annotations

import logging
import signal
import threading
from collections.abc import Callable
from types import FrameType
from typing import Any

from shared import worker
from shared.config import Settings
from shared.redis_scripts import OUTAGE

log = logging.getLogger("sciday.periodic")

Pass = Callable[[], object]


def stop_on_signals(stop: threading.Event | None = None, *then: Callable[[], None]) -> threading.Event:
    """SIGTERM and SIGINT set ``stop`` (made if not given) and call each of ``then`` (a consumer
    loop's own flag); the current pass finishes, the loop ends. Main thread only."""
    event = stop if stop is not None else threading.Event()

    def _stop(signum: int, _frame: FrameType | None) -> None:
        log.info("signal %s: stopping after the current pass", signum)
        event.set()
        for call in then:
            call()

    signal.signal(signal.SIGTERM, _stop)
    signal.signal(signal.SIGINT, _stop)
    return event


def backoff_s(poll_s: float, failures: int, max_s: float) -> float:
    """The wait after ``failures`` failing passes in a row: the poll interval, doubled per failure,
    never more than ``max_s`` (nor less than the poll interval)."""
    if failures <= 0:
        return poll_s
    return max(poll_s, min(poll_s * 2.0**failures, max_s))


def every(
    name: str,
    poll_s: float,
    one_pass: Pass,
    stop: threading.Event,
    settings: Settings,
    *,
    wait: Callable[[float], object] | None = None,
    pass_s: float = 0.0,
    retry_s: float | None = None,
    backoff_max_s: float | None = None,
    fatal: tuple[type[BaseException], ...] = (),
) -> None:
    """Run ``one_pass`` every ``poll_s`` seconds until ``stop`` is set. Each pass promises the
    heartbeat of loop ``name`` its next turn within ``pass_s`` (the longest one pass may take) plus
    the longest wait that may follow it plus ``worker_stall_s``; the loop is forgotten by the probe
    when it ends on purpose. ``wait`` (default ``stop.wait``) is for tests.

    A loop whose pass waits by itself (on a stream, a wake-up list, a lease: the outbox relay, the
    senders) turns with ``poll_s`` 0: after failing passes in a row it waits ``retry_s`` doubled per
    failure, up to ``backoff_max_s`` (default ``worker_backoff_max_s``). A Redis outage is counted
    and waited out; an exception of ``fatal`` (not an outage) ends the loop, raised, for a caller
    that starts the worker again from scratch."""
    pause = wait if wait is not None else stop.wait
    first = poll_s if retry_s is None else retry_s
    ceiling = settings.worker_backoff_max_s if backoff_max_s is None else backoff_max_s
    escaped: list[BaseException] = []

    def guarded() -> None:
        try:
            one_pass()
        except OUTAGE:
            raise  # Redis away: counted, logged and waited out (scheduler_pass), never fatal
        except fatal as exc:
            escaped.append(exc)

    failures = 0
    try:
        while not stop.is_set():
            longest = backoff_s(first, failures + 1, ceiling)
            ok = worker.scheduler_pass(name, pass_s + longest + settings.worker_stall_s, guarded)
            if escaped:
                raise escaped[0]
            failures = 0 if ok else failures + 1
            pause(backoff_s(first, failures, ceiling) if failures else poll_s)
    finally:
        worker.forget(name)


def daemon(
    name: str,
    poll_s: Callable[[Settings], float],
    setup: Callable[[Settings, Any], Pass],
    *,
    settings: Settings | None = None,
    **connect: Any,
) -> None:
    """A scheduler process: load the settings, log as ``name``, stop on SIGTERM/SIGINT, connect to
    Redis as the service's user (``connect``: redis-py options), build the pass with ``setup``
    (settings, redis), serve the worker's port, and run :func:`every` until a signal."""
    from shared import logs
    from shared.config import load
    from shared.redis_scripts import connect_as

    settings = settings if settings is not None else load()
    logs.setup(name)
    stop = stop_on_signals()
    redis = connect_as(settings, **connect)
    one_pass = setup(settings, redis)
    worker.serve(settings, redis)
    every(name, poll_s(settings), one_pass, stop, settings)
