"""Apache Kafka (KRaft) as local child processes: one broker for `sciday up` and the tests, three
for the fault drills.

The jars come from Maven Central through ``sciday/kafka/pom.xml`` (``mvn
dependency:copy-dependencies``) into a cache outside the work tree, the same ``libs/`` folder
the Kafka tarball ships.  Each node is one JVM that is broker and controller at once, with a
capped heap and its log directory formatted once with a cluster id kept next to it.
"""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import subprocess
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from sciday import embedded
from sciday.kafka_config import (
    CLUSTER_SETTINGS,
    LISTENERS,
    LOCAL_TUNING,
    LOG4J2,
    QUICK_FAILOVER,
    SASL_LISTENERS,
    SASL_MECHANISM,
    SINGLE_SETTINGS,
    Node,
    NodeFiles,
    admin_client_config,
    jaas_text,
    new_cluster_id,
)

__all__ = [
    "CLUSTER_SETTINGS",
    "HOW_TO_GET_IT",
    "KAFKA_VERSION",
    "LISTENERS",
    "LOCAL_TUNING",
    "LOG4J2",
    "POM",
    "QUICK_FAILOVER",
    "SASL_LISTENERS",
    "SASL_MECHANISM",
    "SINGLE_SETTINGS",
    "BrokerUnavailable",
    "KafkaCluster",
    "Node",
    "admin_client_config",
    "available",
    "check_java",
    "fetch",
    "jaas_text",
    "new_cluster_id",
]

KAFKA_VERSION = "4.4.0"
MIN_JAVA = 17
POM = Path(__file__).resolve().parent / "kafka" / "pom.xml"
HOW_TO_GET_IT = (
    "install OpenJDK 17+ and Maven (Debian: apt-get install openjdk-17-jre-headless maven) "
    "and run `make run` again"
)


# The broker settings of a three-node cluster: one source for the drill's local cluster; a unit
# test (tests/unit/test_broker_settings.py) proves docker-compose.yml, deploy/sciday.env and the
# k8s config map agree with it.
class BrokerUnavailable(RuntimeError):
    """Apache Kafka cannot run here (no Java 17, no Maven, Maven failed); says why and how."""


# -- Java and the jars -------------------------------------------------------------------------
def java_binary() -> str:
    home = os.environ.get("JAVA_HOME")
    if home and (Path(home) / "bin" / "java").exists():
        return str(Path(home) / "bin" / "java")
    found = shutil.which("java")
    if not found:
        raise BrokerUnavailable(f"no Java found (Apache Kafka {KAFKA_VERSION} needs Java {MIN_JAVA}+)")
    return found


def parse_java_major(text: str) -> int | None:
    """The major version in ``java -version`` output: ``"17.0.15"`` is 17, ``"1.8.0_392"`` is 8."""
    m = re.search(r'version "(\d+)(?:\.(\d+))?', text)
    if not m:
        return None
    major = int(m.group(1))
    return int(m.group(2)) if major == 1 and m.group(2) else major


def java_major(java: str) -> int:
    out = subprocess.run([java, "-version"], capture_output=True, text=True, timeout=60)
    major = parse_java_major(out.stderr + out.stdout)
    if major is None:
        raise BrokerUnavailable(f"cannot read the version of {java}")
    return major


def check_java() -> str:
    java = java_binary()
    major = java_major(java)
    if major < MIN_JAVA:
        raise BrokerUnavailable(
            f"Java {major} found at {java}; Apache Kafka {KAFKA_VERSION} needs Java {MIN_JAVA}+"
        )
    return java


def cache_dir(version: str = KAFKA_VERSION) -> Path:
    base = os.environ.get("SCIDAY_KAFKA_CACHE") or Path.home() / ".cache" / "sciday"
    return Path(base) / f"kafka-{version}"


def _pom_digest() -> str:
    return hashlib.sha256(POM.read_bytes()).hexdigest()[:16]


def libs_ready(cache: Path | None = None) -> bool:
    cache = cache or cache_dir()
    stamp = cache / "libs.ok"
    return stamp.exists() and stamp.read_text().strip() == _pom_digest()


def fetch(say=print, cache: Path | None = None, timeout: float = 900.0) -> Path:
    """The folder of the broker's jars, resolved with Maven on first use (then reused)."""
    cache = cache or cache_dir()
    libs = cache / "libs"
    if libs_ready(cache):
        return libs
    mvn = shutil.which("mvn")
    if not mvn:
        raise BrokerUnavailable(f"no Maven (mvn) found to fetch Apache Kafka {KAFKA_VERSION}")
    cache.mkdir(parents=True, exist_ok=True)
    partial = cache / "libs.partial"
    shutil.rmtree(partial, ignore_errors=True)
    say(f"fetching Apache Kafka {KAFKA_VERSION} with Maven into {libs} (first run only)…")
    t0 = time.monotonic()
    try:
        done = subprocess.run(
            [
                mvn,
                "--batch-mode",
                "--quiet",
                "--file",
                str(POM),
                "dependency:copy-dependencies",
                f"-DoutputDirectory={partial}",
                # CI starts with an empty ~/.m2: retry a dropped download instead of failing
                "-Dmaven.wagon.http.retryHandler.count=3",
            ],
            capture_output=True,
            text=True,
            timeout=timeout,
        )
    except subprocess.TimeoutExpired as exc:
        raise BrokerUnavailable(f"Maven did not fetch Apache Kafka within {timeout:.0f}s") from exc
    if done.returncode != 0 or not any(partial.glob("kafka_2.13-*.jar")):
        tail = "\n".join((done.stdout + done.stderr).strip().splitlines()[-5:])
        raise BrokerUnavailable(f"Maven could not fetch Apache Kafka {KAFKA_VERSION}:\n{tail}")
    shutil.rmtree(libs, ignore_errors=True)
    partial.rename(libs)
    (cache / "libs.ok").write_text(_pom_digest() + "\n")
    size = sum(f.stat().st_size for f in libs.iterdir())
    say(
        f"Apache Kafka {KAFKA_VERSION}: {len(list(libs.iterdir()))} jars, {size / 2**20:.0f} MiB, "
        f"fetched in {time.monotonic() - t0:.0f}s"
    )
    return libs


