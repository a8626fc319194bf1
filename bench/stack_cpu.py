"""What a run measured (``summarize``) and the stack's CPU: by process, at rest, and waiting for
the stack to settle between phases."""

from __future__ import annotations

import time

import psutil

from bench import loadgen


def summarize(run: loadgen.Run) -> dict:
    return {
        "requests": len(run.samples),
        "seconds": round(run.wall_s, 3),
        "rate": round(run.rate, 1),
        "p50_ms": round(run.percentile(50), 2),
        "p99_ms": round(run.percentile(99), 2),
        "max_ms": round(max(s[1] for s in run.samples) / 1000, 2),
        "client_cpu_s": round(run.client_cpu_s, 2),
        "client_cpu_share": round(run.client_cpu_s / run.wall_s / 2, 3),  # of 2 cores
        "status": {str(k): run.count(lambda s, k=k: s == k) for k in sorted({s[2] for s in run.samples})},
    }


def stack_processes(stack) -> list[psutil.Process]:
    pids = [p.pid for p in (stack.redis_proc, stack.kafka_proc) if p]
    pids += [c.proc.pid for c in stack.children if c.proc]
    out = []
    for pid in pids:
        try:
            proc = psutil.Process(pid)
            out += [proc] + proc.children(recursive=True)
        except psutil.Error:
            continue
    return out


def _cpu_seconds(procs) -> float:
    total = 0.0
    for proc in procs:
        try:
            t = proc.cpu_times()
            total += t.user + t.system
        except psutil.Error:
            pass
    return total


def processes_by_name(stack) -> dict[str, list[psutil.Process]]:
    """Each process of the stack (with its children: gunicorn workers) under its name."""
    named = [("redis-server", stack.redis_proc), (stack.broker or "broker", stack.kafka_proc)]
    named += [(c.name, c.proc) for c in stack.children]
    out = {}
    for name, proc in named:
        if proc is None:
            continue
        try:
            p = psutil.Process(proc.pid)
            out[name] = [p, *p.children(recursive=True)]
        except psutil.Error:
            continue
    return out


def cpu_by_name(procs: dict[str, list[psutil.Process]]) -> dict[str, float]:
    return {name: _cpu_seconds(ps) for name, ps in procs.items()}


def idle_cpu(stack, seconds: float = 3.0) -> float:
    """The stack's CPU use at rest (idle consumers poll the broker), in cores."""
    procs = stack_processes(stack)
    before = _cpu_seconds(procs)
    time.sleep(seconds)
    return (_cpu_seconds(procs) - before) / seconds


def settle(stack, idle_cores: float, timeout_s: float = 300.0) -> float:
    """Wait until the relay and consumers have worked off the previous phase's events, so every
    phase starts on a quiet stack, as an opening does; returns the seconds it took.

    Quiet: two consecutive seconds within 0.1 core of the stack's CPU use at rest.
    """
    t0 = time.monotonic()
    quiet = 0
    while time.monotonic() - t0 < timeout_s and quiet < 2:
        procs = stack_processes(stack)
        before = _cpu_seconds(procs)
        time.sleep(1.0)
        quiet = quiet + 1 if _cpu_seconds(procs) - before < idle_cores + 0.1 else 0
    return round(time.monotonic() - t0, 1)
