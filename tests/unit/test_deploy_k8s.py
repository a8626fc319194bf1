"""The Kubernetes manifests in deploy/k8s: valid against the Kubernetes API schemas, and keeping
the promises deploy/k8s/README.md makes.

kubernetes-validate ships the schemas in its wheel, so no cluster and no network are needed.
"""

from __future__ import annotations

import importlib
import re
from pathlib import Path

import kubernetes_validate
import pytest
import yaml

pytestmark = pytest.mark.unit

ROOT = Path(__file__).resolve().parents[2]
K8S = ROOT / "deploy" / "k8s"
ENV_FILE = ROOT / "deploy" / "sciday.env"
# The newest Kubernetes release whose schemas kubernetes-validate 1.37.0 ships.
K8S_VERSION = "1.37.0"

WEB = {"registration": 8001, "checkin": 8002, "notify": 8003}
WORKERS = {
    "relay": "services.registration.relay",
    "checkin-consumer": "services.checkin.consumer",
    "notify-consumer": "services.notify.consumer",
    "retention": "services.registration.privacy.retention",  # issue 16: the retention sweep
    # issue 15: the no-show record, on-site standby and the lottery
    "noshow-worker": "services.registration.noshow.worker",
    "standby-scheduler": "services.checkin.standby.scheduler",
    "lottery-scheduler": "services.registration.lottery.scheduler",
}
# Kafka consumers, scaled within their groups; the lease-protected workers, two copies taking turns
# (issue 24); and the one that runs one copy at a time.
CONSUMERS = ("checkin-consumer", "notify-consumer", "noshow-worker")
LEASED = ("relay", "standby-scheduler", "lottery-scheduler")
SINGLE = ("retention",)
# The exporters Prometheus scrapes beside the sciday pods (deploy/k8s/monitoring.yaml), pinned.
EXPORTERS = {"redis-exporter": "oliver006/redis_exporter:v", "kafka-exporter": "danielqsj/kafka-exporter:v"}
# Set differently in Kubernetes than in compose: the servers' addresses and the keys folder.
# Addresses differ between compose and a cluster: the store, the brokers, the keys, the proxies.
K8S_SPECIFIC = {"REDIS_URL", "KAFKA_BOOTSTRAP_SERVERS", "SCIDAY_KEYS_DIR", "SCIDAY_TRUSTED_PROXIES"}
SECRET_NAMES = re.compile(r"(API_KEY|PASSWORD|TOKEN|SECRET)", re.I)


def _manifest_files() -> list[Path]:
    return sorted(p for p in K8S.glob("*.yaml") if p.name != "kustomization.yaml")


def _docs() -> list[tuple[str, dict]]:
    out = []
    for path in _manifest_files():
        for doc in yaml.safe_load_all(path.read_text(encoding="utf-8")):
            if doc:
                out.append((path.name, doc))
    return out


DOCS = _docs()


def _of(kind: str) -> dict[str, dict]:
    return {d["metadata"]["name"]: d for _f, d in DOCS if d["kind"] == kind}


def _pod(deployment: dict) -> dict:
    return deployment["spec"]["template"]["spec"]


def _container(deployment: dict) -> dict:
    containers = _pod(deployment)["containers"]
    assert len(containers) == 1, deployment["metadata"]["name"]
    return containers[0]


def _env_lines(path: Path) -> dict[str, str]:
    out = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            name, _, value = line.partition("=")
            out[name] = value
    return out


@pytest.mark.parametrize("name,doc", DOCS, ids=[f"{f}:{d['kind']}:{d['metadata']['name']}" for f, d in DOCS])
def test_manifest_is_valid_kubernetes(name, doc):
    kubernetes_validate.validate(doc, K8S_VERSION, strict=True)


def test_kustomization_lists_every_manifest():
    kust = yaml.safe_load((K8S / "kustomization.yaml").read_text(encoding="utf-8"))
    assert sorted(kust["resources"]) == [p.name for p in _manifest_files()]
    assert kust["namespace"] == "sciday"
    for _f, doc in DOCS:
        if doc["kind"] != "Namespace":
            assert doc["metadata"].get("namespace") == "sciday", doc["metadata"]["name"]


def test_every_process_has_a_deployment():
    deployments = _of("Deployment")
    assert set(deployments) == set(WEB) | set(WORKERS) | set(EXPORTERS)
    for name, image in EXPORTERS.items():
        assert _container(deployments[name])["image"].startswith(image), name
    for name, module in WORKERS.items():
        assert _container(deployments[name])["command"] == ["python", "-m", module]
    for name, port in WEB.items():
        cmd = _container(deployments[name])["command"]
        assert cmd[0] == "gunicorn" and f"0.0.0.0:{port}" in cmd, cmd
        assert cmd[-1] == f"services.{name}.app:create_app()", cmd


