"""The production compose file: valid for Debian's docker-compose, and keeping its promises.

No Docker engine is needed: ``docker-compose config -q`` only parses, interpolates and validates.
The rest reads docker-compose.yml, deploy/sciday.env, deploy/nginx.conf, deploy/Dockerfile and
.dockerignore as text and YAML and checks the structure deploy/README.md describes: three KRaft
brokers with replication 3 / min ISR 2, Redis with AOF and a replica, two or more replicas of every
web service behind nginx, and consumers scaled within their groups.
"""

from __future__ import annotations

import importlib
import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

from sciday.gunicorn_worker import WORKER_CLASS

pytestmark = pytest.mark.integration

ROOT = Path(__file__).resolve().parents[2]
COMPOSE = ROOT / "docker-compose.yml"
ENV_FILE = ROOT / "deploy" / "sciday.env"
DOCKERFILE = ROOT / "deploy" / "Dockerfile"
DOCKERIGNORE = ROOT / ".dockerignore"
NGINX_CONF = ROOT / "deploy" / "nginx.conf"
# Where sciday reads its environment: shared/config.py, and shared/topics.py for topic creation.

WEB = {
    "registration": ("services.registration.app:create_app()", 8001),
    "checkin": ("services.checkin.app:create_app()", 8002),
    "notify": ("services.notify.app:create_app()", 8003),
}
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
ONE_SHOT = {"topics", "cli", "state-check"}  # state-check: issue 24 §8
BROKERS = ("kafka-1", "kafka-2", "kafka-3")
# Monitoring (issue 24): upstream images, pinned to a version.
MONITORING = {
    "prometheus": "prom/prometheus:v",
    "redis-exporter": "oliver006/redis_exporter:v",
    "kafka-exporter": "danielqsj/kafka-exporter:v",
}
INFRA = {*BROKERS, "redis", "redis-replica", "nginx", *MONITORING}
# Kafka consumers: scaled within their groups.
CONSUMERS = ("checkin-consumer", "notify-consumer", "noshow-worker")
# Lease-protected workers: two copies take turns (issue 24).
LEASED = ("relay", "standby-scheduler", "lottery-scheduler")
# Read by the notify service's own code once it talks to real channels, not by shared/config.py.
NOTIFY_PLACEHOLDERS = {"SCIDAY_SMTP_HOST", "SCIDAY_SMTP_PORT", "SCIDAY_SMS_GATEWAY_URL", "SCIDAY_SMS_API_KEY"}
CONFIG_VAR = re.compile(r"^(SCIDAY_[A-Z0-9_]+|REDIS_URL|KAFKA_BOOTSTRAP_SERVERS)$")
PEM_MARKERS = ("PRIVATE KEY", "-----BEGIN", "-----END")


def _docker_compose() -> str:
    found = shutil.which("docker-compose")
    if found is None and os.access("/usr/bin/docker-compose", os.X_OK):
        found = "/usr/bin/docker-compose"
    if found is None:
        pytest.fail(
            "docker-compose is not installed, so docker-compose.yml cannot be validated: "
            "`apt-get install docker-compose` (Debian's package; .ci/run installs it)",
            pytrace=False,
        )
    return found


