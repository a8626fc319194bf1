"""Apache Kafka (KRaft) as local child processes: one broker for `sciday up` and the tests, three
for the fault drills.

The jars come from Maven Central through ``sciday/kafka/pom.xml`` (``mvn
dependency:copy-dependencies``) into a cache outside the work tree, the same ``libs/`` folder
the Kafka tarball ships.  Each node is one JVM that is broker and controller at once, with a
capped heap and its log directory formatted once with a cluster id kept next to it.
"""

from __future__ import annotations

import base64
import hashlib
import os
import re
import shutil
import subprocess
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from sciday import embedded

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
CLUSTER_SETTINGS = {
    "default.replication.factor": "3",
    "min.insync.replicas": "2",
    "offsets.topic.replication.factor": "3",
    "transaction.state.log.replication.factor": "3",
    "transaction.state.log.min.isr": "2",
    "unclean.leader.election.enable": "false",
    "auto.create.topics.enable": "false",
}
# One node: everything at 1, otherwise the same.
SINGLE_SETTINGS = {
    **CLUSTER_SETTINGS,
    "default.replication.factor": "1",
    "min.insync.replicas": "1",
    "offsets.topic.replication.factor": "1",
    "transaction.state.log.replication.factor": "1",
    "transaction.state.log.min.isr": "1",
}
# The drills only: the controller fences a silent broker after 3 s instead of 9 s (Kafka's
# broker.session.timeout.ms default, which production keeps), so a leader's death is handled
# sooner; what happens is the same.
QUICK_FAILOVER = {
    "broker.session.timeout.ms": "3000",
    "broker.heartbeat.interval.ms": "500",
}
LISTENERS = {
    "listener.security.protocol.map": "CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT",
    "controller.listener.names": "CONTROLLER",
    "inter.broker.listener.name": "PLAINTEXT",
}
# With credentials (sciday/credentials.py; the same in docker-compose.yml, which a unit test
# checks): every listener takes SASL only.  The brokers and the admin log in with PLAIN, from a
# JAAS file (SCRAM users live in the cluster metadata, so the controllers and the first admin
# cannot use them; no --add-scram at format time either, so a log directory from before keeps
# working); each sciday service logs in as its own SCRAM-SHA-512 user, which the admin creates,
# and the StandardAuthorizer lets it do only what its ACLs allow.
SASL_MECHANISM = "SCRAM-SHA-512"
SASL_LISTENERS = {
    "listener.security.protocol.map": "CONTROLLER:SASL_PLAINTEXT,CLIENT:SASL_PLAINTEXT",
    "controller.listener.names": "CONTROLLER",
    "inter.broker.listener.name": "CLIENT",
    "sasl.enabled.mechanisms": f"PLAIN,{SASL_MECHANISM}",
    "sasl.mechanism.inter.broker.protocol": "PLAIN",
    "sasl.mechanism.controller.protocol": "PLAIN",
    "authorizer.class.name": "org.apache.kafka.metadata.authorizer.StandardAuthorizer",
    "allow.everyone.if.no.acl.found": "false",
}


def jaas_text(admin: str, password: str) -> str:
    """The brokers' JAAS file: the admin's PLAIN login (the only PLAIN user), SCRAM for the rest."""
    plain = "org.apache.kafka.common.security.plain.PlainLoginModule"
    scram = "org.apache.kafka.common.security.scram.ScramLoginModule"
    return (
        f'KafkaServer {{\n  {plain} required\n    username="{admin}" password="{password}"\n'
        f'    user_{admin}="{password}";\n  {scram} required;\n}};\n'
    )


def admin_client_config(admin: str, password: str) -> dict:
    """kafka-python settings of the admin's PLAIN login."""
    return dict(
        security_protocol="SASL_PLAINTEXT",
        sasl_mechanism="PLAIN",
        sasl_plain_username=admin,
        sasl_plain_password=password,
    )


# Local only: a group forms at once (no 3 s wait for more members), fewer offsets partitions,
# smaller segments.
LOCAL_TUNING = {
    "group.initial.rebalance.delay.ms": "0",
    # The first group on a new broker creates __consumer_offsets: 4 partitions load in a moment,
    # Kafka's 50 took seconds (NotCoordinator meanwhile) on a busy 2-core machine.
    "offsets.topic.num.partitions": "4",
    "log.segment.bytes": str(64 * 1024 * 1024),
    "num.partitions": "4",
    "log.retention.hours": "168",
}

