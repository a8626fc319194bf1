"""What ties `sciday up`'s children to it, and what it leaves for `sciday status` and `sciday down`.

Each child runs in its own session (a Ctrl-C in the terminal reaches the supervisor only, which
then stops the children in order), so nothing else would stop it when the supervisor dies: a
``kill -9`` of the supervisor used to leave 20 of 22 processes running.  :func:`tied` is a
``preexec_fn`` that asks Linux to send the child SIGTERM when its parent dies
(``PR_SET_PDEATHSIG``): each child then shuts down as it does on ``sciday down``.

The supervisor writes its pid to ``<var>/sciday.pid`` and its children (name, pid, URL, health
URL) to ``<var>/stack.json`` whenever one starts, so that another shell can list them
(``sciday status``) and stop them (``sciday down``).
"""

from __future__ import annotations

import contextlib
import ctypes
import json
import os
import signal
from collections.abc import Callable
from pathlib import Path
from typing import Any

PR_SET_PDEATHSIG = 1  # <linux/prctl.h>
PIDFILE = "sciday.pid"
STATEFILE = "stack.json"

# Looked up before any fork: a preexec_fn should do as little as it can.
_libc = ctypes.CDLL(None, use_errno=True)


def tied(sig: int = signal.SIGTERM) -> Callable[[], None]:
    """A ``preexec_fn``: a new session, and ``sig`` when the process that started it dies.

    PR_SET_PDEATHSIG fires when the *thread* that forked exits; `sciday up` forks from its main
    thread.  A supervisor that died between the fork and the prctl is caught by the ppid check.
    """
    parent = os.getpid()

    def preexec() -> None:
        os.setsid()
        _libc.prctl(PR_SET_PDEATHSIG, int(sig), 0, 0, 0)
        if os.getppid() != parent:
            os.kill(os.getpid(), sig)

    return preexec


def pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    # A zombie (exited, not yet reaped by its parent) is not running.
    with contextlib.suppress(OSError):
        stat = Path(f"/proc/{pid}/stat").read_text()
        return stat.rsplit(")", 1)[1].split()[0] != "Z"
    return True


def write_pidfile(var: Path) -> Path:
    path = var / PIDFILE
    path.write_text(f"{os.getpid()}\n")
    return path


def read_pid(var: Path) -> int | None:
    """The supervisor's pid if its pidfile names a running process, else None."""
    try:
        pid = int((var / PIDFILE).read_text().strip())
    except (OSError, ValueError):
        return None
    return pid if pid_alive(pid) else None


def write_state(var: Path, rows: list[dict[str, Any]]) -> None:
    """The supervisor's processes for `sciday status` (written whole, then renamed)."""
    tmp = var / (STATEFILE + ".tmp")
    tmp.write_text(json.dumps({"supervisor": os.getpid(), "processes": rows}, indent=1))
    tmp.replace(var / STATEFILE)


def read_state(var: Path) -> dict[str, Any]:
    try:
        state: dict[str, Any] = json.loads((var / STATEFILE).read_text())
    except (OSError, ValueError):
        return {"supervisor": None, "processes": []}
    return state


def clear(var: Path) -> None:
    """Remove the pidfile and the state, unless they are another live supervisor's."""
    running = read_pid(var)
    if running is not None and running != os.getpid():
        return
    for name in (PIDFILE, STATEFILE):
        with contextlib.suppress(FileNotFoundError):
            (var / name).unlink()