@pytest.fixture(scope="module")
def compose() -> dict:
    return yaml.safe_load(COMPOSE.read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def services(compose) -> dict:
    return compose["services"]


def compose_backend_subnet() -> str:
    backend = yaml.safe_load(COMPOSE.read_text(encoding="utf-8"))["networks"]["backend"]
    return backend["ipam"]["config"][0]["subnet"]


def _env_lines(path: Path) -> dict[str, str]:
    out = {}
    for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        stripped = line.strip()
        if not stripped or stripped.startswith("#"):
            continue
        assert "=" in stripped, f"{path.name}:{n}: not NAME=value: {line!r}"
        name, _, value = stripped.partition("=")
        assert re.fullmatch(r"[A-Z][A-Z0-9_]*", name), f"{path.name}:{n}: bad variable name {name!r}"
        assert name not in out, f"{path.name}:{n}: {name} set twice"
        out[name] = value
    return out


def _environment(svc: dict) -> dict[str, str | None]:
    env = svc.get("environment") or {}
    if isinstance(env, list):
        return {k: v for k, _, v in (item.partition("=") for item in env)}
    return {k: (None if v is None else str(v)) for k, v in env.items()}


def _depends(svc: dict) -> dict[str, str]:
    dep = svc.get("depends_on") or {}
    if isinstance(dep, list):
        return {name: "service_started" for name in dep}
    return {name: (cond or {}).get("condition", "service_started") for name, cond in dep.items()}


def _is_sciday(name: str) -> bool:
    return name not in INFRA


def _replicas(svc: dict) -> int:
    return int((svc.get("deploy") or {}).get("replicas", svc.get("scale", 1)))


def _networks(svc: dict) -> list[str]:
    nets = svc.get("networks") or []
    return list(nets) if isinstance(nets, (list, dict)) else [nets]


# -- docker-compose itself -------------------------------------------------------------------------


def test_docker_compose_config_is_valid():
    binary = _docker_compose()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("COMPOSE_", "DOCKER_"))}
    # Interpolated variables all have defaults: validate without any of them set.
    for name in ("KAFKA_CLUSTER_ID", "SCIDAY_IMAGE", "SCIDAY_BIND_ADDRESS", "SCIDAY_SMS_API_KEY"):
        env.pop(name, None)
    # ...but the cluster id, which must be given (${KAFKA_CLUSTER_ID:?}): without it `up` stops.
    missing = subprocess.run(
        [binary, "-f", str(COMPOSE), "--project-directory", str(ROOT), "config", "-q"],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert missing.returncode != 0 and "KAFKA_CLUSTER_ID" in missing.stderr, missing.stderr
    env["KAFKA_CLUSTER_ID"] = "uklpzcDcTquCGebXsbFibA"
    proc = subprocess.run(
        [binary, "-f", str(COMPOSE), "--project-directory", str(ROOT), "config", "-q"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 0, f"docker-compose config -q failed:\n{proc.stdout}\n{proc.stderr}"
    assert "variable is not set" not in proc.stderr, proc.stderr


# -- the processes -----------------------------------------------------------------------------------


def test_every_service_and_consumer_is_present(services):
    expected = INFRA | {"topics"} | set(WEB) | set(WORKERS)
    missing = expected - set(services)
    assert not missing, f"missing from docker-compose.yml: {sorted(missing)}"


@pytest.mark.parametrize("name", sorted(WEB))
def test_web_service_runs_gunicorn_and_has_a_healthcheck(services, name):
    app_spec, port = WEB[name]
    svc = services[name]
    cmd = svc["command"]
    assert isinstance(cmd, list) and cmd[0] == "gunicorn", cmd
    joined = " ".join(cmd)
    # class, counts, time-outs: sciday/gunicorn_conf.py alone (issue 24), never the command line
    assert cmd[1:3] == ["-c", "python:sciday.gunicorn_conf"], cmd
    assert not {"-k", "-w", "--threads", "--workers", "--worker-class", "--timeout"} & set(cmd), joined
    assert f"0.0.0.0:{port}" in cmd, f"{name} must bind 0.0.0.0:{port}: {cmd}"
    assert cmd[-1] == app_spec, cmd

    hc = svc.get("healthcheck")
    assert hc and hc.get("test"), f"{name} has no healthcheck"
    test = hc["test"] if isinstance(hc["test"], str) else " ".join(hc["test"])
    assert f"127.0.0.1:{port}/healthz" in test, test
    assert "urllib" in test and "curl" not in test, "python:3.11-slim has no curl"

    env = _environment(svc)
    multiproc = env.get("PROMETHEUS_MULTIPROC_DIR")
    assert multiproc, f"{name}: PROMETHEUS_MULTIPROC_DIR must be set for /metrics with 2 workers"
    assert any(str(t).split(":")[0] == multiproc for t in svc.get("tmpfs", [])), (
        f"{name}: {multiproc} must be a per-container tmpfs (writable, empty at each start)"
    )
    # Several replicas cannot share a host port: the only way in is nginx.
    assert not svc.get("ports"), f"{name} is reached through nginx; it publishes no port: {svc.get('ports')}"
    assert str(port) in [str(p) for p in svc.get("expose", [])], f"{name} must expose {port} to nginx"
    assert _replicas(svc) >= 2, f"{name} must run 2 or more replicas, has {_replicas(svc)}"
    limits = ((svc.get("deploy") or {}).get("resources") or {}).get("limits") or {}
    assert limits.get("cpus") and limits.get("memory"), f"{name}: replicas need resource limits"


@pytest.mark.parametrize("name", sorted(WORKERS))
def test_worker_runs_its_module(services, name):
    module = WORKERS[name]
    assert services[name]["command"] == ["python", "-m", module]
    assert (ROOT / (module.replace(".", "/") + ".py")).exists() or (
        ROOT / module.replace(".", "/") / "__main__.py"
    ).exists(), f"{module} not found in the tree"


def test_every_process_make_run_starts_runs_in_compose_too(services):
    """`sciday up` and compose start the same workers (a process added to one only is a gap)."""
    from sciday.stack import Stack, StackOptions

    plan = Stack(StackOptions(var_dir=ROOT / "var" / "compose-parity"))._plan()
    modules = {c.args[2] for c in plan if len(c.args) == 3 and c.args[1] == "-m"}
    assert "services.registration.relay" in modules  # the plan was read
    composed = {" ".join(services[n]["command"][2:]) for n in WORKERS}
    missing = {m for m in modules if m.startswith("services.") and m not in composed}
    assert not missing, f"started by make run but not in docker-compose.yml: {sorted(missing)}"


# -- Kubernetes: the same processes as compose and `sciday up` -------------------------------------
K8S = ROOT / "deploy" / "k8s"


def _k8s_deployments() -> dict[str, dict]:
    out = {}
    for path in sorted(K8S.glob("*.yaml")):
        for doc in yaml.safe_load_all(path.read_text(encoding="utf-8")):
            if doc and doc.get("kind") == "Deployment":
                out[doc["metadata"]["name"]] = doc["spec"]["template"]["spec"]
    return out


def _k8s_env(pod: dict) -> dict[str, str | None]:
    """A container's environment: a literal's value, or None for a file of a Secret volume
    (``X_FILE`` reads as ``X``, issue 24) or a value taken from a Secret."""
    (container,) = pod["containers"]
    out: dict[str, str | None] = {}
    for e in container.get("env", []):
        if e["name"].endswith("_FILE") and str(e.get("value", "")).startswith("/etc/sciday/secrets/"):
            out[e["name"].removesuffix("_FILE")] = None
        else:
            out[e["name"]] = e.get("value")
    return out


def _compose_env(svc: dict) -> dict[str, str | None]:
    """Compose's environment in Kubernetes' terms: ``X_FILE`` (a Docker secret) reads as ``X``, and
    an interpolated ``${...}`` (a credential from the host) as None, like a Secret reference."""
    out = {}
    for name, value in _environment(svc).items():
        if name.endswith("_FILE") and str(value).startswith("/run/secrets/"):
            out[name.removesuffix("_FILE")] = None
        else:
            out[name] = None if value is None or value.startswith("${") or value == "" else value
    return out


def _ticket_keys(compose_svc: dict | None, pod: dict | None) -> tuple[str, str]:
    """What each side mounts of the ticket keys: "all", "public" or "none"."""

    def kind(files: list[str]) -> str:
        if any(f.endswith(".key") for f in files):
            return "all"
        return "public" if any(f.endswith(".pub") for f in files) else "none"

    composed = [str(s["target"]) for s in (compose_svc or {}).get("secrets", []) if isinstance(s, dict)]
    mounted: list[str] = []
    own = {m["name"] for c in (pod or {}).get("containers", []) for m in c.get("volumeMounts", [])}
    for vol in (pod or {}).get("volumes", []):
        secret = vol.get("secret") or {}
        if secret.get("secretName") == "sciday-ticket-keys" and vol["name"] in own:  # not the gate's
            items = secret.get("items")
            mounted += [i["path"] for i in items] if items else ["ed25519-1.key"]
    return kind(composed), kind(mounted)


def test_kubernetes_runs_every_process_compose_runs():
    """deploy/k8s has one Deployment per long-running compose process (web services and workers),
    with the same command: a worker added to compose only is a gap in Kubernetes."""
    deployments = _k8s_deployments()
    assert {"redis-exporter", "kafka-exporter"} <= set(deployments)  # Prometheus runs outside
    deployments = {k: v for k, v in deployments.items() if k not in MONITORING}
    assert set(deployments) == set(WEB) | set(WORKERS), (
        f"in compose but not in deploy/k8s: {sorted(set(WEB) | set(WORKERS) - set(deployments))}; "
        f"in deploy/k8s only: {sorted(set(deployments) - set(WEB) - set(WORKERS))}"
    )
    services = yaml.safe_load(COMPOSE.read_text(encoding="utf-8"))["services"]
    for name, pod in deployments.items():
        (container,) = pod["containers"]
        assert container["command"] == services[name]["command"], name


def test_every_process_make_run_starts_runs_in_kubernetes_too():
    from sciday.stack import Stack, StackOptions

    plan = Stack(StackOptions(var_dir=ROOT / "var" / "compose-parity"))._plan()
    modules = {c.args[2] for c in plan if len(c.args) == 3 and c.args[1] == "-m"}
    assert {"services.registration.relay", "services.checkin.standby.scheduler"} <= modules
    deployed = {" ".join(pod["containers"][0].get("command", [])[2:]) for pod in _k8s_deployments().values()}
    missing = {m for m in modules if m.startswith("services.") and m not in deployed}
    assert not missing, f"started by make run but not in deploy/k8s: {sorted(missing)}"


@pytest.mark.parametrize("name", sorted(set(WEB) | set(WORKERS)))
def test_kubernetes_gives_each_process_what_compose_gives_it(services, name):
    """Same users, same credentials (by name), same ticket keys: least privilege holds in both."""
    pod = _k8s_deployments()[name]
    assert _k8s_env(pod) == _compose_env(services[name]), name
    composed, mounted = _ticket_keys(services[name], pod)
    assert composed == mounted, f"{name}: ticket keys {composed} in compose, {mounted} in deploy/k8s"


def test_the_noshow_pepper_reaches_every_process_that_hashes_holders(services):
    """A holder hash made with another pepper never matches a mark (docs/noshow.md): registration
    checks, noshow-worker marks, check-in keys the standby list, all with the one pepper."""
    for name in ("registration", "noshow-worker", "checkin"):
        assert "SCIDAY_NOSHOW_PEPPER" in _compose_env(services[name]), name
        assert "SCIDAY_NOSHOW_PEPPER" in _k8s_env(_k8s_deployments()[name]), name


def test_the_door_id_key_reaches_registration_and_checkin(services):
    """Issue 23: registration writes each member's door hash, check-in matches the card read with
    it; a card never matches a hash made under another key."""
    for name in ("registration", "checkin"):
        assert "SCIDAY_DOOR_ID_KEY" in _compose_env(services[name]), name
        assert "SCIDAY_DOOR_ID_KEY" in _k8s_env(_k8s_deployments()[name]), name


@pytest.mark.parametrize("name", sorted(WORKERS))
def test_each_worker_logs_in_to_redis_as_its_service(services, name):
    env, secrets = services[name].get("environment") or {}, services[name].get("secrets") or []
    assert env.get("SCIDAY_REDIS_USERNAME") in {"registration", "checkin", "notify"}, name
    assert any(isinstance(s, dict) and s.get("target") == "redis-password" for s in secrets), name


@pytest.mark.parametrize("name", CONSUMERS)
def test_consumers_are_scaled_within_their_groups(services, name):
    from shared.topics import BY_NAME

    module = WORKERS[name]
    replicas = _replicas(services[name])
    assert replicas >= 2, f"{name}: {replicas} replica(s); the group needs 2 or more members"
    # Each member must be able to own a partition: more members than partitions idle.  (The
    # module's TOPICS comes from the registry, so it is imported, not read: nothing connects.)
    topics = importlib.import_module(module).TOPICS
    assert topics, f"{module} must declare TOPICS"
    for topic in topics:
        assert replicas <= BY_NAME[topic].partitions, f"{name}: {replicas} members for {topic}"


def test_two_copies_of_each_lease_protected_worker(services):
    # One works under the lease, the other takes over when it dies (test_worker_port.py).
    for name in LEASED:
        assert _replicas(services[name]) == 2, name


@pytest.mark.parametrize("name", sorted(WORKERS))
def test_every_worker_has_a_liveness_check_on_its_port_and_is_scraped(services, name):
    port = _env_lines(ENV_FILE)["SCIDAY_WORKER_METRICS_PORT"]
    test = " ".join(services[name]["healthcheck"]["test"])
    assert f"127.0.0.1:{port}/healthz" in test, test
    scrape = yaml.safe_load((ROOT / "deploy" / "prometheus" / "prometheus.yml").read_text(encoding="utf-8"))
    jobs = {j["job_name"]: j for j in scrape["scrape_configs"]}
    found = [c for c in jobs["sciday-workers"]["dns_sd_configs"] if name in c["names"]]
    assert found and found[0]["port"] == int(port), f"{name} is not scraped"


def test_monitoring_images_are_pinned_and_mount_the_rules(services):
    for name, image in MONITORING.items():
        assert str(services[name]["image"]).startswith(image), services[name]["image"]
    mounts = " ".join(str(v) for v in services["prometheus"]["volumes"])
    assert "deploy/prometheus/alerts.yml" in mounts and "deploy/prometheus/prometheus.yml" in mounts


def test_topics_job(services):
    topics = services["topics"]
    # The topics, then the services' SCRAM users and ACLs (sciday/credentials.py), as the admin.
    assert topics["command"][:2] == ["sh", "-c"], topics["command"]
    assert topics["command"][2].startswith("sciday topics create && python -m sciday.credentials kafka ")
    assert str(topics.get("restart")) == "no"
    for broker in BROKERS:
        assert _depends(topics).get(broker) == "service_healthy", f"topics must wait for {broker}"


def test_dependencies_wait_for_health_and_topics(services):
    for name in list(WEB) + list(WORKERS):
        dep = _depends(services[name])
        assert dep.get("redis") == "service_healthy", f"{name}: {dep}"
        for broker in BROKERS:
            assert dep.get(broker) == "service_healthy", f"{name}: {dep}"
        assert dep.get("topics") == "service_completed_successfully", f"{name}: {dep}"
        # issue 24 §8: nothing starts on a Redis that lost its state (sciday/continuity.py)
        assert dep.get("state-check") == "service_completed_successfully", f"{name}: {dep}"


def test_restart_policies(services):
    for name, svc in services.items():
        restart = str(svc.get("restart", ""))
        if name in ONE_SHOT:
            assert restart == "no", f"{name} is a one-shot job: restart {restart!r}"
        else:
            assert restart in ("always", "unless-stopped"), f"{name}: restart {restart!r}"


def test_every_sciday_container_uses_the_one_dockerfile(services):
    images = set()
    for name, svc in services.items():
        if not _is_sciday(name):
            assert "build" not in svc, f"{name} is an upstream image, not built here"
            continue
        build = svc.get("build")
        assert isinstance(build, dict), f"{name} must be built from deploy/Dockerfile"
        assert (ROOT / build.get("context", ".")).resolve() == ROOT, f"{name}: context {build.get('context')}"
        assert build.get("dockerfile") == "deploy/Dockerfile", f"{name}: {build.get('dockerfile')}"
        images.add(svc.get("image"))
        env_files = svc.get("env_file") or []
        env_files = [env_files] if isinstance(env_files, str) else env_files
        assert "deploy/sciday.env" in [os.path.normpath(str(e)) for e in env_files], (
            f"{name}: env_file {env_files}"
        )
    assert len(images) == 1 and None not in images, f"sciday containers must share one image tag: {images}"


# -- infrastructure ----------------------------------------------------------------------------------


def test_redis_appendonly_always_with_healthcheck(compose, services):
    redis = services["redis"]
    assert str(redis["image"]).startswith("redis:7"), redis["image"]
    cmd = redis["command"] if isinstance(redis["command"], str) else " ".join(redis["command"])
    assert "--appendonly yes" in cmd and "--appendfsync always" in cmd, cmd
    test = redis["healthcheck"]["test"]
    test = test if isinstance(test, str) else " ".join(test)
    assert "redis-cli ping" in test, test
    _assert_named_volume(compose, redis, "/data")


def test_kafka_is_three_kraft_brokers(compose, services):
    brokers = sorted(n for n, s in services.items() if str(s.get("image", "")).startswith("apache/kafka:"))
    assert brokers == sorted(BROKERS), f"three Apache Kafka brokers expected, found {brokers}"
    node_ids, voters, cluster_ids, volumes = {}, set(), set(), set()
    for name in BROKERS:
        kafka = services[name]
        env = _environment(kafka)
        roles = {r.strip() for r in (env.get("KAFKA_PROCESS_ROLES") or "").split(",")}
        assert "broker" in roles, f"{name}: process roles {roles}"
        assert not any("ZOOKEEPER" in k for k in env), "KRaft mode: no ZooKeeper settings"
        assert env.get("KAFKA_CONTROLLER_LISTENER_NAMES"), name
        assert env.get("KAFKA_AUTO_CREATE_TOPICS_ENABLE") == "false", (
            "topics come from `sciday topics create`"
        )
        assert env.get("KAFKA_UNCLEAN_LEADER_ELECTION_ENABLE") in (None, "false"), name
        node_ids[name] = int(env["KAFKA_NODE_ID"])
        voters.add(env.get("KAFKA_CONTROLLER_QUORUM_VOTERS"))
        cluster_ids.add(env.get("CLUSTER_ID"))
        assert env.get("KAFKA_ADVERTISED_LISTENERS") == f"CLIENT://{name}:9092", (
            f"{name} must advertise its own compose name"
        )
        # Replication 3, a write needs 2 in sync: one broker may be lost.
        assert int(env["KAFKA_DEFAULT_REPLICATION_FACTOR"]) == 3, name
        assert int(env["KAFKA_MIN_INSYNC_REPLICAS"]) == 2, name
        assert int(env["KAFKA_OFFSETS_TOPIC_REPLICATION_FACTOR"]) == 3, name
        assert int(env["KAFKA_TRANSACTION_STATE_LOG_REPLICATION_FACTOR"]) == 3, name
        assert int(env["KAFKA_TRANSACTION_STATE_LOG_MIN_ISR"]) == 2, name
        assert kafka.get("healthcheck", {}).get("test"), f"{name} has no healthcheck"
        assert str(kafka.get("restart")) == "unless-stopped", name
        volumes.add(_assert_named_volume(compose, kafka, env.get("KAFKA_LOG_DIRS") or "/var/lib/kafka/data"))
    assert len(set(node_ids.values())) == 3, f"node ids must differ: {node_ids}"
    assert len(voters) == 1 and None not in voters, f"one controller quorum for all: {voters}"
    assert len(cluster_ids) == 1 and None not in cluster_ids, cluster_ids
    quorum = dict(v.split("@") for v in voters.pop().split(","))
    controllers = {n for n in BROKERS if "controller" in _environment(services[n])["KAFKA_PROCESS_ROLES"]}
    assert {int(i) for i in quorum} == {node_ids[n] for n in controllers}, quorum
    for node_id, address in quorum.items():
        host = address.split(":")[0]
        assert node_ids.get(host) == int(node_id), f"voter {node_id}@{address} is not that node"
    assert len(controllers) % 2 == 1 and len(controllers) >= 3, "an odd quorum of at least 3 controllers"
    assert len(volumes) == 3, "each broker keeps its log in its own volume"


def test_sciday_creates_topics_replicated_and_reaches_every_broker():
    env = _env_lines(ENV_FILE)
    assert set(env["KAFKA_BOOTSTRAP_SERVERS"].split(",")) == {f"{b}:9092" for b in BROKERS}
    factor, min_isr = (
        int(env["SCIDAY_TOPIC_REPLICATION_FACTOR"]),
        int(env["SCIDAY_TOPIC_MIN_INSYNC_REPLICAS"]),
    )
    assert factor == 3 and min_isr == 2
    assert min_isr < factor <= len(BROKERS), "acks=all must survive the loss of one broker"
    assert 'acks="all"' in (ROOT / "shared" / "kafka.py").read_text(encoding="utf-8"), (
        "producers use acks=all"
    )


def test_redis_replica(compose, services):
    replica = services["redis-replica"]
    assert str(replica["image"]) == str(services["redis"]["image"]), "replica runs the primary's version"
    cmd = replica["command"] if isinstance(replica["command"], str) else " ".join(replica["command"])
    assert "--replicaof redis 6379" in cmd, cmd
    assert "--appendonly yes" in cmd, cmd
    assert _depends(replica).get("redis") == "service_healthy"
    test = replica["healthcheck"]["test"]
    test = test if isinstance(test, str) else " ".join(test)
    assert "master_link_status:up" in test, test
    _assert_named_volume(compose, replica, "/data")
    # sciday talks to the primary only; the replica is there to be promoted.
    assert _env_lines(ENV_FILE)["REDIS_URL"].startswith("redis://redis:")


# -- nginx ------------------------------------------------------------------------------------------


def _nginx_locations(text: str) -> dict[str, str]:
    """``location`` pattern -> the upstream its proxy_pass names (or ``return``)."""
    out = {}
    for m in re.finditer(r"location\s+([^{]+?)\s*\{([^}]*)\}", text):
        body = m.group(2)
        target = re.search(r"proxy_pass\s+http://([a-z-]+)\s*;", body)
        out[m.group(1).strip()] = target.group(1) if target else "return"
    return out


def test_nginx_is_the_way_in(services):
    nginx = services["nginx"]
    assert str(nginx["image"]).startswith("nginx:"), nginx["image"]
    assert any(
        str(v).startswith("./deploy/nginx.conf:") and str(v).endswith(":ro") for v in nginx.get("volumes", [])
    ), nginx.get("volumes")
    assert nginx.get("ports"), "nginx publishes the one public port"
    published = [n for n, s in services.items() if s.get("ports")]
    assert published == ["nginx"], f"only nginx publishes a port: {published}"
    for name in WEB:
        assert _depends(nginx).get(name) == "service_healthy", f"nginx must wait for healthy {name}"
    test = nginx["healthcheck"]["test"]
    test = test if isinstance(test, str) else " ".join(test)
    assert "/nginx-health" in test, test
    assert set(_networks(nginx)) >= {"backend", "edge"}


def test_nginx_routes_by_path_to_every_replica():
    text = NGINX_CONF.read_text(encoding="utf-8")
    for name, (_app, port) in WEB.items():
        m = re.search(r"upstream\s+" + name + r"\s*\{([^}]*)\}", text)
        assert m, f"no upstream {name}"
        body = m.group(1)
        assert re.search(rf"server\s+{name}:{port}\s+resolve\b", body), (
            f"upstream {name} must name the compose service and re-resolve it (every replica)"
        )
        assert re.search(r"^\s*zone\s", body, re.M), f"upstream {name}: `resolve` needs a zone"
    assert re.search(r"^\s*resolver\s+127\.0\.0\.11\b", text, re.M), "Docker's DNS must be the resolver"
    loc = _nginx_locations(text)
    assert loc["/"] == "registration"
    assert loc["/api/v1/checkins"] == "checkin"
    assert loc["= /scan"] == "checkin"
    assert loc["/api/v1/notifications"] == "notify"
    assert any(k.startswith("~") and "attendance" in k and v == "checkin" for k, v in loc.items())
    assert loc["= /metrics"] == "return", "metrics are never public"
    assert "proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for" in text
    subnet = compose_backend_subnet()
    assert _env_lines(ENV_FILE).get("SCIDAY_TRUSTED_PROXIES") == subnet, (
        "behind nginx the services must trust the backend subnet nginx talks from, "
        "or rate limits see only nginx"
    )
    assert re.search(r"^\s*access_log\s+off;", text, re.M), "no access log: links carry tokens"


def _assert_named_volume(compose: dict, svc: dict, target: str) -> str:
    declared = set((compose.get("volumes") or {}).keys())
    for vol in svc.get("volumes", []):
        source, _, rest = str(vol).partition(":")
        if rest.split(":")[0] == target:
            assert source in declared, f"{source} is not a named volume (declared: {declared})"
            return source
    raise AssertionError(f"no named volume mounted at {target}: {svc.get('volumes')}")


# -- secrets and configuration -----------------------------------------------------------------------


def test_no_secret_material_in_committed_files():
    for path in (COMPOSE, ENV_FILE, DOCKERFILE, DOCKERIGNORE, NGINX_CONF):
        text = path.read_text(encoding="utf-8")
        for marker in PEM_MARKERS:
            assert marker not in text, f"{path.relative_to(ROOT)} contains {marker!r}"
    env = _env_lines(ENV_FILE)
    assert not env.get("SCIDAY_SMS_API_KEY"), "the SMS API key must not be written in deploy/sciday.env"


def test_signing_keys_come_from_secrets_not_the_image(compose, services):
    declared = compose.get("secrets") or {}
    assert declared, "the ticket keys must be Docker secrets"
    for name, spec in declared.items():
        # Ticket keys in deploy/keys/, credentials in deploy/secrets/ (both outside git).
        assert str(spec.get("file", "")).startswith(("./deploy/keys/", "./deploy/secrets/")), (
            f"secret {name}: {spec}"
        )

    def mounted(svc_name: str) -> set[str]:
        out = set()
        for item in services[svc_name].get("secrets", []):
            src = item if isinstance(item, str) else item["source"]
            out.add(str(declared[src]["file"]))
        return out

    reg, chk = mounted("registration"), mounted("checkin")
    assert any(f.endswith(".key") for f in reg), "registration signs: it needs the private key"
    assert any(f.endswith(".pub") for f in chk), "checkin verifies: it needs the public keys"
    assert not any(f.endswith(".key") for f in chk), "checkin must never get a private key"
    # the lottery scheduler signs the tickets of the registrations a draw makes (issue 15)
    assert any(f.endswith(".key") for f in mounted("lottery-scheduler")), "a draw signs tickets"
    for name in services:
        if name not in ("registration", "checkin", "lottery-scheduler"):
            assert not any("/deploy/keys/" in f for f in mounted(name)), f"{name} needs no ticket key"
        for vol in services[name].get("volumes", []):
            if "keys" in str(vol):
                assert str(vol).endswith(":ro"), f"{name}: keys volume must be read-only: {vol}"

    assert _env_lines(ENV_FILE).get("SCIDAY_KEYS_DIR") == "/run/secrets", (
        "secrets are mounted under /run/secrets; SCIDAY_KEYS_DIR must point there"
    )

    dockerfile = DOCKERFILE.read_text(encoding="utf-8")
    for line in dockerfile.splitlines():
        if line.strip().upper().startswith(("COPY", "ADD")):
            assert "keys" not in line and " . " not in f"{line} ", (
                f"the image must not copy keys or the whole tree: {line}"
            )
    ignored = {ln.strip() for ln in DOCKERIGNORE.read_text(encoding="utf-8").splitlines()}
    for entry in (".venv", "var", ".git", "tests", "bench/results", "deploy/keys"):
        assert entry in ignored, f".dockerignore must exclude {entry}"
    assert any("__pycache__" in e for e in ignored), ".dockerignore must exclude __pycache__"


def test_env_file_only_sets_variables_that_config_reads(services):
    from shared.config import all_env_names

    read = set(all_env_names())  # SCIDAY_<FIELD> and aliases
    read |= {name + "_FILE" for name in read}  # or from a file (a Docker secret)
    env = _env_lines(ENV_FILE)
    for required in ("REDIS_URL", "KAFKA_BOOTSTRAP_SERVERS", "SCIDAY_KEYS_DIR", "SCIDAY_PUBLIC_BASE_URL"):
        assert required in env, f"deploy/sciday.env must set {required}"
    names = set(env)
    for name, svc in services.items():
        if _is_sciday(name):
            names |= set(_environment(svc))
    unknown = sorted(
        n for n in names if CONFIG_VAR.match(n) and n not in NOTIFY_PLACEHOLDERS and n not in read
    )
    assert not unknown, f"not a field of shared/config.py's Settings (typo or dead setting?): {unknown}"


def test_dockerfile_shape():
    text = DOCKERFILE.read_text(encoding="utf-8")
    instructions = [ln.strip() for ln in text.splitlines() if ln.strip() and not ln.lstrip().startswith("#")]
    froms = [ln for ln in instructions if ln.startswith("FROM ")]
    assert froms and all(ln.startswith("FROM python:3.11-slim@") for ln in froms), (
        "python:3.11-slim by digest"
    )
    users = [ln.split(None, 1)[1] for ln in instructions if ln.upper().startswith("USER ")]
    assert users and users[-1].split(":")[0] not in ("root", "0"), "the image must run as a non-root user"
    assert "pip install --no-deps ." in text  # the dependencies came from the hashed lock
    assert "EXPOSE 8001 8002 8003" in instructions
    assert any(ln.upper().startswith("CMD") for ln in instructions)


def test_nginx_routes_each_page_to_the_service_that_owns_its_data():
    import re

    text = NGINX_CONF.read_text()
    routes = {
        m.group(1).strip(): m.group(2)
        for m in re.finditer(r"location\s+([^{]+?)\s*\{[^}]*?proxy_pass\s+http://(\w+);", text)
    }
    expect = {
        "/dashboard": "checkin",
        "= /summary": "checkin",
        "= /api/v1/attendance": "checkin",
        "/api/v1/summary": "checkin",
        "= /scan": "checkin",
        "/api/v1/checkins": "checkin",
        "/api/v1/notices": "notify",
        "/api/v1/notifications": "notify",
        "= /api/v1/activities/import": "registration",
        "/": "registration",
    }
    for loc, upstream in expect.items():
        assert routes.get(loc) == upstream, (loc, routes.get(loc))
    assert "client_max_body_size 2m" in text  # spreadsheet uploads


SECRET_SETTING = re.compile(r"SCIDAY_.*(SECRET|PEPPER|_KEY|_KEYS_|PASSWORD)")


@pytest.mark.parametrize("name", sorted(set(WEB) | set(WORKERS) | ONE_SHOT))
def test_every_credential_is_a_secret_file_never_a_variable(services, name):
    """Issue 24 §6: no key or password in the environment (``docker inspect`` shows it): each is
    ``SCIDAY_<NAME>_FILE`` naming a file under /run/secrets that the service mounts."""
    svc = services[name]
    mounted = {s if isinstance(s, str) else s.get("target", s["source"]) for s in svc.get("secrets") or []}
    for var, value in _environment(svc).items():
        if SECRET_SETTING.match(var) and not var.endswith("_USERNAME"):
            assert var.endswith("_FILE"), f"{name}: {var} is a variable"
            assert value.startswith("/run/secrets/") and value.split("/")[3] in mounted, f"{name}: {var}"


@pytest.mark.parametrize("name", ["redis-exporter", "kafka-exporter"])
def test_the_exporters_log_in_as_monitoring_with_a_password_file(services, name):
    """Issue 24 §3, §6: not as the operator's super user; the password a mounted secret."""
    svc = services[name]
    text = yaml.safe_dump({k: svc.get(k) for k in ("entrypoint", "command", "environment")})
    assert "sciday-admin" not in text and "monitoring" in text, name
    assert [s["source"] for s in svc["secrets"]] == [f"{name.split('-')[0]}-monitoring-password"], name
    assert "$$(cat /run/secrets/" in " ".join(svc["entrypoint"]), name
    assert not [v for v in _environment(svc) if "PASSWORD" in v.upper()], name
