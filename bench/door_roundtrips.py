"""What one door verdict costs in Redis round trips and in worker CPU (issue 18, the door).

``python -m bench.door_roundtrips`` starts its own redis-server (AOF, ``appendfsync always``, as
production), builds the real check-in app (Flask test client, no HTTP server) and scans:

- a first admission of a registration (a new ticket each time);
- a repeat of an admitted ticket (``already_checked_in``);
- a bad signature (``invalid``);
- a ticket at a gate opened for another activity only (``wrong_gate``);
- a called walk-in's standby ticket (``SB1.``, a new number each time);
- a first admission of a ticket whose registration the projection has not seen yet (noted as
  ``unseen`` and reconciled when the event arrives).

A round trip is one ``send_packed_command`` of redis-py (a pipeline is one); CPU is this
process's thread CPU per request (``time.thread_time``, the median), which excludes
redis-server's own work but still moves by 10-30% with the load other processes put on the two
cores; the Python and C function calls made per verdict (``sys.setprofile``, over a few scans)
do not move at all, and show the same work as CPU would on a quiet machine.

tests/integration/test_door_roundtrips.py asserts the counts with the same world.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from bench.door_world import (
    AID,
    CLOSED_GATE,
    GATE,
    OTHER,
    VENUE,
    DoorWorld,
    RoundTrips,
    activity_doc,
    door_world,
)

__all__ = [
    "AID",
    "CASES",
    "CLOSED_GATE",
    "GATE",
    "OTHER",
    "VENUE",
    "DoorWorld",
    "RoundTrips",
    "activity_doc",
    "door_world",
    "measure",
    "run",
]


def bad_signature(code: str) -> str:
    """The same ticket with one character of its signature changed."""
    return code[:-6] + ("A" if code[-6] != "A" else "B") + code[-5:]


CASES = (
    "first admission",
    "repeat (already_checked_in)",
    "bad signature",
    "wrong gate",
    "standby SB1.",
    "unseen ticket",
)


def prepare(world: DoorWorld, case: str) -> tuple[str, str, int]:
    """(code, gate, expected status) for one scan of ``case``, with what it needs set up."""
    if case == "first admission":
        return world.ticket(), GATE, 201
    if case == "repeat (already_checked_in)":
        code = world.ticket()
        assert world.scan(code).status_code == 201
        return code, GATE, 409
    if case == "bad signature":
        return bad_signature(world.ticket()), GATE, 400
    if case == "wrong gate":
        return world.ticket(), CLOSED_GATE, 409
    if case == "standby SB1.":
        return world.standby_ticket(), GATE, 201
    if case == "unseen ticket":
        return world.ticket(projected=False), GATE, 201
    raise ValueError(case)


def calls_per_scan(world: DoorWorld, case: str, n: int = 20) -> int:
    """Python and C function calls made by this thread per scan (deterministic)."""
    total = 0

    def count(frame: Any, event: str, arg: Any) -> None:
        nonlocal total
        if event in ("call", "c_call"):
            total += 1

    for _ in range(n):
        code, gate, _status = prepare(world, case)
        sys.setprofile(count)
        try:
            world.scan(code, gate)
        finally:
            sys.setprofile(None)
    return round(total / n)


def measure(world: DoorWorld, case: str, n: int) -> dict:
    """Round trips (each scan's count; they must all agree) and the median thread CPU µs of a
    scan (the median, as other processes' load inflates a few scans a lot)."""
    counts, cpu = [], []
    for _ in range(n):
        code, gate, status = prepare(world, case)
        with RoundTrips.counting() as box:
            t0 = time.thread_time()
            resp = world.scan(code, gate)
            cpu.append(time.thread_time() - t0)
        assert resp.status_code == status, (case, resp.get_json())
        counts.append(box[0])
    return {
        "case": case,
        "round_trips": sorted(set(counts)),
        "cpu_us": round(statistics.median(cpu) * 1e6, 1),
        "n": n,
    }


def run(n: int) -> list[dict]:
    from sciday import embedded
    from shared.config import load
    from shared.redis_scripts import connect

    with tempfile.TemporaryDirectory(prefix="door-rt-") as tmp:
        base, port = Path(tmp), embedded.free_port()
        proc = embedded.start_redis(port, base / "redis", base / "redis.log")
        try:
            settings = load(
                {
                    "redis_url": f"redis://127.0.0.1:{port}/0",
                    "redis_prefix": "rt:",
                    "keys_dir": base / "keys",
                    "var_dir": base,
                }
            )
            redis = connect(settings.redis_url)
            world = door_world(settings, redis)
            for case in CASES:  # warm up: scripts loaded, connections open, caches filled
                measure(world, case, 20)
            return [{**measure(world, case, n), "calls": calls_per_scan(world, case)} for case in CASES]
        finally:
            embedded.stop(proc)


def table(rows: list[dict]) -> str:
    out = [
        "| verdict | Redis round trips | CPU µs per verdict (median) | function calls per verdict |",
        "|---|---|---|---|",
    ]
    for r in rows:
        trips = "/".join(str(c) for c in r["round_trips"])
        out.append(f"| {r['case']} | {trips} | {r['cpu_us']:.0f} | {r['calls']} |")
    return "\n".join(out)


def main() -> int:
    p = argparse.ArgumentParser(prog="python -m bench.door_roundtrips")
    p.add_argument("-n", type=int, default=500, help="scans per case (default 500)")
    args = p.parse_args()
    rows = run(args.n)
    print(table(rows))
    print(f"\n{args.n} scans per case; load average {os.getloadavg()[0]:.2f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
