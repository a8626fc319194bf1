"""The workers' port (issue 24 §2/§3), on real relay processes against the test Redis and broker:
``/metrics`` shows the relay's lag (the outbox behind its cursor) and whether it leads, and two
copies of the relay take turns under the lease: one leads, the other takes over when the first
is killed, and the outbox keeps moving."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests

from sciday import embedded, grace
from shared.outbox import cursor_key, stream_key
from tests.conftest import wait_for

ROOT = Path(__file__).resolve().parents[2]


def _env(settings, servers, port: int) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("SCIDAY_")}
    env.update(servers["client_env"])
    env.update(
        {
            "SCIDAY_REDIS_URL": settings.redis_url,
            "SCIDAY_KAFKA_BOOTSTRAP_SERVERS": settings.kafka_bootstrap_servers,
            "SCIDAY_REDIS_PREFIX": settings.redis_prefix,
            "SCIDAY_TOPIC_PREFIX": settings.topic_prefix,
            "SCIDAY_VAR_DIR": str(settings.var_dir),
            "SCIDAY_WORKER_METRICS_PORT": str(port),
            "PYTHONPATH": str(ROOT),
        }
    )
    return env


def _start_relay(settings, servers) -> tuple[subprocess.Popen, str]:
    port = embedded.free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "services.registration.relay"],
        cwd=ROOT,
        env=_env(settings, servers, port),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    return proc, f"http://127.0.0.1:{port}"


def _metric(url: str, name: str) -> float | None:
    try:
        text = requests.get(f"{url}/metrics", timeout=2).text
    except requests.ConnectionError:
        return None
    found = re.search(rf'^{name}\{{stream="outbox"\}} (\S+)$', text, re.M)
    return float(found.group(1)) if found else None


def _entry(redis, settings, at_ms: int | None = None) -> None:
    envelope = json.dumps({"event_id": f"lag-{time.monotonic_ns()}"}).encode()  # the relay moves bytes
    fields = {"topic": "activity-events", "key": "lag-1", "envelope": envelope}
    redis.xadd(stream_key(settings), fields, id=f"{at_ms}-0" if at_ms else "*")


@pytest.fixture
def relays(settings, servers):
    started: list[subprocess.Popen] = []

    def start() -> str:
        proc, url = _start_relay(settings, servers)
        started.append(proc)
        return proc, url

    yield start
    for proc in started:
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
            try:
                proc.wait(20)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(5)


def test_a_relay_process_shows_its_lag_and_its_liveness(settings, servers, redis, relays):
    lease = f"{settings.redis_prefix}outbox:relay-lease"
    redis.set(lease, b"another-relay", px=120_000)  # another copy leads: this one must wait
    _entry(redis, settings, at_ms=int(time.time() * 1000) - 90_000)  # written 90 s ago, not sent
    _proc, url = relays()
    assert wait_for(lambda: _metric(url, "sciday_outbox_lag_seconds"), timeout=60, what="lag") >= 60
    assert _metric(url, "sciday_outbox_lag_entries") == 1
    assert _metric(url, "sciday_relay_leader") == 0
    wait_for(lambda: "relay:outbox" in requests.get(f"{url}/healthz", timeout=2).text, what="the first turn")
    live = requests.get(f"{url}/healthz", timeout=2)
    assert live.status_code == 200 and live.json()["loops"] == ["relay:outbox"]
    redis.delete(lease)  # the other copy is gone: this one takes over and sends the entry
    wait_for(lambda: _metric(url, "sciday_outbox_lag_entries") == 0, timeout=60, what="relayed")
    assert _metric(url, "sciday_outbox_lag_seconds") == 0
    assert _metric(url, "sciday_relay_leader") == 1


def test_two_relays_take_turns_and_the_second_takes_over_when_the_first_is_killed(
    settings, servers, redis, relays
):
    (a, a_url), (b, b_url) = relays(), relays()
    leaders = wait_for(
        lambda: [u for u in (a_url, b_url) if _metric(u, "sciday_relay_leader") == 1],
        timeout=60,
        what="a leader",
    )
    assert len(leaders) == 1 and _metric(({a_url, b_url} - set(leaders)).pop(), "sciday_relay_leader") == 0
    first, second = (a, b) if leaders == [a_url] else (b, a)
    second_url = b_url if first is a else a_url
    _entry(redis, settings)
    wait_for(lambda: _metric(second_url, "sciday_outbox_lag_entries") == 0, timeout=60, what="first relays")
    cursor = redis.get(cursor_key(settings))
    first.send_signal(signal.SIGKILL)  # no goodbye: its lease runs out
    first.wait(10)
    _entry(redis, settings)
    wait_for(lambda: _metric(second_url, "sciday_relay_leader") == 1, timeout=60, what="the takeover")
    wait_for(lambda: _metric(second_url, "sciday_outbox_lag_entries") == 0, timeout=60, what="second relays")
    assert redis.get(cursor_key(settings)) > cursor
    second.send_signal(signal.SIGTERM)  # and it stops within the budget its grace period allows
    second.wait(grace.WORKER_SHUTDOWN_S)
