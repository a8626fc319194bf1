"""Kafka SASL/SCRAM with ACLs per service (sciday/credentials.py) on the local Apache Kafka (KRaft,
StandardAuthorizer): each service produces and consumes its own topics as its own SCRAM user, and
is refused anything else; without a user or with a wrong password nothing connects."""

from __future__ import annotations

import json

import pytest
from kafka import KafkaProducer
from kafka.errors import (
    GroupAuthorizationFailedError,
    KafkaError,
    TopicAuthorizationFailedError,
)

from sciday import credentials, embedded, kafka_broker
from shared.config import load
from shared.kafka import make_consumer, make_producer, send_envelope
from shared.topics import ensure_topics
from tests.conftest import wait_for

PREFIX = "sasl."


@pytest.fixture(scope="module")
def sasl_kafka(tmp_path_factory):
    try:
        kafka_broker.available(lambda _msg: None)
    except kafka_broker.BrokerUnavailable as exc:
        pytest.skip(f"Apache Kafka cannot run here: {exc}")
    base = tmp_path_factory.mktemp("sasl-kafka")
    passwords = credentials.ensure_passwords(base / "secrets", "kafka")
    cluster = kafka_broker.KafkaCluster(
        base / "kafka",
        [embedded.free_port()],
        log_path=base / "kafka.log",
        sasl_admin=(credentials.ADMIN, passwords[credentials.ADMIN]),
    )
    cluster.start()
    try:
        ensure_topics(cluster.bootstrap, PREFIX, client_config=cluster.client_config)
        assert credentials.apply_kafka(cluster.bootstrap, passwords, PREFIX) > 0
        yield cluster, passwords
    finally:
        cluster.stop()


def settings_of(sasl_kafka, user: str, password: str | None = None):
    cluster, passwords = sasl_kafka
    return load(
        {
            "kafka_bootstrap_servers": cluster.bootstrap,
            "topic_prefix": PREFIX,
            "kafka_security_protocol": "SASL_PLAINTEXT",
            "kafka_username": user,
            "kafka_password": password or passwords[user],
            "kafka_idempotent_producer": True,
        }
    )


def envelope(aid: str = "sasl-imax") -> dict:
    return {"event_id": f"e-{aid}", "type": "ActivityPublished", "activity_id": aid, "data": {}}


def test_registration_produces_its_topic_and_checkin_reads_it_in_its_group(sasl_kafka):
    reg = settings_of(sasl_kafka, "registration")
    producer = make_producer(reg)
    send_envelope(producer, reg, "activity-events", envelope("sasl-ok")).get(timeout=20)
    producer.close()

    ck = settings_of(sasl_kafka, "checkin")
    consumer = make_consumer(ck, "checkin-projection", ["activity-events"], consumer_timeout_ms=500)
    seen: list[dict] = []

    def got_it():
        seen.extend(json.loads(m.value) for m in consumer)
        return [e for e in seen if e["activity_id"] == "sasl-ok"]

    wait_for(got_it, timeout=40, what="the event read by checkin-projection as checkin")
    consumer.commit()
    consumer.close()


def test_an_unauthorised_produce_is_refused(sasl_kafka):
    """notify may not write registration-events; registration may not write checkin-events."""
    for user, topic in (("notify", "registration-events"), ("registration", "checkin-events")):
        s = settings_of(sasl_kafka, user)
        producer = make_producer(s, max_block_ms=5000)
        try:
            with pytest.raises(TopicAuthorizationFailedError):
                send_envelope(producer, s, topic, envelope()).get(timeout=20)
        finally:
            producer.close(timeout=5)


def test_a_service_may_not_read_anothers_topic_or_join_anothers_group(sasl_kafka):
    nt = settings_of(sasl_kafka, "notify")
    # notify's user in checkin's group: refused.
    consumer = make_consumer(nt, "checkin-projection", ["activity-events"], consumer_timeout_ms=500)
    with pytest.raises(GroupAuthorizationFailedError):
        for _ in range(20):
            consumer.poll(timeout_ms=500)
    consumer.close()
    # registration reads nothing at all (it has no consumer group and no READ on any topic).
    reg = settings_of(sasl_kafka, "registration")
    consumer = make_consumer(reg, "notify", ["registration-events"], consumer_timeout_ms=500)
    with pytest.raises((GroupAuthorizationFailedError, TopicAuthorizationFailedError)):
        for _ in range(20):
            consumer.poll(timeout_ms=500)
    consumer.close()


def test_no_user_or_a_wrong_password_does_not_connect(sasl_kafka):
    cluster, _ = sasl_kafka
    # No SASL at all: the broker never answers a plain client, so no metadata, no send.
    plain = KafkaProducer(bootstrap_servers=cluster.bootstrap, api_version=(3, 0), max_block_ms=2000)
    with pytest.raises(KafkaError):
        plain.send(PREFIX + "activity-events", b"x").get(timeout=5)
    plain.close(timeout=1)
    bad = settings_of(sasl_kafka, "registration", password="wrong")
    with pytest.raises(KafkaError):
        producer = make_producer(bad, api_version=(3, 0), max_block_ms=2000)
        send_envelope(producer, bad, "activity-events", envelope()).get(timeout=5)


def test_monitoring_describes_topics_groups_and_the_cluster_but_reads_and_writes_nothing(sasl_kafka):
    """The exporters' user (sciday/monitoring_user.py): metadata, group offsets (lag) and the
    cluster's configs; producing and consuming are refused."""
    from kafka import KafkaAdminClient
    from kafka.admin import ConfigResource, ConfigResourceType

    from sciday.monitoring_user import MONITOR
    from shared.kafka import security

    mon = settings_of(sasl_kafka, MONITOR)
    admin = KafkaAdminClient(
        bootstrap_servers=mon.kafka_bootstrap_servers, request_timeout_ms=10000, **security(mon)
    )
    try:
        described = admin.describe_topics([PREFIX + "registration-events"])
        assert described[0]["error_code"] == 0 and described[0]["partitions"]

        # Lag: a group's committed offsets (refused without Describe on the group).
        def offsets() -> bool:
            try:
                admin.list_group_offsets({PREFIX + "checkin-projection": None})
            except (
                KafkaError
            ) as exc:  # __consumer_offsets being made; an authorisation error is not retriable
                if not exc.retriable:
                    raise
                return False
            return True

        wait_for(offsets, timeout=30, what="checkin-projection's offsets read as monitoring")
        broker = str(admin.describe_cluster()["brokers"][0]["broker_id"])
        configs = admin.describe_configs(
            [ConfigResource(ConfigResourceType.BROKER, broker)], config_filter="all"
        )
        assert "log.retention.ms" in configs["broker"][broker]
    finally:
        admin.close()
    producer = make_producer(mon, max_block_ms=5000)
    try:
        # Refused at the topic, or before it at the idempotent producer's id (no IdempotentWrite).
        with pytest.raises(KafkaError, match="(Topic|Cluster)AuthorizationFailed"):
            send_envelope(producer, mon, "registration-events", envelope("sasl-mon")).get(timeout=20)
    finally:
        producer.close(timeout=5)
    consumer = make_consumer(mon, "checkin-projection", ["activity-events"], consumer_timeout_ms=500)
    with pytest.raises((GroupAuthorizationFailedError, TopicAuthorizationFailedError)):
        for _ in range(20):
            consumer.poll(timeout_ms=500)
    consumer.close()
