"""Replication of the topics `sciday topics create` makes: 1 by default (Tansu, one broker),
3 with min.insync.replicas 2 in production (deploy/sciday.env), without a broker."""

from __future__ import annotations

import kafka
import pytest

from shared import topics

pytestmark = pytest.mark.unit


class FakeAdmin:
    """Stands in for KafkaAdminClient: remembers the topics it was asked to create."""

    created: list = []

    def __init__(self, **_config):
        pass

    def list_topics(self):  # activity-events exists already (left alone); the rest once created
        return ["p.activity-events", *(t.name for t in FakeAdmin.created)]

    def create_topics(self, new_topics):
        FakeAdmin.created.extend(new_topics)

    def describe_topics(self, names):  # every listed topic, with one partition
        listed = set(self.list_topics())
        return [{"topic": n, "error_code": 0, "partitions": [{"partition": 0}]} for n in names if n in listed]

    def close(self):
        pass


@pytest.fixture
def admin(monkeypatch):
    FakeAdmin.created = []
    monkeypatch.setattr(kafka, "KafkaAdminClient", FakeAdmin)
    monkeypatch.delenv("SCIDAY_TOPIC_REPLICATION_FACTOR", raising=False)
    monkeypatch.delenv("SCIDAY_TOPIC_MIN_INSYNC_REPLICAS", raising=False)
    return FakeAdmin


def test_default_is_one_replica_and_the_brokers_min_isr(admin):
    created = topics.ensure_topics("fake:9092", "p.")
    assert "p.activity-events" not in created
    assert {t.name for t in admin.created} == {f"p.{t.name}" for t in topics.TOPICS} - {"p.activity-events"}
    # no min ISR of its own; the retention of shared/topic_retention.py (issue 24)
    assert all(t.replication_factor == 1 and set(t.topic_configs) == {"retention.ms"} for t in admin.created)
    assert {t.name: t.num_partitions for t in admin.created}["p.registration-events"] == 4


def test_production_replication_from_the_environment(admin, monkeypatch):
    monkeypatch.setenv("SCIDAY_TOPIC_REPLICATION_FACTOR", "3")
    monkeypatch.setenv("SCIDAY_TOPIC_MIN_INSYNC_REPLICAS", "2")
    topics.ensure_topics("fake:9092", "p.")
    assert admin.created
    for t in admin.created:  # the -dlq twins too
        assert t.replication_factor == 3, t.name
        assert t.topic_configs["min.insync.replicas"] == "2", t.name


def test_arguments_win_over_the_environment(admin, monkeypatch):
    monkeypatch.setenv("SCIDAY_TOPIC_REPLICATION_FACTOR", "3")
    topics.ensure_topics("fake:9092", "p.", replication_factor=2, min_insync_replicas=1)
    assert {(t.replication_factor, t.topic_configs["min.insync.replicas"]) for t in admin.created} == {
        (2, "1")
    }


@pytest.mark.parametrize("factor,min_isr", [(0, None), (3, 4), (3, 0), (1, 2)])
def test_impossible_replication_is_refused_before_any_broker_call(admin, factor, min_isr):
    with pytest.raises(ValueError):
        topics.ensure_topics("fake:9092", "p.", replication_factor=factor, min_insync_replicas=min_isr)
    assert admin.created == []


def test_the_sciday_env_file_is_the_production_setting(monkeypatch):
    from pathlib import Path

    env = dict(
        line.split("=", 1)
        for line in (Path(__file__).resolve().parents[2] / "deploy" / "sciday.env")
        .read_text(encoding="utf-8")
        .splitlines()
        if line and not line.startswith("#")
    )
    monkeypatch.setenv("SCIDAY_TOPIC_REPLICATION_FACTOR", env["SCIDAY_TOPIC_REPLICATION_FACTOR"])
    monkeypatch.setenv("SCIDAY_TOPIC_MIN_INSYNC_REPLICAS", env["SCIDAY_TOPIC_MIN_INSYNC_REPLICAS"])
    assert topics.replication() == (3, 2)


def test_topics_are_waited_for_until_described_with_partitions_even_those_another_caller_created():
    """CI: a consumer joined while another caller's new topics had no partition metadata yet, was
    assigned nothing from them, and the test waited 20 s for events that never came."""
    from shared.topic_admin import _listed

    class Slow:
        calls = 0

        def list_topics(self):
            return ["a", "b"]

        def describe_topics(self, names):
            Slow.calls += 1
            parts = [{"partition": 0}] if Slow.calls >= 3 else []
            return [{"topic": n, "error_code": 0, "partitions": parts} for n in names]

    import time

    _listed(Slow(), {"a", "b"}, time.monotonic() + 5)
    assert Slow.calls == 3