LOG4J2 = """\
# written by sciday.kafka_broker: warnings and the broker's own lifecycle lines
rootLogger.level = WARN
rootLogger.appenderRef.stdout.ref = STDOUT
appender.stdout.type = Console
appender.stdout.name = STDOUT
appender.stdout.layout.type = PatternLayout
appender.stdout.layout.pattern = [%d] %p %m (%c)%n
logger.server.name = kafka.server.KafkaRaftServer
logger.server.level = INFO
logger.broker.name = kafka.server.BrokerServer
logger.broker.level = INFO
"""


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
def new_cluster_id() -> str:
    """A KRaft cluster id (22 characters of URL-safe base64).  Like Kafka's own ``random-uuid``,
    never one starting with ``-``: the storage tool would read ``-t -abc…`` as an option."""
    while True:
        cid = base64.urlsafe_b64encode(uuid.uuid4().bytes).decode().rstrip("=")
        if not cid.startswith("-"):
            return cid


@dataclass
class Node:
    node_id: int
    port: int
    controller_port: int
    home: Path
    proc: subprocess.Popen | None = None

    @property
    def log_dir(self) -> Path:
        return self.home / "data"

    @property
    def address(self) -> str:
        return f"127.0.0.1:{self.port}"


@dataclass
class KafkaCluster:
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

    @property
    def cluster_id(self) -> str:
        path = self.home / "cluster-id"
        if not path.exists():
            self.home.mkdir(parents=True, exist_ok=True)
            path.write_text(new_cluster_id() + "\n")
        return path.read_text().strip()

    @property
    def client_config(self) -> dict:
        """What an admin client needs besides the bootstrap servers."""
        return admin_client_config(*self.sasl_admin) if self.sasl_admin else {}

    def properties(self, node: Node) -> str:
        voters = ",".join(f"{n.node_id}@127.0.0.1:{n.controller_port}" for n in self.nodes)
        client = "CLIENT" if self.sasl_admin else "PLAINTEXT"
        props = {
            "process.roles": "broker,controller",
            "node.id": str(node.node_id),
            "controller.quorum.voters": voters,
            "listeners": f"{client}://127.0.0.1:{node.port},CONTROLLER://127.0.0.1:{node.controller_port}",
            "advertised.listeners": f"{client}://127.0.0.1:{node.port}",
            **(
                {**SASL_LISTENERS, "super.users": f"User:{self.sasl_admin[0]}"}
                if self.sasl_admin
                else LISTENERS
            ),
            "log.dirs": str(node.log_dir),
            **self.settings,
            **LOCAL_TUNING,
        }
        return "".join(f"{k}={v}\n" for k, v in props.items())

    def _write_config(self, node: Node) -> Path:
        node.home.mkdir(parents=True, exist_ok=True)
        (node.home / "log4j2.properties").write_text(LOG4J2)
        path = node.home / "server.properties"
        path.write_text(self.properties(node))
        if self.sasl_admin:
            jaas = node.home / "kafka-jaas.conf"  # the admin's password: private
            with os.fdopen(os.open(jaas, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600), "w") as fh:
                fh.write(jaas_text(*self.sasl_admin))
        return path

    def _java(self, java: str, libs: Path, node: Node, main: list[str], heap: str) -> list[str]:
        return [
            java,
            f"-Xmx{heap}",
            f"-Xms{heap}",
            "-XX:+UseG1GC",
            "-XX:MaxGCPauseMillis=20",
            "-Djava.awt.headless=true",
            f"-Dlog4j2.configurationFile={node.home / 'log4j2.properties'}",
            *(
                [f"-Djava.security.auth.login.config={node.home / 'kafka-jaas.conf'}"]
                if self.sasl_admin
                else []
            ),
            "-cp",
            f"{libs}/*",
            *main,
        ]

    def format(self, java: str, libs: Path, node: Node) -> None:
        """Format the node's log directory once (a formatted one is left as it is)."""
        config = self._write_config(node)
        if (node.log_dir / "meta.properties").exists():
            return
        done = subprocess.run(
            self._java(
                java,
                libs,
                node,
                ["kafka.tools.StorageTool", "format", "-t", self.cluster_id, "-c", str(config)],
                "128m",
            ),
            capture_output=True,
            text=True,
            timeout=120,
        )
        if done.returncode != 0:
            raise RuntimeError(f"formatting {node.log_dir} failed: {(done.stdout + done.stderr)[-500:]}")

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
