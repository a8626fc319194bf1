"""Issue 24 §1: every process of docker-compose.yml and deploy/k8s starts as deployed and gets ready.

Each is started from its own file's command and environment (tests/deployed_support.py parses
them; nothing is copied here), against a Redis with one ACL user per service and an Apache Kafka
that takes SASL only (as `make run` starts them), with its secrets as read-only files in read-only
folders (the keys folder too), as ``nobody`` (the image's user is not root either).  Only the
addresses, the writable folders and the mounts' paths are changed (``translate``).

Ready: a web process answers ``/healthz`` with 200; a one-shot job exits 0; a worker answers its
liveness ``/healthz`` (shared/worker.py) with 200 once a loop of it has turned, or, where its file
gives it no port, has connected to Redis past its start-up; and is still running.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import psutil
import pytest
import requests

from sciday import embedded
from sciday.key_files import PROVIDER_FILES, write_key_files
from sciday.stack import Stack, StackOptions
from tests import deployed_support as ds
from tests.conftest import TEST_BROKER, wait_for

pytestmark = pytest.mark.e2e

PROCESSES = ds.compose_processes() + ds.k8s_processes()
ENV_FILE = ds._env_file(ds.ROOT / "deploy" / "sciday.env")
BIN = Path(sys.executable).parent
# nobody, with one capability: to read and search every folder (CAP_DAC_READ_SEARCH), because the
# interpreter of this machine lives under /root (0700).  Not CAP_DAC_OVERRIDE: nothing read-only
# (the secrets, the keys folder) can be written, as for the image's user 10001.
AS_NOBODY = ["setpriv", "--reuid=nobody", "--regid=nogroup", "--clear-groups"]
AS_NOBODY += ["--inh-caps=+dac_read_search", "--ambient-caps=+dac_read_search"]


class _Servers(Stack):
    """`make run`'s Redis (ACL users) and Kafka (SCRAM users, ACLs, topics), no sciday process."""

    def _plan(self):
        return []


@pytest.fixture(scope="module")
def infra(servers):
    base = Path(tempfile.mkdtemp(prefix="sciday-deployed-"))
    os.chmod(base, 0o755)  # the processes run as nobody
    s = _Servers(
        StackOptions(
            var_dir=base / "infra",
            redis_port=embedded.free_port(),
            kafka_port=embedded.free_port(),
            broker=TEST_BROKER,
            redis_acl=True,
            kafka_sasl=True,
            seed=False,
            extra_env={
                "SCIDAY_REDIS_PREFIX": ENV_FILE["SCIDAY_REDIS_PREFIX"],
                "SCIDAY_TOPIC_PREFIX": ENV_FILE["SCIDAY_TOPIC_PREFIX"],
                **servers["client_env"],
            },
        ),
        out=open(base / "infra.out", "w"),
    )
    s.start()
    if not s.kafka_users:
        s.stop()
        pytest.skip("the deployed processes log in with SASL; the test broker is Tansu (no SASL)")
    write_key_files(s.secrets)
    for name in PROVIDER_FILES:
        (s.secrets / name).write_text(f"test-{name}\n")
    try:
        yield {"stack": s, "base": base, "client_env": servers["client_env"]}
    finally:
        s.stop()
        shutil.rmtree(base, ignore_errors=True)


def secret_text(infra, ref: str) -> str:
    """The content of a compose secret file (``hmac-secret``) or a Kubernetes Secret's key
    (``sciday-registration/hmac-secret``), from the files made for this run."""
    s = infra["stack"]
    if "/" in ref:
        name, key = ref.split("/", 1)
        user = re.fullmatch(r"sciday-(.+)-credentials", name)
        if name == "sciday-ticket-keys":
            ref = key
        elif user:
            ref = f"{key.removesuffix('-password')}-{user.group(1)}.password"
        else:
            ref = key
    for folder in (s.secrets, s.var / "keys"):
        if (folder / ref).is_file():
            return (folder / ref).read_text()
    raise AssertionError(f"no test file for the secret {ref!r}")


