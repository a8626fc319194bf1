"""One source for the broker settings: sciday/kafka_broker.py (the local three-broker cluster of
the drills) against docker-compose.yml, deploy/sciday.env and the Kubernetes config map; and the
pinned Kafka version against sciday/kafka/pom.xml."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from pathlib import Path

import yaml

from sciday import kafka_broker

ROOT = Path(__file__).resolve().parents[2]


def compose_kafka_env() -> dict[str, str]:
    doc = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    env = doc["x-kafka-env"]
    # KAFKA_MIN_INSYNC_REPLICAS -> min.insync.replicas, as the apache/kafka image maps them
    return {
        k[len("KAFKA_") :].lower().replace("_", "."): str(v).lower()
        for k, v in env.items()
        if k.startswith("KAFKA_")
    }


def env_file(path: Path) -> dict[str, str]:
    out = {}
    for line in path.read_text().splitlines():
        m = re.match(r"^([A-Z0-9_]+)=(.*)$", line.strip())
        if m:
            out[m.group(1)] = m.group(2)
    return out


def test_compose_brokers_have_the_cluster_settings_of_the_drills():
    compose = compose_kafka_env()
    for key, value in kafka_broker.CLUSTER_SETTINGS.items():
        assert compose.get(key) == value, (key, compose.get(key), value)


def test_compose_brokers_have_the_sasl_listeners_and_authorizer_of_make_run():
    """SASL only, PLAIN for the brokers and the admin, SCRAM for the services, the StandardAuthorizer
    (docs/privacy.md): the same settings as the Apache Kafka `make run` starts."""
    compose = compose_kafka_env()
    for key, value in kafka_broker.SASL_LISTENERS.items():
        if key == "listener.security.protocol.map":
            assert set(compose[key].upper().split(",")) == set(value.split(",")), key
        else:
            assert compose[key] == value.lower(), (key, compose.get(key), value)
    assert compose["super.users"] == "user:sciday-admin"
    assert compose["opts"].startswith("-djava.security.auth.login.config=/run/secrets/")
    assert compose["process.roles"] == "broker,controller"


def test_topic_replication_in_the_env_file_and_the_config_map_matches_the_brokers():
    want = {
        "SCIDAY_TOPIC_REPLICATION_FACTOR": kafka_broker.CLUSTER_SETTINGS["default.replication.factor"],
        "SCIDAY_TOPIC_MIN_INSYNC_REPLICAS": kafka_broker.CLUSTER_SETTINGS["min.insync.replicas"],
        "SCIDAY_KAFKA_IDEMPOTENT_PRODUCER": "1",
    }
    env = env_file(ROOT / "deploy" / "sciday.env")
    config_map = yaml.safe_load((ROOT / "deploy" / "k8s" / "configmap.yaml").read_text())["data"]
    for key, value in want.items():
        assert env[key] == value, key
        assert config_map[key] == value, key


def test_the_single_node_differs_from_the_cluster_only_in_replication():
    differ = {
        k
        for k in kafka_broker.CLUSTER_SETTINGS
        if kafka_broker.SINGLE_SETTINGS[k] != kafka_broker.CLUSTER_SETTINGS[k]
    }
    assert differ == {
        "default.replication.factor",
        "min.insync.replicas",
        "offsets.topic.replication.factor",
        "transaction.state.log.replication.factor",
        "transaction.state.log.min.isr",
    }
    assert all(kafka_broker.SINGLE_SETTINGS[k] == "1" for k in differ)


def test_the_pom_pins_the_version_the_code_names():
    ns = {"m": "http://maven.apache.org/POM/4.0.0"}
    pom = ET.parse(kafka_broker.POM).getroot()
    assert pom.find("m:properties/m:kafka.version", ns).text == kafka_broker.KAFKA_VERSION


def test_the_cluster_properties_name_every_voter_and_the_node_itself(tmp_path):
    cluster = kafka_broker.KafkaCluster(tmp_path, [19092, 19192, 19292])
    props = dict(line.split("=", 1) for line in cluster.properties(cluster.nodes[1]).splitlines() if line)
    assert props["node.id"] == "2"
    assert props["process.roles"] == "broker,controller"
    assert props["advertised.listeners"] == "PLAINTEXT://127.0.0.1:19192"
    voters = props["controller.quorum.voters"].split(",")
    assert [v.split("@")[0] for v in voters] == ["1", "2", "3"]
    assert props["min.insync.replicas"] == "2" and props["default.replication.factor"] == "3"
    assert props["log.dirs"] == str(tmp_path.resolve() / "node-2" / "data")


def test_the_cluster_id_is_made_once_and_kept(tmp_path):
    first = kafka_broker.KafkaCluster(tmp_path, [19092]).cluster_id
    again = kafka_broker.KafkaCluster(tmp_path, [19092]).cluster_id
    assert first == again and len(first) == 22
    assert (tmp_path / "cluster-id").read_text().strip() == first


def test_a_cluster_id_never_starts_with_a_dash():
    # 1 in 64 random ids would; the storage tool then took `-t -abc…` for an option (drill run 5)
    ids = [kafka_broker.new_cluster_id() for _ in range(2000)]
    assert all(len(i) == 22 and not i.startswith("-") for i in ids)