def available(say=print) -> tuple[str, Path]:
    """``(java, libs)`` when Apache Kafka can run here, else :class:`BrokerUnavailable`."""
    java = check_java()
    return java, fetch(say)


# -- nodes -------------------------------------------------------------------------------------
@dataclass
class KafkaCluster(NodeFiles):
    """``n`` combined broker+controller nodes under ``home``; their log dirs survive restarts."""

    home: Path
    ports: list[int]
    heap: str = "256m"
    settings: dict = field(default_factory=dict)
    log_path: Path | None = None
    say: object = print
    nodes: list[Node] = field(default_factory=list)
    # (user, password) of the admin (PLAIN, the super user): SASL with ACLs instead of PLAINTEXT.
    sasl_admin: tuple[str, str] | None = None
    # `sciday up` ties each node to itself (sciday/lifeline.py); None: a session of its own.
    preexec_fn: Callable[[], None] | None = None

    def __post_init__(self):
        self.home = Path(self.home).resolve()
        if not self.settings:
            self.settings = SINGLE_SETTINGS if len(self.ports) == 1 else CLUSTER_SETTINGS
        # Controller ports are loopback-only and may change from one start to the next.
        self.nodes = [
            Node(i + 1, p, embedded.free_port(), self.home / f"node-{i + 1}")
            for i, p in enumerate(self.ports)
        ]

    @property
    def bootstrap(self) -> str:
        return ",".join(n.address for n in self.nodes)

    def start_node(self, node: Node, java: str | None = None, libs: Path | None = None) -> None:
        java = java or check_java()
        libs = libs or fetch(self.say)
        embedded.ensure_free(node.port, f"Apache Kafka (node {node.node_id})")
        if embedded.port_open(node.controller_port):
            node.controller_port = embedded.free_port()
        self.format(java, libs, node)
        self._write_config(node)  # the controller port may have moved
        log = self.log_path or (node.home / "kafka.log")
        out = open(log if len(self.nodes) == 1 else node.home / "kafka.log", "ab")
        node.proc = subprocess.Popen(
            self._java(java, libs, node, ["kafka.Kafka", str(node.home / "server.properties")], self.heap),
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=self.preexec_fn is None,
            preexec_fn=self.preexec_fn,
        )
        out.close()

    def start(self, timeout: float = 120.0) -> None:
        java, libs = available(self.say)
        for node in self.nodes:
            self.start_node(node, java, libs)
        self.wait_ready(timeout)

    def wait_ready(self, timeout: float = 120.0, brokers: int | None = None) -> None:
        """Until every running node listens and the cluster lists ``brokers`` of them."""
        want = brokers if brokers is not None else sum(1 for n in self.nodes if n.proc)
        deadline = time.monotonic() + timeout
        for node in self.nodes:
            if node.proc:
                embedded.wait_port(
                    node.port, node.proc, timeout=max(1.0, deadline - time.monotonic()), what="Apache Kafka"
                )
        last = None
        while time.monotonic() < deadline:
            try:
                if len(self.brokers()) >= want:
                    return
            except Exception as exc:  # not ready yet
                last = exc
            time.sleep(0.2)
        raise TimeoutError(f"Apache Kafka did not list {want} brokers within {timeout:.0f}s ({last})")

    def brokers(self) -> list[int]:
        from kafka import KafkaAdminClient

        up = [n.address for n in self.nodes if n.proc and n.proc.poll() is None]
        admin = KafkaAdminClient(bootstrap_servers=up, request_timeout_ms=3000, **self.client_config)
        try:
            return sorted(b["broker_id"] for b in admin.describe_cluster()["brokers"])
        finally:
            admin.close()

    def stop_node(self, node: Node, timeout: float = 30.0) -> None:
        """A controlled shutdown (SIGTERM); the log stays on disk."""
        if node.proc:
            embedded.stop(node.proc, timeout)

    def kill_node(self, node: Node) -> None:
        if node.proc and node.proc.poll() is None:
            node.proc.kill()
            node.proc.wait(10)

    def stop(self, timeout: float = 30.0) -> None:
        """All nodes at once: a node stopped last would wait for a controller quorum that is gone."""
        running = [n.proc for n in self.nodes if n.proc and n.proc.poll() is None]
        for proc in running:
            proc.terminate()
        deadline = time.monotonic() + timeout
        for proc in running:
            try:
                proc.wait(max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(5)

    @property
    def procs(self) -> list[subprocess.Popen]:
        return [n.proc for n in self.nodes if n.proc]
