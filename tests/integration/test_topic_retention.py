"""Topic retention (issue 24 §5): every registered topic keeps its events for the retention chosen
in shared/topic_retention.py (dead letters longer), set at creation and, by `sciday topics
create`, on topics made before."""

from __future__ import annotations

from kafka import KafkaAdminClient
from kafka.admin import ConfigResource, ConfigResourceType, NewTopic

from shared.topics import REGISTRATION_EVENTS, TOPICS, dlq_for, ensure_topics, parked_for
from tests.conftest import wait_for

DAY_MS = 24 * 3600 * 1000


def _described(admin, name: str) -> dict | None:
    got = admin.describe_configs([ConfigResource(ConfigResourceType.TOPIC, name)], config_filter="all")
    [configs] = [c for by_name in got.values() for n, c in by_name.items() if n == name]
    return configs or None


def _retention(admin, name: str) -> int:
    # A topic just created may be described with no configs for a moment (seen under load).
    configs = wait_for(lambda: _described(admin, name), timeout=10, what=f"the configs of {name}")
    entry = configs["retention.ms"]
    return int(entry["value"] if isinstance(entry, dict) else entry)


def test_topics_are_created_with_their_retention_and_dead_letters_keep_longer(settings):
    ensure_topics(settings.kafka_bootstrap_servers, settings.topic_prefix)
    admin = KafkaAdminClient(bootstrap_servers=settings.kafka_bootstrap_servers)
    try:
        main = _retention(admin, settings.topic_prefix + REGISTRATION_EVENTS)
        dlq = _retention(admin, settings.topic_prefix + dlq_for(REGISTRATION_EVENTS))
        parked = _retention(admin, settings.topic_prefix + parked_for(REGISTRATION_EVENTS))
    finally:
        admin.close()
    assert main == settings.topic_retention_days * DAY_MS == 30 * DAY_MS
    assert dlq == parked == settings.dlq_retention_days * DAY_MS > main


def test_sciday_topics_create_sets_the_retention_of_a_topic_made_before(settings):
    admin = KafkaAdminClient(bootstrap_servers=settings.kafka_bootstrap_servers)
    name = settings.topic_prefix + REGISTRATION_EVENTS
    try:
        admin.create_topics([NewTopic(name, 4, 1)])  # as main made it: the broker's default
        assert _retention(admin, name) == 7 * DAY_MS
        ensure_topics(settings.kafka_bootstrap_servers, settings.topic_prefix)
        assert _retention(admin, name) == 7 * DAY_MS  # a service's start leaves it as it is
        ensure_topics(settings.kafka_bootstrap_servers, settings.topic_prefix, set_existing=True)
        assert _retention(admin, name) == 30 * DAY_MS
        assert len(TOPICS) > 1
    finally:
        admin.close()
