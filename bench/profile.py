"""Where a 201 spends its worker CPU: py-spy on the registration service's gunicorn workers while
the load generator registers people at a 100,000-seat activity (every answer a 201).

``python -m bench --profile`` writes ``bench/results/profile-201.txt`` (py-spy's collapsed stacks)
and prints the functions with the largest inclusive share of the workers' samples.  py-spy
samples the running processes from outside (100 samples/s, idle threads left out), so the
profile is of the real gunicorn workers, not of a test client.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from collections import Counter
from datetime import timedelta
from pathlib import Path

from bench import loadgen, scenarios

PY_SPY = shutil.which("py-spy") or str(Path(sys.executable).parent / "py-spy")


def registration_pid(stack) -> int:
    return next(c.proc.pid for c in stack.children if c.name == "registration" and c.proc)


def profile_201(stack, create, settings, redis, work: Path, out: Path, attempts: int = 8000) -> dict:
    create(scenarios.activity("bench-profile", 100000, timedelta(days=3), waitlist=0))
    lines = scenarios.registrations(
        "bench-profile", attempts, 6_500_000_000, 5, (redis, settings.redis_prefix)
    )
    raw = work / "profile-201.raw"
    spy = subprocess.Popen(
        [PY_SPY, "record", "--pid", str(registration_pid(stack)), "--subprocesses", "--idle", "false"]
        + ["--rate", "100", "--format", "raw", "--output", str(raw), "--nonblocking"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    run = loadgen.run(f"127.0.0.1:{stack.opts.registration_port}", lines, 64, work / "profile.csv")
    spy.send_signal(2)  # SIGINT: py-spy writes what it sampled and exits
    spy.wait(60)
    text = raw.read_text() if raw.exists() else ""
    out.write_text(text)
    return {"requests": len(run.samples), "rate": round(run.rate, 1), "top": top(text)}


def top(collapsed: str, n: int = 30) -> list[tuple[str, float]]:
    """Functions by inclusive share of the samples (each counted once per stack)."""
    total, incl = 0, Counter[str]()
    for line in collapsed.splitlines():
        stack, _, count = line.rpartition(" ")
        if not stack or not count.isdigit():
            continue
        total += int(count)
        frames = {
            f.split(" (")[0] + " (" + f.split(" (")[-1].split(":")[0].rsplit("/", 1)[-1] + ")"
            for f in stack.split(";")
        }
        for f in frames:
            incl[f] += int(count)
    return [(f, round(100 * c / total, 1)) for f, c in incl.most_common(n)] if total else []
