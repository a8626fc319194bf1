"""`make bench`: the opening rush, door scans and notification lag, as ratios to a hello-world
endpoint measured in the same run, on the embedded stack started as `make run` starts it.

Writes bench/results/<time>.json (and latest.json), bench/results/rush.png, and prints a table.
"""

from __future__ import annotations

import argparse
import json
import signal
import subprocess
import sys
import tempfile
from datetime import UTC, datetime
from pathlib import Path

from bench import loadgen, report, scenarios
from sciday import embedded
from sciday.gunicorn_worker import WORKER_CLASS
from sciday.stack import Stack, StackOptions

RESULTS = Path(__file__).parent / "results"


def hello_server(port: int, opts: StackOptions, log: Path) -> subprocess.Popen:
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "bench.hello:create_app()",
            "--bind",
            f"127.0.0.1:{port}",
            "--worker-class",
            opts.worker_class,
            "--workers",
            str(opts.workers),
            "--threads",
            str(opts.threads),
        ],
        stdout=open(log, "ab"),
        stderr=subprocess.STDOUT,
    )
    embedded.wait_port(port, proc, what="hello")
    return proc


def _arguments() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m bench")
    p.add_argument("--attempts", type=int, default=20000)
    p.add_argument("--connections", type=int, default=256)
    p.add_argument("--capacity", type=int, default=300)
    p.add_argument("--worker-class", default=WORKER_CLASS)
    p.add_argument("--workers", type=int, default=2)
    p.add_argument("--threads", type=int, default=8)
    p.add_argument(
        "--compare-instances",
        action=argparse.BooleanOptionalAction,
        default=True,
        help="also run the rush against 1 and then 2 registration instances",
    )
    p.add_argument(
        "--drill",
        action=argparse.BooleanOptionalAction,
        default=True,
        help="also run the scalper drill (issue 14) on a stack with the production limits",
    )
    p.add_argument(
        "--queue",
        action=argparse.BooleanOptionalAction,
        default=True,
        help="also run the release queue's crowd (issue 28, bench/queue.py) on a stack of its own",
    )
    p.add_argument(
        "--pipeline-only",
        action="store_true",
        help="only the pipeline's figures: catch-up after a burst and a rebuild (bench/pipeline.py)",
    )
    p.add_argument(
        "--lottery-group-only",
        action="store_true",
        help="only the v2 lottery group: pure (bench/lottery_group.py) and end to end on the stack",
    )
    p.add_argument("--rush-runs", type=int, default=5, help="the rush's p99 is judged over this many runs")
    p.add_argument("--rebuild-events", type=int, default=100000, help="0: no rebuild figure")
    p.add_argument(
        "--profile",
        action="store_true",
        help="only the profile of a 201 under gunicorn (py-spy; bench/profile.py)",
    )
    return p


def _options(args: argparse.Namespace, work: Path) -> StackOptions:
    """The stack `make run` starts, on free ports, with the bench's environment."""
    return StackOptions(
        var_dir=work / "var",
        redis_port=embedded.free_port(),
        kafka_port=embedded.free_port(),
        registration_port=embedded.free_port(),
        checkin_port=embedded.free_port(),
        notify_port=embedded.free_port(),
        worker_class=args.worker_class,
        workers=args.workers,
        threads=args.threads,
        seed=False,
        extra_env=BENCH_ENV,
        background_nice=BACKGROUND_NICE,
    )


def _report(results: dict, work: Path) -> None:
    """Write the results (bench/results/<time>.json, latest.json, the plots) and print the table."""
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    (RESULTS / f"{stamp}.json").write_text(json.dumps(results, indent=2, ensure_ascii=False))
    (RESULTS / "latest.json").write_text(json.dumps(results, indent=2, ensure_ascii=False))
    report.plot(results, work / "rush.csv", RESULTS / "rush.png")
    if results.get("catch_up"):
        from bench import pipeline

        pipeline.plot(results["catch_up"], RESULTS / "catchup.png")
    print(report.table(results))
    if "drill" in results:
        from bench import drill

        print(drill.line(results["drill"]))
    if results.get("queue"):
        from bench import queue

        print("\n".join(queue.lines(results["queue"])))
    print(f"\nJSON: {RESULTS / (stamp + '.json')}\nplot: {RESULTS / 'rush.png'}")


