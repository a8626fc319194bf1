"""Redis round trips and worker CPU per registration answer, counted in process (issue 18 §4).

``python -m bench.roundtrips`` starts its own redis-server (``appendfsync always``, as ``make
bench`` runs it), builds the real registration app with the benchmark's settings (verified
sessions, fair access on, the per-address and per-phone limits off as ``BENCH_ENV`` sets them;
the per-ID limit stays on) and answers registrations through Flask's test client:

- a 201 while seats remain (parties of 1–4, each person with a verified session);
- a 201 with the production limits on (per address and per phone: every attempt is counted);
- a real-name party of 4 with members (four resident IDs);
- a ``sold_out`` decided by the seat script (an app whose sold-out memory is off);
- a ``sold_out`` from the worker's memory (no round trip at all).

A round trip is one write of commands to a Redis socket (``send_packed_command``: a pipeline of
any length is one); CPU is this process's CPU time (``time.process_time``) per answer, so the
load of other processes on the machine barely moves it, and ``--profile`` prints cProfile's
top functions for the 201.  Printed as a table; ``--json`` prints the figures as JSON.
"""

from __future__ import annotations

import argparse
import cProfile
import json
import os
import pstats
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from bench.rig import COUNT, Rig, bench_settings, counting, resident_id
from bench.signature_waste import signature_waste
from sciday import embedded
from shared.redis_scripts import connect

BATCH = 50  # answers per CPU sample


def redis_cpu(redis) -> float:
    """redis-server's own CPU seconds so far (user + system): the harness's server serves nobody else."""
    info = redis.info("cpu")
    return float(info["used_cpu_user"]) + float(info["used_cpu_sys"])


def measure(
    name: str, requests: list[Callable], expect: int, profile: Path | None = None, redis=None
) -> dict:
    """Send each request once; round trips and CPU µs per answer (this process's, and with
    ``redis`` the server's), and the answers' statuses."""
    statuses: dict[int, int] = {}
    prof = cProfile.Profile(time.process_time) if profile else None  # CPU, not wall
    batches: list[float] = []  # CPU s per answer, per batch of BATCH answers
    server0 = redis_cpu(redis) if redis is not None else 0.0
    with counting():
        COUNT["trips"] = 0
        if prof:
            prof.enable()
        for start in range(0, len(requests), BATCH):
            chunk = requests[start : start + BATCH]
            cpu0 = time.process_time()
            for send in chunk:
                status = send().status_code
                statuses[status] = statuses.get(status, 0) + 1
            batches.append((time.process_time() - cpu0) / len(chunk))
        if prof:
            prof.disable()
        trips = COUNT["trips"]
    server = redis_cpu(redis) - server0 if redis is not None else float("nan")
    if prof and profile:
        prof.dump_stats(profile)
    n = len(requests)
    assert statuses == {expect: n}, f"{name}: expected {n} × {expect}, got {statuses}"
    return {
        "answer": name,
        "n": n,
        "status": expect,
        "round_trips": trips / n,
        # The other processes on the machine slow this one's CPU too (caches, shared cores): the
        # least disturbed batch is the figure, the median beside it.
        "cpu_us": 1e6 * min(batches),
        "cpu_us_median": 1e6 * statistics.median(batches),
        "redis_cpu_us": 1e6 * server / n,
    }


def run(n: int, work: Path, profile: bool = False) -> list[dict]:
    from standins.realname import LocalAuthority

    port = embedded.free_port()
    proc = embedded.start_redis(port, work / "redis", work / "redis.log")  # appendfsync always
    authority = LocalAuthority().start()  # real-name members are checked against it (issue 23)
    try:
        url = f"redis://127.0.0.1:{port}/0"
        redis = connect(url)
        realname = {"realname_url": authority.url}
        rig = Rig(bench_settings(url, work, **realname), redis, 6_100_000_000)
        on = Rig(
            bench_settings(url, work, rate_limit_ip_per_min=6, rate_limit_phone_per_min=6, **realname),
            redis,
            6_200_000_000,
        )
        script = Rig(bench_settings(url, work, soldout_memo_ms=0, **realname), redis, 6_300_000_000)
        rig.make_activity("rt-open", 100_000)
        rig.make_activity("rt-real", 100_000, real_name=True)
        rig.make_activity("rt-full", 1)
        return [
            *scenario_201(rig, n, work if profile else None),
            scenario_201_limits_on(on, n),
            scenario_real_name(rig, n),
            *scenario_sold_out(rig, script, n),
        ]
    finally:
        authority.stop()
        embedded.stop(proc)


