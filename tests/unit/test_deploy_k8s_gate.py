"""Issue 24 §8 in Kubernetes: no sciday process starts on lost state.  docker-compose orders every
process after its one-shot `state-check`; Kubernetes cannot order a Deployment after a Job, so each
sciday Deployment runs `sciday state check --read-only` as an initContainer (deploy/k8s/README.md,
"The gate"): the same image, the ConfigMap, its own service's Redis and Kafka users, the ticket
keys' public halves at SCIDAY_KEYS_DIR, unprivileged on a read-only root filesystem."""

from __future__ import annotations

import pytest

from sciday.redis_keys import FAMILIES, SERVICES
from tests.unit.test_deploy_k8s import WEB, WORKERS, _container, _of, _pod

pytestmark = pytest.mark.unit

GATE = ["sciday", "state", "check", "--read-only"]


def _env(container: dict) -> dict[str, str]:
    return {e["name"]: e.get("value", "") for e in container.get("env", [])}


@pytest.mark.parametrize("name", sorted(set(WEB) | set(WORKERS)))
def test_every_sciday_deployment_is_gated_by_the_state_check(name):
    dep = _of("Deployment")[name]
    pod, main = _pod(dep), _container(dep)
    gates = [c for c in pod.get("initContainers", []) if c.get("command") == GATE]
    assert len(gates) == 1, f"{name}: no initContainer runs {' '.join(GATE)}"
    (gate,) = gates
    assert gate["image"] == main["image"], name
    assert {"name": "sciday-config"} in [e.get("configMapRef") for e in gate.get("envFrom", [])], name
    sc = gate.get("securityContext") or {}
    assert sc.get("allowPrivilegeEscalation") is False and sc.get("readOnlyRootFilesystem") is True, name
    assert sc.get("capabilities", {}).get("drop") == ["ALL"], name
    assert pod["securityContext"]["runAsNonRoot"] is True, name
    assert gate.get("resources", {}).get("limits"), name
    # as the process's own service: reading only, never the admin's password
    env, user = _env(gate), _env(main)["SCIDAY_REDIS_USERNAME"]
    assert env["SCIDAY_REDIS_USERNAME"] == env["SCIDAY_KAFKA_USERNAME"] == user, name
    for kind in ("REDIS", "KAFKA"):
        path = env[f"SCIDAY_{kind}_PASSWORD_FILE"]
        assert path == f"/etc/sciday/secrets/sciday-{user}-credentials/{kind.lower()}-password", name
    volumes = {v["name"]: v for v in pod["volumes"]}
    secrets = {volumes[m["name"]].get("secret", {}).get("secretName"): m for m in gate["volumeMounts"]}
    assert "sciday-sciday-admin-credentials" not in secrets, f"{name}: the gate reads as its service"
    keys_dir = _of("ConfigMap")["sciday-config"]["data"]["SCIDAY_KEYS_DIR"]
    keys = secrets.get("sciday-ticket-keys")
    assert keys and keys["mountPath"] == keys_dir and keys.get("readOnly") is True, (
        f"{name}: the gate compares the ticket keys with the record: it needs their public halves"
    )
    items = volumes[keys["name"]]["secret"].get("items")
    if items is not None:
        assert items and all(i["key"].endswith(".pub") for i in items), name
        main_keys = {m["name"] for m in main.get("volumeMounts", [])}
        if keys["name"] not in main_keys:  # a process given no ticket key gets none from the gate
            assert name not in ("registration", "checkin", "lottery-scheduler")


def test_each_service_may_read_the_record_the_gate_compares():
    (continuity,) = [f for f in FAMILIES if f.pattern == "continuity"]
    assert set(continuity.readers) == set(SERVICES)


def test_the_backup_cronjob_records_the_keys_the_gates_compare_with():
    """The gates only read: the admin's `sciday state check` before each backup writes the record."""
    pod = _of("CronJob")["sciday-backup"]["spec"]["jobTemplate"]["spec"]["template"]["spec"]
    (check,) = [c for c in pod.get("initContainers", []) if c.get("command") == GATE[:3]]
    assert _env(check)["SCIDAY_REDIS_USERNAME"] == "sciday-admin"
    assert check["securityContext"]["readOnlyRootFilesystem"] is True
    assert {m["name"] for m in check["volumeMounts"]} == {"ticket-keys"}
