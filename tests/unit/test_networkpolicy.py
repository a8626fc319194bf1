"""deploy/k8s/networkpolicy.yaml (issue 24 §6): default deny, then only the flows the design needs.

Validated against the Kubernetes schemas by tests/unit/test_deploy_k8s.py with the other files."""

from __future__ import annotations

from pathlib import Path

import yaml

K8S = Path(__file__).resolve().parents[2] / "deploy" / "k8s"
DOCS = [d for f in sorted(K8S.glob("*.yaml")) for d in yaml.safe_load_all(f.read_text("utf-8")) if d]
POLICIES = [d for d in DOCS if d["kind"] == "NetworkPolicy"]
DEPLOYMENTS = {
    d["metadata"]["name"]: d
    for d in DOCS
    if d["kind"] == "Deployment"
    and d["spec"]["template"]["metadata"]["labels"].get("app.kubernetes.io/name") == "sciday"
}
WEB_PORTS = {"registration": 8001, "checkin": 8002, "notify": 8003}
WORKER_PORT = 9400


def _selects(selector: dict, labels: dict) -> bool:
    if not selector.get("matchLabels", {}).items() <= labels.items():
        return False
    for e in selector.get("matchExpressions", []):
        if (labels.get(e["key"]) in e["values"]) != (e["operator"] == "In"):
            return False
    return True


def _labels(name: str) -> dict:
    return DEPLOYMENTS[name]["spec"]["template"]["metadata"]["labels"]


def test_everything_is_denied_unless_allowed():
    deny = [p for p in POLICIES if p["spec"]["podSelector"] == {}]
    assert deny and set(deny[0]["spec"]["policyTypes"]) == {"Ingress", "Egress"}
    assert "ingress" not in deny[0]["spec"] and "egress" not in deny[0]["spec"]


def test_every_process_may_reach_redis_and_only_web_services_are_reachable():
    for name in DEPLOYMENTS:
        egress = [
            r
            for p in POLICIES
            if _selects(p["spec"]["podSelector"], _labels(name))
            for r in p["spec"].get("egress", [])
        ]
        assert any({"protocol": "TCP", "port": 6379} in r.get("ports", []) for r in egress), name
        ingress = [
            r
            for p in POLICIES
            if _selects(p["spec"]["podSelector"], _labels(name))
            for r in p["spec"].get("ingress", [])
        ]
        ports = {port["port"] for r in ingress for port in r.get("ports", [])}
        # a web service its port; a worker only its metrics and liveness port (shared/worker.py)
        assert ports == ({WEB_PORTS[name]} if name in WEB_PORTS else {WORKER_PORT}), name


def test_the_internet_only_for_the_providers_and_never_a_private_range():
    for p in POLICIES:
        for rule in p["spec"].get("egress", []):
            for peer in rule.get("to", []):
                if "ipBlock" in peer:
                    assert {"10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16"} <= set(peer["ipBlock"]["except"])
                    allowed = [n for n in DEPLOYMENTS if _selects(p["spec"]["podSelector"], _labels(n))]
                    # the SMS/real-name providers (registration, notify) and the drand relays: the lottery
                    # scheduler fetches each draw's beacon round (issue 27)
                    assert set(allowed) == {"registration", "notify", "notify-consumer", "lottery-scheduler"}