@pytest.mark.parametrize("name", sorted(set(WEB) | set(WORKERS)))
def test_deployment_has_resources_and_runs_unprivileged(name):
    dep = _of("Deployment")[name]
    c = _container(dep)
    res = c.get("resources") or {}
    for kind in ("requests", "limits"):
        assert res.get(kind, {}).get("cpu") and res[kind].get("memory"), f"{name}: resources.{kind}"
    pod_sc, sc = _pod(dep).get("securityContext") or {}, c.get("securityContext") or {}
    assert pod_sc.get("runAsNonRoot") is True and pod_sc.get("runAsUser") == 10001, (
        f"{name}: the image's user (UID 10001), never root"
    )
    assert sc.get("allowPrivilegeEscalation") is False and sc.get("readOnlyRootFilesystem") is True
    assert {"name": "sciday-config"} in [e.get("configMapRef") for e in c.get("envFrom", [])], (
        f"{name}: configuration comes from the ConfigMap"
    )
    # The selector must pick exactly this Deployment's pods.
    labels = dep["spec"]["template"]["metadata"]["labels"]
    selector = dep["spec"]["selector"]["matchLabels"]
    assert selector.items() <= labels.items() and selector.get("app.kubernetes.io/component") == name


@pytest.mark.parametrize("name", sorted(WEB))
def test_web_deployment_probes_healthz(name):
    c = _container(_of("Deployment")[name])
    port = WEB[name]
    ports = {p["name"]: p["containerPort"] for p in c["ports"]}
    assert ports == {"http": port}
    for probe in ("readinessProbe", "startupProbe"):
        get = (c.get(probe) or {}).get("httpGet") or {}
        assert get.get("path") == "/healthz" and get.get("port") in ("http", port), f"{name}: {probe}"
    # Liveness must not depend on Redis or the broker: an outage takes pods out of the Service
    # (readiness), it does not restart them all at once.
    live = c.get("livenessProbe") or {}
    assert live, f"{name}: no livenessProbe"
    assert (live.get("httpGet") or {}).get("path") != "/healthz"
    assert (live.get("tcpSocket") or live.get("httpGet") or {}).get("port") in ("http", port)


@pytest.mark.parametrize("name", sorted(WEB))
def test_web_service_and_autoscaler_target_the_deployment(name):
    dep = _of("Deployment")[name]
    pod_labels = dep["spec"]["template"]["metadata"]["labels"]
    svc = _of("Service")[name]
    assert svc["spec"]["selector"].items() <= pod_labels.items(), f"Service {name} selects no pod"
    assert [(p["port"], p["targetPort"]) for p in svc["spec"]["ports"]] == [(WEB[name], "http")]

    hpa = _of("HorizontalPodAutoscaler")[name]
    ref = hpa["spec"]["scaleTargetRef"]
    assert (ref["apiVersion"], ref["kind"], ref["name"]) == ("apps/v1", "Deployment", name)
    assert hpa["spec"]["minReplicas"] >= 2, f"{name}: at least two replicas"
    assert hpa["spec"]["maxReplicas"] > hpa["spec"]["minReplicas"]
    assert "replicas" not in dep["spec"], f"{name}: the HPA owns the replica count"
    cpu = _container(dep)["resources"]["requests"]["cpu"]
    assert cpu, "a CPU utilization target needs a CPU request"


def test_every_pdb_selects_the_pods_of_one_deployment():
    deployments = _of("Deployment")
    pdbs = _of("PodDisruptionBudget")
    assert set(WEB) | set(CONSUMERS) <= set(pdbs)
    for name, pdb in pdbs.items():
        selector = pdb["spec"]["selector"]["matchLabels"]
        matched = [
            d
            for d, dep in deployments.items()
            if selector.items() <= dep["spec"]["template"]["metadata"]["labels"].items()
        ]
        assert matched == [name], f"PDB {name} selects {matched}"
        dep = deployments[name]
        replicas = dep["spec"].get("replicas") or _of("HorizontalPodAutoscaler")[name]["spec"]["minReplicas"]
        spec = pdb["spec"]
        allowed = spec["maxUnavailable"] if "maxUnavailable" in spec else replicas - spec["minAvailable"]
        assert allowed >= 1, f"PDB {name} would block every node drain"
    for name in SINGLE:
        assert name not in pdbs, f"one {name}: a PDB would block every node drain"


def test_consumers_are_scaled_within_their_partitions():
    from shared.topics import BY_NAME

    deployments = _of("Deployment")
    for name in CONSUMERS:
        topics = importlib.import_module(WORKERS[name]).TOPICS  # nothing connects at import
        assert topics, name
        assert 2 <= deployments[name]["spec"]["replicas"] <= min(BY_NAME[t].partitions for t in topics), name
    for name in SINGLE:
        spec = deployments[name]["spec"]
        assert spec["replicas"] == 1 and spec["strategy"]["type"] == "Recreate", (
            f"one {name} at a time: never two during an upgrade"
        )
    for name in LEASED:  # issue 24: a standby copy waits on the lease and takes over
        spec = deployments[name]["spec"]
        assert spec["replicas"] == 2 and spec["strategy"]["type"] == "RollingUpdate", name


