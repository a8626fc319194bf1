"""deploy/prometheus/alerts.yml (issue 23): valid rules, and every metric they watch is one the code
declares, with the label values the code gives it (so a renamed metric or reason cannot leave an
alert silently watching nothing)."""

from __future__ import annotations

import re
from pathlib import Path

import yaml

from services.notify import dead_letters, sender
from services.registration import verification
from services.registration import vocabulary as v

RULES = Path(__file__).resolve().parents[2] / "deploy" / "prometheus" / "alerts.yml"
DECLARED = {
    "sciday_verification_codes_total": {"outcome": {v.OK, *verification.CAPS}},
    "sciday_notifications_total": {"outcome": {"failed", "sent", "retry", "skipped", "uncertain"}},
    "sciday_notifications_held_total": {},
}


def test_every_alert_watches_a_declared_metric_and_outcome():
    groups = yaml.safe_load(RULES.read_text(encoding="utf-8"))["groups"]
    alerts = [rule for group in groups for rule in group["rules"]]
    assert {"SciDaySmsCodesGlobalCapReached", "SciDaySmsCodesNetworkCapHits"} <= {a["alert"] for a in alerts}
    for alert in alerts:
        assert alert["labels"]["severity"] in ("warning", "critical") and alert["annotations"]["summary"]
        for metric, labels in re.findall(r"(sciday_\w+)(?:\{([^}]*)\})?", alert["expr"]):
            assert metric in DECLARED, (alert["alert"], metric)
            for name, value in re.findall(r'(\w+)="([^"]*)"', labels):
                assert value in DECLARED[metric][name], (alert["alert"], name, value)


def test_the_metrics_are_the_codes_own():
    assert verification.CODES._name == "sciday_verification_codes"
    assert sender.OUTCOMES._name == "sciday_notifications"
    assert dead_letters.HELD._name == "sciday_notifications_held"