def translate(proc: ds.Process, infra, work: Path) -> tuple[list[str], dict[str, str], int | None]:
    mounts = ds.write_mounts(proc, work / "mounts", lambda ref: secret_text(infra, ref))
    s, port = infra["stack"], embedded.free_port() if proc.port else None
    writable = work / "var"
    writable.mkdir()
    shutil.chown(writable, "nobody")
    env = {k: ds.relocate(v, mounts) for k, v in proc.env.items()}
    env.update({k: secret_text(infra, ref).rstrip("\r\n") for k, ref in proc.env_secrets.items()})
    env.update(
        {
            # the addresses: this machine's Redis and broker
            "REDIS_URL": s.redis_url,
            "KAFKA_BOOTSTRAP_SERVERS": s.kafka,
            # one broker here, three there
            "SCIDAY_TOPIC_REPLICATION_FACTOR": "1",
            "SCIDAY_TOPIC_MIN_INSYNC_REPLICAS": "1",
            # the writable folders (a volume, an emptyDir, a tmpfs)
            "SCIDAY_VAR_DIR": str(writable),
            "HOME": str(writable),
            "PATH": f"{BIN}:/usr/bin:/bin",
            **infra["client_env"],
        }
    )
    if "PROMETHEUS_MULTIPROC_DIR" in env:
        env["PROMETHEUS_MULTIPROC_DIR"] = str(writable)
    if env.get("SCIDAY_WORKER_METRICS_PORT", "0") != "0" and not port:  # a worker's own port
        port = embedded.free_port()
        env.update({"SCIDAY_WORKER_METRICS_PORT": str(port), "SCIDAY_WORKER_METRICS_HOST": "127.0.0.1"})
    argv = [ds.relocate(a, mounts) for a in proc.argv]
    if proc.port:
        service = proc.name.split(":", 1)[1]
        env[f"SCIDAY_{service.upper()}_PORT"] = str(port)
        argv[argv.index("-b") + 1] = f"127.0.0.1:{port}"
    if os.geteuid() == 0:  # the tests run as root; the deployed processes never do
        argv = [*AS_NOBODY, *argv]
    return argv, env, port


def _connected_to(pid: int, port: int) -> bool:
    try:
        procs = [psutil.Process(pid), *psutil.Process(pid).children(recursive=True)]
        return any(c.raddr and c.raddr.port == port for p in procs for c in p.net_connections("tcp"))
    except psutil.NoSuchProcess:
        return False


def _healthy(url: str, worker: bool = False) -> bool:
    """200 from ``url``; for a worker's liveness page, also a loop that has turned (past start-up)."""
    try:
        r = requests.get(url, timeout=3)
    except requests.RequestException:
        return False
    return r.status_code == 200 and (not worker or bool(r.json().get("loops")))


@pytest.mark.parametrize("proc", PROCESSES, ids=[p.name for p in PROCESSES])
def test_process_starts_as_deployed_and_gets_ready(proc, infra):
    work = Path(tempfile.mkdtemp(dir=infra["base"]))
    os.chmod(work, 0o755)
    argv, env, port = translate(proc, infra, work)
    log = work / "out.log"
    with open(log, "w") as out:
        child = subprocess.Popen(argv, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
    try:
        said = lambda: log.read_text(errors="replace")[-3000:]  # noqa: E731
        if proc.one_shot:
            assert child.wait(timeout=120) == 0, f"{proc.name} failed:\n{said()}"
            return
        redis_port = infra["stack"].opts.redis_port

        def ready() -> bool:
            assert child.poll() is None, f"{proc.name} stopped (exit {child.returncode}):\n{said()}"
            if port:
                return _healthy(f"http://127.0.0.1:{port}/healthz", worker=not proc.port)
            return _connected_to(child.pid, redis_port)

        wait_for(ready, timeout=90, interval=0.5, what=f"{proc.name} to get ready")
        if not proc.port:  # a worker past its start-up: one more look that it is still running
            time.sleep(0.5)
            assert child.poll() is None, f"{proc.name} stopped after connecting:\n{said()}"
    finally:
        if child.poll() is None:
            os.killpg(child.pid, 15)
            try:
                child.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(child.pid, 9)
                child.wait()


def test_the_gate_refuses_an_empty_redis_with_history_as_deployed(infra):
    """Issue 24 §8: a Deployment's gate (its initContainer ``sciday state check --read-only``), run
    as deployed, as its service's users, exits 1 on an empty Redis while registration-events holds
    an event, so Kubernetes never starts the process it guards.  Empties this module's Redis: last."""
    from shared.kafka import make_producer
    from shared.redis_scripts import connect_as
    from shared.topics import REGISTRATION_EVENTS

    (gate,) = [p for p in PROCESSES if p.name == "k8s:relay:state-check"]
    settings = infra["stack"].settings()  # as sciday-admin
    redis = connect_as(settings)
    for key in redis.scan_iter(match=f"{settings.redis_prefix}*"):
        redis.delete(key)
    producer = make_producer(settings)
    producer.send(settings.topic_prefix + REGISTRATION_EVENTS, b"{}").get(timeout=30)
    producer.close()
    work = Path(tempfile.mkdtemp(dir=infra["base"]))
    os.chmod(work, 0o755)
    argv, env, _port = translate(gate, infra, work)
    done = subprocess.run(argv, env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 1, done.stdout + done.stderr
    assert "Redis is empty" in done.stderr and "--accept-empty-redis" in done.stderr, done.stderr
    assert not redis.exists(settings.redis_prefix + "continuity"), "a read-only gate records nothing"
