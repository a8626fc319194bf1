"""The one periodic-worker loop (shared/periodic.py): SIGTERM ends it after the current pass, a
failing pass neither ends it nor is retried at the poll rate (it backs off, and polls as usual
again after a pass that works), and a pass that hangs shows on the worker's probe as stalled."""

from __future__ import annotations

import os
import signal
import threading

import pytest
import redis
import requests

from shared import periodic, worker
from shared.config import Settings
from tests.unit.test_worker_liveness import clock  # the heartbeats' clock, injected

SETTINGS = Settings().with_overrides(worker_stall_s=30, worker_backoff_max_s=40.0)


@pytest.fixture
def handlers():
    before = {sig: signal.getsignal(sig) for sig in (signal.SIGTERM, signal.SIGINT)}
    yield
    for sig, handler in before.items():
        signal.signal(sig, handler)


def test_sigterm_ends_the_loop_after_the_current_pass(clock, handlers):
    consumer_told = []
    stop = periodic.stop_on_signals(None, lambda: consumer_told.append(True))
    passes = []

    def one_pass():
        passes.append(worker.loops())
        if len(passes) == 2:
            os.kill(os.getpid(), signal.SIGTERM)  # delivered to this (the main) thread at once

    periodic.every("lottery-scheduler", 0.001, one_pass, stop, SETTINGS)
    assert len(passes) == 2 and passes[-1] == ["lottery-scheduler"]
    assert stop.is_set() and consumer_told == [True]
    assert worker.loops() == []  # ended on purpose: the probe no longer counts it


def waits_of(name: str, poll_s: float, outcomes: list[str], **options) -> list[float]:
    """The waits of a loop whose passes go as ``outcomes`` ("bug": the pass raises), one each."""
    stop, left, waits = threading.Event(), iter(outcomes), []

    def one_pass():
        if next(left) == "bug":
            raise RuntimeError("one bad activity")

    def wait(seconds):
        waits.append(seconds)
        if len(waits) == len(outcomes):
            stop.set()

    periodic.every(name, poll_s, one_pass, stop, SETTINGS, wait=wait, **options)
    return waits


def test_a_failing_pass_does_not_end_the_loop_and_backs_off(clock):
    waits = waits_of("standby-scheduler", 5, ["bug", "bug", "bug", "ok", "bug", "ok"])
    # 5 s doubled per failure in a row, at most worker_backoff_max_s; back to 5 s after a good pass
    assert waits == [10, 20, 40, 5, 10, 5]


def test_the_backoff_never_waits_less_than_the_poll_interval():
    assert periodic.backoff_s(3600, 3, max_s=60) == 3600
    assert periodic.backoff_s(5, 0, max_s=60) == 5


def test_a_hanging_pass_shows_on_the_probe_as_stalled(clock):
    server = worker.MetricsServer("127.0.0.1", 0).start()
    url = f"http://127.0.0.1:{server.port}/healthz"
    stop = threading.Event()
    seen = []

    def one_pass():
        seen.append(requests.get(url, timeout=2).status_code)  # it has just promised its next turn
        clock[0] += 5 * 2 + SETTINGS.worker_stall_s + 1  # hangs past the longest wait plus the stall
        late = requests.get(url, timeout=2)
        seen.append((late.status_code, late.json()["reason"], late.json()["errors"]))
        stop.set()

    try:
        periodic.every("retention", 5, one_pass, stop, SETTINGS)
    finally:
        server.close()
    assert seen == [200, (503, "worker_stalled", {"loops": ["retention"]})]


def test_a_loop_whose_pass_waits_by_itself_turns_at_once_and_retries_after_a_failure(clock):
    """The outbox relay and the senders: ``poll_s`` 0, and ``retry_s`` doubled up to ``backoff_max_s``."""
    waits = waits_of("sender:sms", 0.0, ["ok", "bug", "bug", "bug", "ok"], retry_s=1.0, backoff_max_s=4.0)
    assert waits == [0.0, 2.0, 4.0, 4.0, 0.0]


def test_a_fatal_error_ends_the_loop_but_a_redis_outage_is_waited_out(clock):
    """The relay is started again from scratch on a bug (outbox.run_relay), never on an outage."""
    stop = threading.Event()
    outcomes = iter([redis.ConnectionError("restarting"), RuntimeError("a broken producer")])
    waits: list[float] = []

    def one_pass():
        raise next(outcomes)

    with pytest.raises(RuntimeError, match="broken producer"):
        periodic.every("relay:outbox", 0.0, one_pass, stop, SETTINGS, wait=waits.append, retry_s=1.0,
                       backoff_max_s=1.0, fatal=(Exception,))  # fmt: skip
    assert waits == [1.0]  # the outage, waited out once
    assert worker.loops() == []
