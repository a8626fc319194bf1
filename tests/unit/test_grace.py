"""Grace periods that add up (issue 24 §2, sciday/grace.py): every process's own stopping bound
fits, with a margin, in the grace its orchestrator gives before it kills, in docker-compose.yml and
in deploy/k8s; gunicorn's graceful timeout is the one in sciday/gunicorn_conf.py."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

from sciday import grace, gunicorn_conf

ROOT = Path(__file__).resolve().parents[2]
# What gunicorn actually waits: the configuration's value, or gunicorn's own default of 30 s.
GRACEFUL_S = getattr(gunicorn_conf, "graceful_timeout", 30)
WEB = ("registration", "checkin", "notify")
WORKERS = (
    "relay",
    "checkin-consumer",
    "notify-consumer",
    "noshow-worker",
    "standby-scheduler",
    "lottery-scheduler",
    "retention",
)


def _seconds(text: str) -> int:
    m = re.fullmatch(r"(\d+)(s|m)?", str(text))
    assert m, text
    return int(m.group(1)) * (60 if m.group(2) == "m" else 1)


def _compose() -> dict:
    return yaml.safe_load((ROOT / "docker-compose.yml").read_text(encoding="utf-8"))["services"]


def _deployment(name: str) -> dict:
    for doc in yaml.safe_load_all((ROOT / "deploy" / "k8s" / f"{name}.yaml").read_text(encoding="utf-8")):
        if doc and doc["kind"] == "Deployment":
            return doc["spec"]["template"]["spec"]
    raise AssertionError(name)


def test_the_budgets_add_up():
    assert grace.PRESTOP_S + grace.GUNICORN_GRACEFUL_S + grace.MARGIN_S <= grace.TERMINATION_GRACE_S
    assert grace.WORKER_SHUTDOWN_S + grace.MARGIN_S <= grace.TERMINATION_GRACE_S
    assert GRACEFUL_S == grace.GUNICORN_GRACEFUL_S


@pytest.mark.parametrize("name", WEB)
def test_web_processes_stop_within_their_grace(name):
    svc = _compose()[name]
    assert "--graceful-timeout" not in svc["command"], "the graceful timeout is gunicorn_conf.py's"
    assert _seconds(svc["stop_grace_period"]) >= GRACEFUL_S + grace.MARGIN_S
    pod = _deployment(name)
    (container,) = pod["containers"]
    assert "--graceful-timeout" not in container["command"]
    prestop = container["lifecycle"]["preStop"]["exec"]["command"]
    assert prestop == ["sleep", str(grace.PRESTOP_S)], prestop
    assert (
        pod["terminationGracePeriodSeconds"] >= grace.PRESTOP_S + grace.GUNICORN_GRACEFUL_S + grace.MARGIN_S
    )


@pytest.mark.parametrize("name", WORKERS)
def test_workers_stop_within_their_grace(name):
    assert _seconds(_compose()[name]["stop_grace_period"]) >= grace.WORKER_SHUTDOWN_S + grace.MARGIN_S
    assert _deployment(name)["terminationGracePeriodSeconds"] >= grace.WORKER_SHUTDOWN_S + grace.MARGIN_S
