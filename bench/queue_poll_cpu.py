"""CPU per GET …/queue/me answer, through Flask and through the status gate (issue 28 point 5).

``python -m bench.queue_poll_cpu [--people N] [--calls N] [--blocks N]``: an embedded redis-server,
an in-process registration app (the production wiring), a queued activity of 300 seats released
to ``people`` verified phones; then ``calls`` WSGI calls of GET …/queue/me (each person in turn,
by bearer, as gunicorn hands them to the app) through the Flask path alone and through the gate,
in alternating blocks so that the shared machine's load falls on both alike. Reported per answer:
this process's CPU (``time.process_time``: the worker's share) and redis-server's, the median
over the blocks. No network, no gunicorn, no load generator: the figure the answer's own code
costs. docs/queue.md "Measured" takes SCIDAY_QUEUE_POLLS_PER_S's default from it.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from subprocess import STDOUT

import psutil
import requests
from werkzeug.test import EnvironBuilder

from bench import loadgen
from bench.__main__ import BENCH_ENV
from bench.fixtures import activity, seed_sessions
from bench.rig import bench_settings
from sciday import embedded
from shared.auth import create_token
from shared.clock import FakeClock
from shared.redis_scripts import connect

AID = "poll-cpu"
URL = f"/api/v1/activities/{AID}/queue/me"
ROOT = Path(__file__).resolve().parent.parent
SETTINGS = {"queue_rate_per_min": 1}


def _world(app, redis, settings, people: int, clock: FakeClock | None = None) -> list[str]:
    """A released queue of ``people`` at rate 1 a minute (place 1 admitted, the rest ``queued``, the
    crowd's common state): their bearer tokens. With ``clock`` the release is a jump of the fake
    clock; without, it is 3 s of real time (for a gunicorn that runs on the system clock)."""
    org = {"Authorization": "Bearer " + create_token(redis, settings.redis_prefix, "organizer", "b")}
    client = app.test_client()
    now = clock.now() if clock else datetime.now(UTC)
    release = now + (timedelta(minutes=10) if clock else timedelta(seconds=3))
    body = activity(AID, 300, timedelta(days=2)) | {
        "queue": "on",
        "registration_opens_at": release.isoformat(),
    }
    assert client.post("/api/v1/activities", json=body, headers=org).status_code == 201
    tokens = seed_sessions(redis, settings.redis_prefix, [f"135{i:08d}" for i in range(people)])
    for token in tokens:
        joined = client.post(f"/api/v1/activities/{AID}/queue", headers={"Authorization": f"Bearer {token}"})
        assert joined.status_code == 201, joined.get_json()
    if clock:
        clock.advance(minutes=10, seconds=1)
    else:
        time.sleep(max(0.0, (release - datetime.now(UTC)).total_seconds() + 1))
    return tokens


def _environs(tokens: list[str]) -> list[dict]:
    return [
        EnvironBuilder(
            URL, headers=[("Authorization", f"Bearer {t}")], environ_base={"REMOTE_ADDR": "127.0.0.1"}
        ).get_environ()
        for t in tokens
    ]


def _block(wsgi, environs: list[dict], calls: int, redis_proc: psutil.Process) -> dict:
    states: dict[str, int] = {}

    def start_response(status, headers, exc_info=None):
        assert status.startswith("200"), status

    cpu0, redis0, wall0 = time.process_time(), sum(redis_proc.cpu_times()[:2]), time.perf_counter()
    for i in range(calls):
        environ = dict(environs[i % len(environs)], **{"wsgi.input": io.BytesIO(b"")})
        body = b"".join(wsgi(environ, start_response))
        state = json.loads(body)["state"]
        states[state] = states.get(state, 0) + 1
    cpu, wall = time.process_time() - cpu0, time.perf_counter() - wall0
    redis_cpu = sum(redis_proc.cpu_times()[:2]) - redis0
    return {"app_us": cpu / calls * 1e6, "redis_us": redis_cpu / calls * 1e6, "wall_us": wall / calls * 1e6,
            "states": states}  # fmt: skip


def measure(app, redis, settings, redis_proc, people: int, calls: int, blocks: int) -> dict:
    clock = FakeClock(datetime.now(UTC).replace(microsecond=0))
    app.extensions["sciday.registration"].clock = clock
    environs = _environs(_world(app, redis, settings, people, clock))
    proxies = app.wsgi_app.inner  # SoldOutGate -> TrustedProxies -> StatusGate -> Flask
    gate = proxies.app
    paths = {"flask": gate.inner, "gate": gate}
    runs: dict[str, list[dict]] = {"flask": [], "gate": []}
    for _ in range(blocks):
        for name, inner in paths.items():
            proxies.app = inner
            runs[name].append(_block(app.wsgi_app, environs, calls, redis_proc))
    proxies.app = gate
    out: dict = {"people": people, "calls_per_block": calls, "blocks": blocks, "load_1m": os.getloadavg()[0]}
    for name, got in runs.items():
        out[name] = {
            key: round(statistics.median(r[key] for r in got), 1) for key in ("app_us", "redis_us", "wall_us")
        }
        out[name]["states"] = got[-1]["states"]
    return out


def flask_only():
    """The registration app without the status gate: ``gunicorn 'bench.queue_poll_cpu:flask_only()'``."""
    from services.registration.app import create_app

    app = create_app()
    proxies = app.wsgi_app.inner  # SoldOutGate -> TrustedProxies -> StatusGate -> Flask
    proxies.app = proxies.app.inner
    return app


FACTORIES = {"flask": "bench.queue_poll_cpu:flask_only()", "gate": "services.registration.app:create_app()"}


def _gunicorn(factory: str, port: int, env: dict[str, str], log: Path) -> psutil.Popen:
    """One gunicorn worker of 8 threads (gthread, as `make run`'s, which runs two)."""
    args = [sys.executable, "-m", "gunicorn", factory, "--config", "python:sciday.gunicorn_conf"]
    extra = {"SCIDAY_WEB_WORKERS": "1", "SCIDAY_WEB_THREADS": "8", "PYTHONPATH": str(ROOT)}
    proc = psutil.Popen(
        [*args, "--bind", f"127.0.0.1:{port}"],
        env={**os.environ, **env, **extra},
        stdout=log.open("w"),
        stderr=STDOUT,
    )
    for _ in range(600):
        try:
            if requests.get(f"http://127.0.0.1:{port}/healthz", timeout=1).status_code < 500:
                return proc
        except requests.RequestException:
            time.sleep(0.1)
    raise RuntimeError(f"gunicorn did not start: {log}")


def _tree_cpu(proc: psutil.Process) -> float:
    total = 0.0
    for p in [proc, *proc.children(recursive=True)]:
        t = p.cpu_times()
        total += t.user + t.system
    return total


def over_http(
    tokens: list[str], env: dict[str, str], work: Path, redis_proc, calls: int, blocks: int
) -> dict:
    """Closed loop (16 connections) against one gunicorn worker per path, alternating blocks:
    the worker's CPU per answer (gunicorn's HTTP included) and redis-server's."""
    lines = [f"GET {URL}\tAuthorization: Bearer {t}" for t in tokens]
    lines = (lines * (calls // len(lines) + 1))[:calls]
    servers = {name: (embedded.free_port(), name) for name in FACTORIES}
    procs = {
        n: _gunicorn(FACTORIES[n], port, env, work / f"gunicorn-{n}.log") for n, (port, _) in servers.items()
    }
    runs: dict[str, list[dict]] = {n: [] for n in FACTORIES}
    try:
        for n, (port, _) in servers.items():  # warm: imports, the activity's cache, connections
            loadgen.run(f"127.0.0.1:{port}", lines[:500], 16, work / f"warm-{n}.csv")
        for b in range(blocks):
            for n, (port, _) in servers.items():
                cpu0, redis0 = _tree_cpu(procs[n]), sum(redis_proc.cpu_times()[:2])
                run = loadgen.run(f"127.0.0.1:{port}", lines, 16, work / f"{n}-{b}.csv")
                k = len(run.samples)
                runs[n].append({
                    "worker_us": (_tree_cpu(procs[n]) - cpu0) / k * 1e6,
                    "redis_us": (sum(redis_proc.cpu_times()[:2]) - redis0) / k * 1e6,
                    "per_s": run.rate,
                    "p99_ms": run.percentile(99),
                    "non_200": run.count(lambda st: st != 200),
                })  # fmt: skip
    finally:
        for proc in procs.values():
            proc.terminate()
            proc.wait(10)
    return {n: {k: round(statistics.median(r[k] for r in got), 1) for k in got[0]} for n, got in runs.items()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--people", type=int, default=500)
    parser.add_argument("--calls", type=int, default=2000, help="calls per block")
    parser.add_argument("--blocks", type=int, default=3, help="blocks per path, alternating")
    parser.add_argument("--http", action="store_true", help="also over HTTP, one gunicorn worker per path")
    a = parser.parse_args()
    from services.registration.app import create_app

    work = Path(tempfile.mkdtemp(prefix="sciday-pollcpu-"))
    port = embedded.free_port()
    proc = embedded.start_redis(port, work / "redis", work / "redis.log", appendfsync="no")
    try:
        settings = bench_settings(f"redis://127.0.0.1:{port}/0", work, **SETTINGS)
        redis = connect(settings.redis_url)
        redis_proc = psutil.Process(proc.pid)
        r = measure(create_app(settings), redis, settings, redis_proc, a.people, a.calls, a.blocks)
        if a.http:
            redis.flushdb()
            env = {
                **BENCH_ENV,
                "SCIDAY_REDIS_URL": settings.redis_url,
                "SCIDAY_REDIS_PREFIX": settings.redis_prefix,
                "SCIDAY_KEYS_DIR": str(settings.keys_dir),
                "SCIDAY_VAR_DIR": str(settings.var_dir),
                "SCIDAY_QUEUE_RATE_PER_MIN": str(SETTINGS["queue_rate_per_min"]),
            }
            tokens = _world(create_app(settings), redis, settings, a.people)
            r["http"] = over_http(tokens, env, work, redis_proc, a.calls, a.blocks)
        r["load_1m_after"] = os.getloadavg()[0]
        print(json.dumps(r, indent=2))
        stamp = time.strftime("%Y%m%dT%H%M%SZ", time.gmtime())
        out = Path(__file__).parent / "results" / f"queue-poll-cpu-{stamp}.json"
        out.write_text(json.dumps(r, indent=2))
        print(f"JSON: {out}")
    finally:
        embedded.stop(proc)


if __name__ == "__main__":
    main()
