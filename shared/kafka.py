"""Producer and consumer factories with the settings that work on Tansu and on Apache Kafka.

- Producers: ``acks='all'``, ``linger_ms=5``; idempotent on Apache Kafka
  (``SCIDAY_KAFKA_IDEMPOTENT_PRODUCER=1``: a retried batch is not written twice), off on Tansu (it
  forgets producer ids on restart, which breaks an idempotent producer for good).  Duplicates
  either way (the relay re-sends after a crash) are removed by the consumers, which dedupe on
  ``event_id``.
- Consumers: manual commits, ``auto_offset_reset='earliest'`` (Tansu's "latest" is wrong),
  no topic auto-creation, and a short session timeout so a group join takes ~3 s, not ~23 s.
  Group ids get ``SCIDAY_TOPIC_PREFIX`` in front, like topic names.
"""

from __future__ import annotations

from typing import Any

from kafka import KafkaConsumer, KafkaProducer

from shared.config import Settings
from shared.envelope import encode


def security(settings: Settings) -> dict[str, Any]:
    """The client's SASL settings: the service's own SCRAM user (sciday/credentials.py) when
    ``kafka_security_protocol`` is SASL_*, nothing on a plain listener."""
    if not settings.kafka_security_protocol.upper().startswith("SASL"):
        return {}
    return dict(
        security_protocol=settings.kafka_security_protocol.upper(),
        sasl_mechanism=settings.kafka_sasl_mechanism,
        sasl_plain_username=settings.kafka_username,
        sasl_plain_password=settings.kafka_password,
    )


def make_producer(settings: Settings, **overrides: Any) -> KafkaProducer:
    config: dict[str, Any] = dict(
        bootstrap_servers=settings.kafka_bootstrap_servers,
        **security(settings),
        acks="all",
        enable_idempotence=settings.kafka_idempotent_producer,
        linger_ms=5,
        retries=10,
        retry_backoff_ms=200,
        request_timeout_ms=10000,
        max_block_ms=10000,
        allow_auto_create_topics=False,
        client_id="sciday-producer",
    )
    config.update(overrides)
    return KafkaProducer(**config)


def make_consumer(
    settings: Settings, group_id: str, topics: list[str], listener: Any = None, **overrides: Any
) -> KafkaConsumer:
    config: dict[str, Any] = dict(
        bootstrap_servers=settings.kafka_bootstrap_servers,
        **security(settings),
        # The group id carries the topic prefix, as the topics do: stacks sharing a broker (tests,
        # staging) must not share groups.  A group whose members subscribe to different topics
        # gets a leader without metadata for the others' topics, and those members get no partition.
        group_id=settings.topic_prefix + group_id,
        enable_auto_commit=False,
        auto_offset_reset="earliest",
        allow_auto_create_topics=False,
        session_timeout_ms=settings.kafka_session_timeout_ms,
        heartbeat_interval_ms=settings.kafka_heartbeat_interval_ms,
        metadata_max_age_ms=settings.kafka_metadata_max_age_ms,
        fetch_max_wait_ms=settings.kafka_fetch_max_wait_ms,
        fetch_min_bytes=settings.kafka_fetch_min_bytes,
        max_poll_records=settings.kafka_max_poll_records,
        client_id=f"sciday-{group_id}",
    )
    config.update(overrides)
    consumer = KafkaConsumer(**config)
    if listener is not None:
        consumer.subscribe([settings.topic_prefix + t for t in topics], listener=listener)
    else:
        consumer.subscribe([settings.topic_prefix + t for t in topics])
    return consumer


def send_envelope(
    producer: KafkaProducer,
    settings: Settings,
    topic: str,
    envelope: dict[str, Any],
    headers: list[tuple[str, bytes]] | None = None,
) -> Any:
    """Send one envelope keyed by its activity id; returns the send future."""
    return producer.send(
        settings.topic_prefix + topic,
        key=envelope["activity_id"].encode(),
        value=encode(envelope),
        headers=headers or [],
    )