def main() -> int:
    args = _arguments().parse_args()

    def _interrupt(signum, _frame):
        raise KeyboardInterrupt(f"signal {signum}")

    signal.signal(signal.SIGTERM, _interrupt)  # so the stack below is stopped, not orphaned

    RESULTS.mkdir(exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix="sciday-bench-"))
    print("building the load generator…", flush=True)
    loadgen.build()
    opts = _options(args, work)
    stack = Stack(opts, out=open(work / "stack.out", "w"))
    hello_port = embedded.free_port()
    results: dict = {
        "when": datetime.now(UTC).isoformat(),
        "cores": __import__("os").cpu_count(),
        "gunicorn": {"worker_class": args.worker_class, "workers": args.workers, "threads": args.threads},
        "connections": args.connections,
    }
    hello = None
    try:
        print("starting the embedded stack…", flush=True)
        stack.start()
        assert stack.wait_healthy(90), stack.status_table()
        hello = hello_server(hello_port, opts, work / "hello.log")
        results["memory_at_start"] = report.memory(stack, hello)
        if args.pipeline_only or args.profile:
            return pipeline_only(stack, results, work, args)
        if args.lottery_group_only:
            return lottery_group_only(stack, results)
        results.update(scenarios.run_all(stack, hello_port, args, work))
        results["memory"] = report.memory(stack, hello)
    finally:
        if hello:
            hello.terminate()
            hello.wait(10)
        stack.stop()
    if args.compare_instances:
        results["instances"] = compare_instances(args, work)
    if args.drill:
        print("the scalper drill: 3,000 people and an attacker for 420 real-name seats…", flush=True)
        from bench import drill

        results["drill"] = drill.run(work)
    if args.queue:
        print("the release queue: 50,000 people polling for 300 seats (bench/queue.py)…", flush=True)
        from bench import queue

        results["queue"] = queue.run(work)
    _report(results, work)
    return 0


def lottery_group_only(stack, results: dict) -> int:
    """Issue 27's figures alone: the pure group draw, then the group end to end on the stack."""
    from bench import lottery_group, lottery_group_stack

    results["lottery_group"] = lottery_group.measure()
    results["lottery_group_stack"] = lottery_group_stack.on_stack(stack)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    (RESULTS / f"lottery-group-{stamp}.json").write_text(json.dumps(results, indent=2, ensure_ascii=False))
    for row in report.lottery_group_rows(results):
        print("  ".join(row))
    return 0


def pipeline_only(stack, results: dict, work: Path, args) -> int:
    from bench import pipeline
    from shared.auth import create_token
    from shared.redis_scripts import connect

    settings = stack.settings()
    redis = connect(settings.redis_url)
    org = create_token(redis, settings.redis_prefix, "organizer", "bench")
    base = f"http://127.0.0.1:{stack.opts.registration_port}"

    def create(doc):
        import requests

        r = requests.post(
            f"{base}/api/v1/activities", json=doc, headers={"Authorization": f"Bearer {org}"}, timeout=10
        )
        assert r.status_code == 201, r.text

    if args.profile:
        from bench import profile as prof

        got = prof.profile_201(stack, create, settings, redis, work, RESULTS / "profile-201.txt")
        print(f"{got['requests']} registrations at {got['rate']}/s under py-spy; inclusive share of samples:")
        for name, share in got["top"]:
            print(f"{share:6.1f}%  {name}")
        return 0
    idle = scenarios.idle_cpu(stack)
    results.update(scenarios.pipeline_figures(stack, settings, redis, create, idle, args.rebuild_events))
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    (RESULTS / f"pipeline-{stamp}.json").write_text(json.dumps(results, indent=2, ensure_ascii=False))
    pipeline.plot(results["catch_up"], RESULTS / "catchup.png")
    for row in report.pipeline_rows(results):
        print("  ".join(row))
    print(f"\nJSON: {RESULTS / ('pipeline-' + stamp + '.json')}\nplot: {RESULTS / 'catchup.png'}")
    return 0


def compare_instances(args, work: Path) -> dict:
    """The rush on a fresh stack with 1 and then with 2 instances of every web service."""
    out = {}
    for n in (1, 2):
        print(f"the rush on {n} registration instance(s)…", flush=True)
        opts = StackOptions(
            var_dir=work / f"var-scale{n}",
            redis_port=embedded.free_port(),
            kafka_port=embedded.free_port(),
            registration_port=embedded.free_port(),
            checkin_port=embedded.free_port(),
            notify_port=embedded.free_port(),
            worker_class=args.worker_class,
            workers=args.workers,
            threads=args.threads,
            seed=False,
            extra_env=BENCH_ENV,
            background_nice=BACKGROUND_NICE,
            scale=n,
        )
        stack = Stack(opts, out=open(work / f"stack-scale{n}.out", "w"))
        try:
            stack.start()
            assert stack.wait_healthy(90), stack.status_table()
            out[str(n)] = scenarios.rush_on_instances(stack, args, work, f"x{n}")
        finally:
            stack.stop()
    return out


# As `sciday up` (make run) runs them: the pipeline waits while people wait for an answer.
BACKGROUND_NICE = 10

# The rush comes from one address and the door from one token: the per-address, per-phone and
# per-token limits (tested in tests/security) would turn most of it into 429s.
BENCH_ENV = {
    "SCIDAY_RATE_LIMIT_IP_PER_MIN": "0",
    "SCIDAY_RATE_LIMIT_PHONE_PER_MIN": "0",
    "SCIDAY_RATE_LIMIT_TOKEN_PER_MIN": "0",
}

if __name__ == "__main__":
    sys.exit(main())
