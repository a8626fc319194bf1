"""Issue 24 §9: `sciday lag` shows what each consumer group and outbox relay has still to do."""

from __future__ import annotations

from sciday.cli import main
from shared.envelope import encode
from shared.kafka import make_producer
from shared.outbox import stream_key
from shared.topics import ensure_topics
from tests.conftest import waitlisted_event


def test_lag_counts_uncommitted_records_per_group_and_unrelayed_outbox_entries(
    settings, redis, monkeypatch, tmp_path, capsys
):
    ensure_topics(settings.kafka_bootstrap_servers, settings.topic_prefix)
    producer = make_producer(settings)
    for i in range(3):
        ev = waitlisted_event(rid=f"r-lag-{i}")
        producer.send(settings.topic_prefix + "registration-events", key=b"a1", value=encode(ev)).get(10)
    producer.close()
    redis.xadd(stream_key(settings, "ck:outbox"), {"envelope": b"{}"})
    for name, value in (
        ("SCIDAY_REDIS_PREFIX", settings.redis_prefix),
        ("SCIDAY_TOPIC_PREFIX", settings.topic_prefix),
        ("SCIDAY_VAR_DIR", str(tmp_path)),
        ("REDIS_URL", settings.redis_url),
        ("KAFKA_BOOTSTRAP_SERVERS", settings.kafka_bootstrap_servers),
    ):
        monkeypatch.setenv(name, value)
    assert main(["lag"]) == 0
    out = capsys.readouterr().out
    rows = {tuple(line.split()[:3]) for line in out.splitlines()}
    for group in ("checkin-projection", "notify", "registration-noshow"):
        assert (group, "registration-events", "3") in rows
    assert ("checkin-projection", "activity-events", "0") in rows
    assert any(line.split()[:1] == ["ck:outbox"] and " 1 " in line for line in out.splitlines())
