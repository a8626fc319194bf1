"""The scheduler processes run on the one periodic loop (shared/periodic.py), as real processes
against the test Redis: the loop shows on the worker's /healthz, and SIGTERM ends the process
cleanly (exit 0) after its current pass."""

from __future__ import annotations

import signal
import subprocess
import sys

import pytest
import requests

from sciday import embedded
from tests.conftest import wait_for
from tests.integration.test_worker_port import ROOT, _env


def _loops(url: str) -> list[str]:
    try:
        return requests.get(f"{url}/healthz", timeout=2).json().get("loops", [])
    except requests.ConnectionError:
        return []


@pytest.mark.parametrize(
    "module, loop",
    [
        ("services.checkin.standby.scheduler", "standby-scheduler"),
        ("services.registration.lottery.scheduler", "lottery-scheduler"),
    ],
)
def test_a_scheduler_process_turns_and_stops_on_sigterm(settings, servers, module, loop):
    port = embedded.free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", module],
        cwd=ROOT,
        env=_env(settings, servers, port),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        start_new_session=True,
    )
    try:
        url = f"http://127.0.0.1:{port}"
        wait_for(lambda: _loops(url) == [loop], timeout=60, what=f"{loop} on /healthz")
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(30) == 0, proc.stderr.read().decode() if proc.stderr else ""
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait(5)