def warm(rig: Rig, aid: str, body: Callable[[int], dict], expect: int) -> None:
    """One answer first: the scripts are loaded, the activity document cached, the key ring read."""
    (phone, token) = rig.people(1)[0]
    assert rig.post(aid, phone, token, body(10**6)).status_code == expect


def scenario_201(rig: Rig, n: int, profile_dir: Path | None) -> list[dict]:
    def body(_i: int) -> dict:
        return {"party_size": rig.rng.randint(1, 4)}

    warm(rig, "rt-open", body, 201)
    sends = [lambda p=p, t=t: rig.post("rt-open", p, t, body(0)) for p, t in rig.people(n)]
    out = measure(
        "201, seats remain",
        sends,
        201,
        profile_dir / "roundtrips-201.prof" if profile_dir else None,
        rig.redis,
    )
    if profile_dir:
        stats = pstats.Stats(str(profile_dir / "roundtrips-201.prof")).sort_stats("tottime")
        stats.print_stats(40)
        stats.print_callers("isinstance|_has_code_flag")
        stats.sort_stats("cumulative").print_stats("(services|shared)/", 40)  # the project's own
    return [out]


def scenario_201_limits_on(rig: Rig, n: int) -> dict:
    warm(rig, "rt-open", lambda _i: {"party_size": 1}, 201)
    sends = [
        lambda p=p, t=t, i=i: rig.post(
            "rt-open", p, t, {"party_size": 1}, address=f"10.18.{i // 250}.{i % 250}"
        )
        for i, (p, t) in enumerate(rig.people(n))
    ]
    return measure("201, limits per address and phone on", sends, 201, redis=rig.redis)


def scenario_real_name(rig: Rig, n: int) -> dict:
    counter = iter(range(1, 10**7))

    def body(_i: int) -> dict:
        members = [{"name": "张三", "id_type": "resident_id", "id_number": resident_id(next(counter))}]
        members += [
            {"name": "李四", "id_type": "resident_id", "id_number": resident_id(next(counter))}
            for _ in range(3)
        ]
        return {"party_size": 4, "members": members}

    warm(rig, "rt-real", body, 201)
    bodies = [body(i) for i in range(n)]  # built before counting: the ID check digits are the harness's
    sends = [lambda p=p, t=t, b=b: rig.post("rt-real", p, t, b) for (p, t), b in zip(rig.people(n), bodies)]
    return measure("201, real-name party of 4", sends, 201, redis=rig.redis)


def scenario_sold_out(rig: Rig, script: Rig, n: int) -> list[dict]:
    def body(_i: int) -> dict:
        return {"party_size": 1}

    warm(rig, "rt-full", body, 201)  # the one seat
    warm(script, "rt-full", body, 409)
    by_script = [lambda p=p, t=t: script.post("rt-full", p, t, body(0)) for p, t in script.people(n)]
    out = [measure("sold_out by the seat script", by_script, 409, redis=script.redis)]
    warm(rig, "rt-full", body, 409)  # the script says so once: the memory holds it
    rig.app.extensions["sciday.seats"].soldout.ttl_s = 3600.0  # no expiry while we count
    from_memory = [lambda p=p, t=t: rig.post("rt-full", p, t, body(0)) for p, t in rig.people(n)]
    out.append(measure("sold_out from memory", from_memory, 409, redis=rig.redis))
    return out


def table(rows: list[dict]) -> str:
    lines = [
        "| answer | n | status | Redis round trips | CPU µs (best batch) | CPU µs (median batch) | redis-server CPU µs |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    for r in rows:
        lines.append(
            f"| {r['answer']} | {r['n']} | {r['status']} | {r['round_trips']:.2f} | {r['cpu_us']:.0f}"
            f" | {r['cpu_us_median']:.0f} | {r['redis_cpu_us']:.0f} |"
        )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("-n", type=int, default=300, help="answers per figure (default 300)")
    ap.add_argument("--json", action="store_true")
    ap.add_argument("--profile", action="store_true", help="cProfile the 201s and print the top")
    ap.add_argument(
        "--waste", action="store_true", help="signatures wasted in a rush of 20,000 attempts at 300 seats"
    )
    args = ap.parse_args(argv)
    if args.waste:
        with tempfile.TemporaryDirectory(prefix="sciday-rt-") as tmp:
            out = signature_waste(Path(tmp), 20_000, 300)
        print(json.dumps(dict(out, load_1min=os.getloadavg()[0]), indent=1))
        return 0
    with tempfile.TemporaryDirectory(prefix="sciday-rt-") as tmp:
        rows = run(args.n, Path(tmp), args.profile)
    load1 = os.getloadavg()[0]
    print(
        json.dumps({"load_1min": load1, "rows": rows})
        if args.json
        else table(rows) + f"\n\nload average {load1:.1f}"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
