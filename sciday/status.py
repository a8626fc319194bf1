"""`sciday status` and `sciday down`: the stack `sciday up` runs, seen and stopped from another shell.

Both read what the supervisor leaves in its var folder (sciday/lifeline.py): its pid and its
processes.  ``down`` asks the supervisor to stop (SIGTERM, as Ctrl-C does: web services first,
Redis last) and waits for it; processes a dead supervisor left behind are stopped as well.
"""

from __future__ import annotations

import argparse
import os
import signal
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import requests

from sciday import lifeline


def health(row: dict[str, Any]) -> str:
    if not lifeline.pid_alive(int(row["pid"])):
        return "down"
    if not row.get("health"):
        return "running"
    try:
        r = requests.get(row["health"], timeout=2)
    except requests.RequestException:
        return "not answering"
    if r.status_code == 200:
        return "healthy"
    try:
        return f"unhealthy ({r.json().get('reason')})"
    except ValueError:
        return f"unhealthy ({r.status_code})"


def table(rows: Sequence[tuple[str, ...]]) -> str:
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    return "\n".join("  ".join(v.ljust(w) for v, w in zip(r, widths, strict=True)).rstrip() for r in rows)


def cmd_status(args: argparse.Namespace) -> int:
    var = Path(args.var_dir).resolve()
    pid = lifeline.read_pid(var)
    state = lifeline.read_state(var)
    if pid is None and not state["processes"]:
        print(f"no stack running from {var}")
        return 3
    rows = [("process", "url", "pid", "health")]
    healths = []
    for row in state["processes"]:
        h = health(row)
        healths.append(h)
        rows.append((row["name"], row.get("url") or "-", str(row["pid"]), h))
    head = (
        f"supervisor pid {pid} ({var})" if pid else f"supervisor gone ({var}): sciday down stops what is left"
    )
    print(head + "\n" + table(rows))
    if pid is None:
        return 3
    return 0 if all(h in ("healthy", "running") for h in healths) else 1


def _wait_gone(pids: list[int], timeout: float) -> list[int]:
    deadline = time.monotonic() + timeout
    left = [p for p in pids if lifeline.pid_alive(p)]
    while left and time.monotonic() < deadline:
        time.sleep(0.2)
        left = [p for p in left if lifeline.pid_alive(p)]
    return left


def cmd_down(args: argparse.Namespace) -> int:
    from shared.config import load

    var = Path(args.var_dir).resolve()
    timeout = args.timeout if args.timeout is not None else load().down_timeout_s
    pid = lifeline.read_pid(var)
    children = [int(r["pid"]) for r in lifeline.read_state(var)["processes"]]
    if pid is not None:
        print(f"stopping the stack of {var} (supervisor pid {pid})…", flush=True)
        os.kill(pid, signal.SIGTERM)
        if _wait_gone([pid], timeout):
            print(f"sciday down: the supervisor (pid {pid}) is still running after {timeout:g}s")
            return 1
    # Whatever is left (a supervisor killed before it could stop them): SIGTERM, then SIGKILL.
    left = [p for p in children if lifeline.pid_alive(p)]
    for p in left:
        os.kill(p, signal.SIGTERM)
    for p in _wait_gone(left, timeout):
        os.kill(p, signal.SIGKILL)
    for name in (lifeline.PIDFILE, lifeline.STATEFILE):  # the supervisor is gone: its files too
        (var / name).unlink(missing_ok=True)
    if pid is None and not left:
        print(f"no stack running from {var}")
    else:
        print(f"stopped ({len(left)} processes left by the supervisor stopped too)" if left else "stopped")
    return 0


def register(sub: Any, var_default: str) -> None:
    st = sub.add_parser("status", help="each process of the running stack and its health")
    st.add_argument("--var-dir", default=var_default)
    st.set_defaults(func=cmd_status)
    dn = sub.add_parser("down", help="stop the running stack (as Ctrl-C does) and wait for it")
    dn.add_argument("--var-dir", default=var_default)
    dn.add_argument("--timeout", type=float, help="seconds to wait (default: the down_timeout_s setting)")
    dn.set_defaults(func=cmd_down)
