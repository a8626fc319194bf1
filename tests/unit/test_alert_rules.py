"""deploy/prometheus/alerts.yml (issues 23, 24) and the dashboard deploy/grafana/sciday.json: every
metric they watch is one the code declares (or an exporter the deployment runs exports), with the
label values the code gives it, so a renamed metric or reason cannot leave an alert or a panel
silently watching nothing. And every metric a worker declares for issue 24 has an alert or a
panel."""

from __future__ import annotations

import json
import re
from pathlib import Path

import yaml

from services.notify.channels import sender
from services.notify.delivery import dead_letters
from services.registration import vocabulary as v
from services.registration.access import verification
from shared import consumer, halts, lag, outbox, worker
from shared.config import Settings

ROOT = Path(__file__).resolve().parents[2]
RULES = ROOT / "deploy" / "prometheus" / "alerts.yml"
DASHBOARD = ROOT / "deploy" / "grafana" / "sciday.json"
NOTIFY_OUTCOMES = {"failed", "sent", "retry", "skipped", "uncertain"}
DECLARED: dict[str, dict[str, set[str]]] = {
    "sciday_verification_codes_total": {"outcome": {v.OK, *verification.CAPS}},
    "sciday_notifications_total": {"outcome": NOTIFY_OUTCOMES, "channel": {"sms", "email"}},
    "sciday_notifications_held_total": {},
    # issue 24: the workers' port (shared/worker.py) and the web pages' halt notes
    "sciday_consumer_halt_noted": {},
    "sciday_events_dead_lettered_total": {},
    "sciday_events_parked_total": {},  # issue 24 §9: a newer event version parked
    "sciday_events_handled_total": {},
    "sciday_outbox_lag_seconds": {},
    "sciday_relay_leader": {},
    "sciday_consumer_lag_records": {},
    "sciday_scheduler_runs_total": {"outcome": set(worker.RUN_OUTCOMES)},
    "sciday_http_requests_total": {},
    "sciday_http_request_seconds": {},
}
# What the exporters in docker-compose.yml and deploy/k8s/monitoring.yaml export (redis_exporter,
# kafka-exporter), and Prometheus's own `up`.
EXPORTED = {
    "redis_master_link_up",
    "redis_connected_slaves",
    "redis_up",
    "kafka_consumergroup_lag_sum",
    "kafka_topic_partition_under_replicated_partition",
    "kafka_brokers",
    "up",
}
# Issue 24's worker metrics: each is watched by an alert or shown on the dashboard.
WORKER_METRICS = {
    "sciday_consumer_halt_noted",
    "sciday_events_dead_lettered_total",
    "sciday_events_parked_total",
    "sciday_outbox_lag_seconds",
    "sciday_relay_leader",
    "sciday_consumer_lag_records",
    "sciday_scheduler_runs_total",
    "sciday_notifications_total",
}
METRIC = re.compile(r"\b([a-z_]+)(?:\{([^}]*)\})?")


def _alerts() -> list[dict]:
    groups = yaml.safe_load(RULES.read_text(encoding="utf-8"))["groups"]
    return [rule for group in groups for rule in group["rules"]]


def _panel_exprs() -> list[str]:
    doc = json.loads(DASHBOARD.read_text(encoding="utf-8"))
    return [t["expr"] for p in doc["panels"] for t in p["targets"]]


def _base(name: str) -> str:
    return (
        re.sub(r"_(bucket|sum|count)$", "", name) if name.startswith("sciday_http_request_seconds") else name
    )


def _watched(expr: str) -> list[tuple[str, str]]:
    """(metric, label matchers) of each series an expression selects."""
    found = []
    without_groupings = re.sub(r"\b(by|without)\s*\([^)]*\)", "", expr)
    for name, labels in METRIC.findall(without_groupings):
        if name.startswith(("sciday_", "redis_", "kafka_")) or name == "up":
            found.append((_base(name), labels))
    return found


def _check(where: str, expr: str) -> None:
    for metric, labels in _watched(expr):
        assert metric in DECLARED or metric in EXPORTED, (where, metric)
        for name, op, value in re.findall(r'(\w+)\s*(=~|=)\s*"([^"]*)"', labels):
            if metric not in DECLARED or name not in DECLARED[metric]:
                continue
            values = value.split("|") if op == "=~" else [value]
            for one in values:
                assert one in DECLARED[metric][name], (where, name, one)


def test_every_alert_watches_a_declared_metric_and_outcome():
    alerts = _alerts()
    assert {"SciDaySmsCodesGlobalCapReached", "SciDaySmsCodesNetworkCapHits"} <= {a["alert"] for a in alerts}
    for alert in alerts:
        assert alert["labels"]["severity"] in ("warning", "critical") and alert["annotations"]["summary"]
        _check(alert["alert"], alert["expr"])


def test_every_dashboard_panel_shows_a_declared_metric():
    exprs = _panel_exprs()
    assert exprs
    for expr in exprs:
        assert _watched(expr), expr
        _check("dashboard", expr)


def test_issue_24_alerts_exist_and_every_worker_metric_is_watched_or_shown():
    names = {a["alert"] for a in _alerts()}
    assert {
        "SciDayConsumerHalted",
        "SciDayDeadLettersGrowing",
        "SciDaySmsFailureRatioHigh",
        "SciDayRelayLagging",
        "SciDayConsumerLagHigh",
        "SciDayRedisReplicaLinkDown",
        "SciDayKafkaUnderReplicated",
    } <= names
    seen = {m for expr in [a["expr"] for a in _alerts()] + _panel_exprs() for m, _ in _watched(expr)}
    assert seen >= WORKER_METRICS, WORKER_METRICS - seen


class _Away:
    """A Redis that does not answer: the collectors report empty families, with their names."""

    def __getattr__(self, name):
        def fail(*args, **kwargs):
            raise ConnectionError("away")

        return fail


def test_the_metrics_are_the_codes_own():
    assert verification.CODES._name == "sciday_verification_codes"
    assert sender.OUTCOMES._name == "sciday_notifications"
    assert dead_letters.HELD._name == "sciday_notifications_held"
    assert consumer.DEAD_LETTERED._name == "sciday_events_dead_lettered"
    assert consumer.HANDLED._name == "sciday_events_handled"
    assert consumer.LAG._name == "sciday_consumer_lag_records"
    assert outbox.LEADER._name == "sciday_relay_leader"
    assert worker.SCHEDULER_RUNS._name == "sciday_scheduler_runs"
    collected = {f.name for f in lag.OutboxLag(_Away(), Settings(), ["outbox"]).collect()}
    collected |= {f.name for f in halts.HaltNotes(_Away(), "sciday:").collect()}
    assert {"sciday_outbox_lag_seconds", "sciday_consumer_halt_noted"} <= collected
