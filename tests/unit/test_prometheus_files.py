"""The Prometheus files are what Prometheus itself accepts (issue 24): `promtool check rules` and
`promtool check config` on the rules and both scrape configurations, and `promtool test rules` on
the alert rules' unit tests (deploy/prometheus/alerts_test.yml). promtool comes with Debian's
`prometheus` package (scripts/system-deps installs it)."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

PROM = Path(__file__).resolve().parents[2] / "deploy" / "prometheus"


def _promtool(*args: str) -> subprocess.CompletedProcess:
    binary = shutil.which("promtool")
    if binary is None:
        pytest.fail(
            "promtool is missing: run scripts/system-deps (Debian's prometheus package)", pytrace=False
        )
    return subprocess.run([binary, *args], cwd=PROM, capture_output=True, text=True, timeout=120)


def test_the_alert_rules_are_valid():
    proc = _promtool("check", "rules", "alerts.yml")
    assert proc.returncode == 0, proc.stdout + proc.stderr


@pytest.mark.parametrize("config", ["prometheus.yml", "prometheus-k8s.yml"])
def test_the_scrape_configuration_is_valid(config):
    proc = _promtool("check", "config", config)
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_the_alert_rules_pass_their_unit_tests():
    proc = _promtool("test", "rules", "alerts_test.yml")
    assert proc.returncode == 0 and "SUCCESS" in proc.stdout, proc.stdout + proc.stderr
