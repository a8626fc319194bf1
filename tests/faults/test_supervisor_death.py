"""Issue 24 §9: killing `sciday up` (kill -9) leaves no process behind, and `sciday down` stops a
stack from another shell.

Before, each child ran in a session of its own: a supervisor killed with SIGKILL left 20 of 22
processes running, /healthz still answered 200 and the next `make run` found its ports taken.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import uuid
from pathlib import Path

import psutil
import pytest

from sciday import embedded, lifeline
from tests.conftest import ROOT, wait_for


def _up(var: Path, servers: dict) -> tuple[subprocess.Popen, dict[str, int]]:
    ports = {k: embedded.free_port() for k in ("registration", "checkin", "notify", "redis")}
    ports |= {k: embedded.free_port() for k in ("sms-gateway", "smtp", "mailbox", "realname")}
    args = [sys.executable, "-m", "sciday.cli", "up", "--var-dir", str(var), "--kafka", servers["kafka"]]
    args += ["--no-seed", "--no-credentials", "--background-nice", "0", "--workers", "1", "--threads", "2"]
    for name, port in ports.items():
        args += [f"--{name}-port", str(port)]
    env = dict(os.environ, **servers["client_env"], SCIDAY_TOPIC_PREFIX=f"sup{uuid.uuid4().hex[:8]}-")
    out = open(var.parent / "up.out", "wb")
    proc = subprocess.Popen(args, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT)
    return proc, ports


def _tree(pid: int) -> list[psutil.Process]:
    try:
        return psutil.Process(pid).children(recursive=True)
    except psutil.NoSuchProcess:
        return []


def _alive(procs: list[psutil.Process]) -> list[psutil.Process]:
    return [p for p in procs if p.is_running() and p.status() != psutil.STATUS_ZOMBIE]


def _healthy(var: Path, up: subprocess.Popen) -> bool:
    assert up.poll() is None, (var.parent / "up.out").read_text()[-3000:]
    return b"all healthy" in (var.parent / "up.out").read_bytes()


@pytest.fixture
def started(tmp_path, servers):
    var = tmp_path / "var"
    var.mkdir()
    up, ports = _up(var, servers)
    procs: list[psutil.Process] = []
    try:
        wait_for(lambda: _healthy(var, up), timeout=180, interval=0.5, what="sciday up all healthy")
        procs = _tree(up.pid)
        yield var, up, ports, procs
    finally:
        for p in _alive(procs + _tree(up.pid)):
            p.kill()
        if up.poll() is None:
            up.kill()
        up.wait(10)


def test_killing_the_supervisor_leaves_no_process(started):
    var, up, ports, procs = started
    names = {row["name"] for row in lifeline.read_state(var)["processes"]}
    assert {"redis-server", "registration", "relay", "notify-consumer"} <= names
    assert len(procs) >= 14  # the three gunicorn masters' workers included
    os.kill(up.pid, signal.SIGKILL)
    up.wait(10)
    wait_for(lambda: not _alive(procs), timeout=60, interval=0.2, what="every child gone with its supervisor")
    assert not [p for k, p in ports.items() if embedded.port_open(p)], "a port is still taken"


def _sciday(*args: str) -> subprocess.CompletedProcess:
    cmd = [sys.executable, "-m", "sciday.cli", *args]
    return subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, timeout=180)


def test_sciday_down_stops_the_stack_from_another_shell(started):
    var, up, _ports, procs = started
    status = _sciday("status", "--var-dir", str(var))
    assert status.returncode == 0, status.stdout + status.stderr
    assert "relay" in status.stdout and "healthy" in status.stdout
    down = _sciday("down", "--var-dir", str(var))
    assert down.returncode == 0, down.stdout + down.stderr
    assert up.wait(10) == 0
    assert not _alive(procs)
    assert not (var / lifeline.PIDFILE).exists()
