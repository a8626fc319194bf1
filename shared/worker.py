"""What every worker process has (issue 24): a heartbeat per loop, and one small HTTP port that
serves ``/metrics`` (Prometheus text, like the web services' page) and ``/healthz`` (liveness).

A worker has no request to answer, so nothing shows from outside that its loop still turns. Each
loop calls :func:`beat` once a turn with the longest it may take until the next one; ``/healthz``
answers 503 ``worker_stalled`` once any loop is past its promise, and the orchestrator restarts
the process (compose's healthcheck and Kubernetes' livenessProbe call it). A Redis or broker
outage does not stall a loop (each waits and turns again), so it does not restart every worker.

The port is ``SCIDAY_WORKER_METRICS_PORT`` (0, the default, serves nothing: ``make run`` starts
many workers on one host) on ``SCIDAY_WORKER_METRICS_HOST``.
"""

from __future__ import annotations

import json
import logging
import threading
import time
from collections.abc import Callable, Iterable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from prometheus_client import REGISTRY, CollectorRegistry, Counter, Gauge, generate_latest
from prometheus_client.exposition import CONTENT_TYPE_LATEST

from shared import errors
from shared.config import Settings

log = logging.getLogger("sciday.worker")

SCHEDULER_RUNS = Counter(
    "sciday_scheduler_runs_total", "Scheduler passes, by outcome", ["scheduler", "outcome"]
)
LAST_BEAT = Gauge("sciday_worker_heartbeat_timestamp_seconds", "When a worker loop last turned", ["loop"])
# A scheduler pass ends in one of these.
RUN_OK, RUN_REDIS_UNAVAILABLE, RUN_FAILED = "ok", errors.REDIS_UNAVAILABLE, "failed"
RUN_OUTCOMES = (RUN_OK, RUN_REDIS_UNAVAILABLE, RUN_FAILED)

_lock = threading.Lock()
_deadlines: dict[str, float] = {}
clock: Callable[[], float] = time.monotonic


def beat(loop: str, within_s: float) -> None:
    """``loop`` turned now and promises to turn again within ``within_s`` seconds."""
    with _lock:
        _deadlines[loop] = clock() + within_s
    LAST_BEAT.labels(loop).set(time.time())


def forget(loop: str) -> None:
    """``loop`` ended on purpose (its process is stopping): it no longer counts."""
    with _lock:
        _deadlines.pop(loop, None)


def stalled() -> list[str]:
    """The loops past their promise, sorted."""
    now = clock()
    with _lock:
        return sorted(name for name, deadline in _deadlines.items() if now > deadline)


def loops() -> list[str]:
    with _lock:
        return sorted(_deadlines)


def scheduler_pass(name: str, within_s: float, run: Callable[[], Any]) -> bool:
    """One pass of a scheduler loop that turns again within ``within_s`` (its poll interval plus
    ``worker_stall_s``): beat, run, count the outcome. Redis outages and bugs are counted and
    logged (False); the next pass tries again. The loop itself: shared/periodic.py."""
    from shared.redis_scripts import OUTAGE

    beat(name, within_s)
    try:
        run()
    except OUTAGE as exc:
        SCHEDULER_RUNS.labels(name, RUN_REDIS_UNAVAILABLE).inc()
        log.warning("%s: redis unavailable, retrying: %s", name, exc)
        return False
    except Exception:
        SCHEDULER_RUNS.labels(name, RUN_FAILED).inc()
        log.exception("%s: pass failed; the next one tries again", name)
        return False
    SCHEDULER_RUNS.labels(name, RUN_OK).inc()
    return True


def _health() -> tuple[int, dict[str, Any]]:
    late = stalled()
    if late:
        reason = errors.WORKER_STALLED
        return 503, {
            "status": "error",
            "reason": reason,
            "message": errors.common_message(reason, "en"),
            "errors": {"loops": late},
        }
    return 200, {"status": "ok", "loops": loops()}


class MetricsServer:
    """The worker's port: ``/metrics`` from the default registry plus ``collectors`` (read at each
    scrape: relay lag, halt notes), ``/healthz`` from the heartbeats."""

    def __init__(self, host: str, port: int, collectors: Iterable[Any] = ()):
        extra = CollectorRegistry(auto_describe=False)
        for c in collectors:
            extra.register(c)

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                path = self.path.split("?", 1)[0]
                if path == "/metrics":
                    body, status, kind = (
                        generate_latest(REGISTRY) + generate_latest(extra),
                        200,
                        CONTENT_TYPE_LATEST,
                    )
                elif path == "/healthz":
                    status, doc = _health()
                    body, kind = json.dumps(doc).encode(), "application/json"
                else:
                    reason = errors.NOT_FOUND
                    doc = {"status": "error", "reason": reason, "message": "No such resource.", "errors": {}}
                    body, status, kind = json.dumps(doc).encode(), 404, "application/json"
                self.send_response(status)
                self.send_header("Content-Type", kind)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, format: str, *args: Any) -> None:  # scrapes are not news
                pass

        self.httpd = ThreadingHTTPServer((host, port), Handler)
        self.httpd.daemon_threads = True
        self.port = self.httpd.server_address[1]
        self.thread = threading.Thread(target=self.httpd.serve_forever, name="worker-metrics", daemon=True)

    def start(self) -> MetricsServer:
        self.thread.start()
        return self

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


def serve(settings: Settings, redis: Any = None, *, streams: Iterable[str] = ()) -> MetricsServer | None:
    """Start the worker's port if ``worker_metrics_port`` is set, with the relay lag of
    ``streams`` (the outboxes this process relays). Halts are on the web services' pages
    (shared/halts.py): a halted consumer's process is gone."""
    if not settings.worker_metrics_port:
        return None
    from shared.lag import OutboxLag

    collectors: list[Any] = [OutboxLag(redis, settings, list(streams))] if streams else []
    try:
        server = MetricsServer(settings.worker_metrics_host, settings.worker_metrics_port, collectors).start()
    except OSError as exc:
        # The work matters more than its port: go on unseen, and say so (the liveness probe fails,
        # so an orchestrator restarts the process; two workers on one host need two ports).
        log.error(
            "no metrics port on %s:%d: %s", settings.worker_metrics_host, settings.worker_metrics_port, exc
        )
        return None
    log.info("metrics and liveness on %s:%d", settings.worker_metrics_host, server.port)
    return server
