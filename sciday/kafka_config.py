"""Apache Kafka's configuration as sciday runs it: the broker settings, listeners and SASL, the
files a node is started with (``server.properties``, log4j2, JAAS) and its command line.
``sciday.kafka_broker`` starts the nodes and re-exports these names."""

from __future__ import annotations

import base64
import os
import subprocess
import uuid
from dataclasses import dataclass
from pathlib import Path

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


class NodeFiles:
    """A cluster's node files and command lines, mixed into :class:`sciday.kafka_broker.KafkaCluster`."""

    home: Path
    nodes: list[Node]
    settings: dict
    sasl_admin: tuple[str, str] | None

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
