"""A worker's liveness (issue 24 §2, shared/worker.py): each loop promises its next turn; /healthz
on the worker's port is 503 ``worker_stalled`` once one is late, and a scheduler pass that meets a
Redis outage or a bug is counted, not fatal. The clock is injected; the port is in-process."""

from __future__ import annotations

import pytest
import redis as redis_lib
import requests
from prometheus_client import REGISTRY

from shared import worker


@pytest.fixture
def clock(monkeypatch):
    now = [1000.0]
    monkeypatch.setattr(worker, "clock", lambda: now[0])
    monkeypatch.setattr(worker, "_deadlines", {})
    return now


@pytest.fixture
def port():
    server = worker.MetricsServer("127.0.0.1", 0).start()
    yield f"http://127.0.0.1:{server.port}"
    server.close()


def test_a_loop_past_its_promise_makes_the_worker_unhealthy(clock, port):
    worker.beat("relay:outbox", 30)
    worker.beat("consumer:notify", 300)
    assert requests.get(f"{port}/healthz", timeout=2).status_code == 200
    clock[0] += 31
    late = requests.get(f"{port}/healthz", timeout=2)
    assert late.status_code == 503
    assert late.json()["reason"] == "worker_stalled" and late.json()["errors"] == {"loops": ["relay:outbox"]}
    worker.beat("relay:outbox", 30)  # it turned again
    assert requests.get(f"{port}/healthz", timeout=2).status_code == 200


def test_a_loop_that_ended_on_purpose_no_longer_counts(clock, port):
    worker.beat("retention", 10)
    worker.forget("retention")
    clock[0] += 60
    assert requests.get(f"{port}/healthz", timeout=2).json() == {"status": "ok", "loops": []}


def test_the_port_serves_the_process_metrics_in_prometheus_text(clock, port):
    worker.scheduler_pass("standby-scheduler", 30, lambda: None)
    page = requests.get(f"{port}/metrics", timeout=2)
    assert page.status_code == 200 and page.headers["Content-Type"].startswith("text/plain")
    assert 'sciday_scheduler_runs_total{outcome="ok",scheduler="standby-scheduler"}' in page.text
    assert requests.get(f"{port}/nothing", timeout=2).json()["reason"] == "not_found"


def _runs(name: str, outcome: str) -> float:
    value = REGISTRY.get_sample_value("sciday_scheduler_runs_total", {"scheduler": name, "outcome": outcome})
    return value or 0.0


def test_a_scheduler_pass_counts_outages_and_bugs_and_lives_on(clock):
    def outage():
        raise redis_lib.ConnectionError("gone")

    def bug():
        raise KeyError("activity")

    before = (_runs("lottery-scheduler", "redis_unavailable"), _runs("lottery-scheduler", "failed"))
    worker.scheduler_pass("lottery-scheduler", 65, outage)
    worker.scheduler_pass("lottery-scheduler", 65, bug)
    assert _runs("lottery-scheduler", "redis_unavailable") == before[0] + 1
    assert _runs("lottery-scheduler", "failed") == before[1] + 1
    assert worker.loops() == ["lottery-scheduler"] and worker.stalled() == []


def test_a_taken_port_leaves_the_worker_working_without_one(port):
    from shared.config import Settings

    taken = int(port.rsplit(":", 1)[1])
    assert worker.serve(Settings(worker_metrics_port=taken)) is None
    assert worker.serve(Settings()) is None  # port 0: no port at all