@pytest.mark.parametrize("name", sorted(WORKERS))
def test_every_worker_has_a_liveness_probe_and_a_scraped_port(name):
    dep = _of("Deployment")[name]
    c = _container(dep)
    port = _of("ConfigMap")["sciday-config"]["data"]["SCIDAY_WORKER_METRICS_PORT"]
    assert {"name": "metrics", "containerPort": int(port)} in c["ports"]
    for probe in ("livenessProbe", "startupProbe"):
        assert c[probe]["httpGet"] == {"path": "/healthz", "port": "metrics"}, (name, probe)
    meta = dep["spec"]["template"]["metadata"]
    assert meta["annotations"]["prometheus.io/port"] == port
    workers = _of("Service")["metrics-workers"]
    assert workers["spec"]["clusterIP"] == "None"
    assert workers["spec"]["selector"].items() <= meta["labels"].items(), f"{name} is not scraped"


def test_keys_come_from_a_secret_reference_without_key_material():
    assert not _of("Secret"), "no Secret manifest: key material never enters the repository"
    for path in K8S.glob("*.yaml"):
        text = path.read_text(encoding="utf-8")
        assert "PRIVATE KEY" not in text and "-----BEGIN" not in text, path.name
    deployments = _of("Deployment")
    keys_dir = _of("ConfigMap")["sciday-config"]["data"]["SCIDAY_KEYS_DIR"]

    def key_volume(name):
        pod = _pod(deployments[name])
        mounts = {m["name"]: m for m in _container(deployments[name]).get("volumeMounts", [])}
        for vol in pod.get("volumes", []):
            if vol.get("secret", {}).get("secretName") == "sciday-ticket-keys" and vol["name"] in mounts:
                assert mounts[vol["name"]]["mountPath"] == keys_dir
                assert mounts[vol["name"]].get("readOnly") is True
                return vol["secret"]
        return None

    reg, chk = key_volume("registration"), key_volume("checkin")
    assert reg is not None and "items" not in reg, "registration signs: it gets the whole key set"
    assert chk is not None and chk.get("items"), "checkin gets selected items only"
    assert all(i["key"].endswith(".pub") for i in chk["items"]), "checkin must never get a private key"
    # the lottery scheduler signs the tickets of the registrations a draw makes (issue 15)
    lottery = key_volume("lottery-scheduler")
    assert lottery is not None and "items" not in lottery, "a draw signs tickets"
    for name in set(deployments) - {"registration", "checkin", "lottery-scheduler"}:
        assert key_volume(name) is None, f"{name} needs no key"


def test_configmap_is_the_env_file():
    data = _of("ConfigMap")["sciday-config"]["data"]
    env = _env_lines(ENV_FILE)
    assert set(data) == set(env), (
        f"keep deploy/k8s/configmap.yaml and deploy/sciday.env in step: {sorted(set(data) ^ set(env))}"
    )
    for name, value in env.items():
        if name not in K8S_SPECIFIC:
            assert str(data[name]) == value, (
                f"{name}: {data[name]!r} in the ConfigMap, {value!r} in sciday.env"
            )
    assert all(isinstance(v, str) for v in data.values()), "ConfigMap values are strings"
    assert not [k for k in data if SECRET_NAMES.search(k)], "credentials belong in a Secret"
    notify = _container(_of("Deployment")["notify"])
    sms = [e for e in notify.get("env", []) if e["name"] == "SCIDAY_SMS_API_KEY_FILE"]
    assert sms and sms[0]["value"] == "/etc/sciday/secrets/sciday-notify/sms-api-key"


def test_no_secret_in_an_environment_variable():
    """Issue 24 §6: every credential is a file of a Secret volume (SCIDAY_*_FILE), never a
    variable (visible to anyone who may read the pod spec or the process's environment)."""
    for name, dep in {**_of("Deployment"), **_of("Job")}.items():
        if not _container(dep)["image"].startswith("registry.example.org/sciday"):
            continue  # the exporters (monitoring.yaml): their own images' options
        env = _container(dep).get("env", [])
        assert not [e["name"] for e in env if "valueFrom" in e], name


@pytest.mark.parametrize("name", ["redis-exporter", "kafka-exporter"])
def test_the_exporters_log_in_as_monitoring_with_a_password_file(name):
    """Issue 24 §3, §6: not as the operator's super user, and its password a file of the
    ``sciday-monitoring-credentials`` Secret volume, never a variable (secretKeyRef or not)."""
    dep = _of("Deployment")[name]
    container = _container(dep)
    text = yaml.safe_dump({k: container.get(k) for k in ("command", "args", "env")})
    assert "sciday-admin" not in text and "monitoring" in text, name
    env = container.get("env", [])
    assert not [e["name"] for e in env if "valueFrom" in e or "PASSWORD" in e["name"]], name
    secrets = [v["secret"]["secretName"] for v in _pod(dep).get("volumes", []) if "secret" in v]
    assert secrets == ["sciday-monitoring-credentials"], name
    assert "$(cat /etc/sciday/secrets/sciday-monitoring-credentials/" in " ".join(container["command"]), name


def test_the_topics_job_makes_the_monitoring_user():
    (job,) = _of("Job").values()
    sources = [
        s["secret"]["name"]
        for v in _pod(job)["volumes"]
        if "projected" in v
        for s in v["projected"]["sources"]
    ]
    assert "sciday-monitoring-credentials" in sources
