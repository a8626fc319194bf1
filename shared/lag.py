"""How far behind the relays and consumers are (issue 24): one computation for the workers'
metrics pages and the operator's CLI.

- An outbox's lag is what its relay has not sent yet: the entries of the stream after the relay's
  cursor (shared/outbox.py), their number and the age of the oldest one (a stream id starts with
  its time in milliseconds). An idle relay has lag 0 however old the stream is.
- A consumer group's lag is, per partition of the topics it reads, the end offset minus the
  group's committed offset (all of it when the group never committed).
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from prometheus_client.core import GaugeMetricFamily

from shared.config import Settings
from shared.outbox_keys import cursor_key, stream_key

# Counting further than this would make a scrape walk a huge backlog: the count stops here and
# the age (which is what the alert watches) is exact anyway.
COUNT_CAP = 10_000


@dataclass(frozen=True)
class OutboxBehind:
    stream: str
    entries: int  # after the cursor, up to COUNT_CAP
    age_s: float  # of the oldest entry after the cursor; 0 when none


def _ms(entry_id: bytes | str) -> int:
    text = entry_id.decode() if isinstance(entry_id, bytes) else entry_id
    return int(text.split("-", 1)[0])


def outbox_lag(
    redis: Any, settings: Settings, stream: str = "outbox", now: float | None = None
) -> OutboxBehind:
    """What the relay of ``stream`` has still to send."""
    cursor = redis.get(cursor_key(settings, stream)) or b"0-0"
    key = stream_key(settings, stream)
    start = b"(" + (cursor if isinstance(cursor, bytes) else str(cursor).encode())
    first = redis.xrange(key, min=start, max="+", count=1)
    if not first:
        return OutboxBehind(stream, 0, 0.0)
    entries = len(redis.xrange(key, min=start, max="+", count=COUNT_CAP))
    t = time.time() if now is None else now
    return OutboxBehind(stream, entries, max(0.0, t - _ms(first[0][0]) / 1000.0))


class OutboxLag:
    """A Prometheus collector read at each scrape: ``sciday_outbox_lag_seconds{stream}`` and
    ``sciday_outbox_lag_entries{stream}``."""

    def __init__(self, redis: Any, settings: Settings, streams: list[str]):
        self.redis, self.settings, self.streams = redis, settings, streams

    def collect(self) -> Iterator[GaugeMetricFamily]:
        age = GaugeMetricFamily(
            "sciday_outbox_lag_seconds",
            "Age of the oldest outbox entry its relay has not sent yet (0 when none)",
            labels=["stream"],
        )
        count = GaugeMetricFamily(
            "sciday_outbox_lag_entries", "Outbox entries after the relay's cursor", labels=["stream"]
        )
        for stream in self.streams:
            try:
                behind = outbox_lag(self.redis, self.settings, stream)
            except Exception:  # Redis away: nothing to report; the relay's own waits count it
                continue
            age.add_metric([stream], behind.age_s)
            count.add_metric([stream], float(behind.entries))
        yield age
        yield count


def consumer_lag(settings: Settings, group: str, topics: list[str], admin: Any = None) -> dict[str, int]:
    """Records not yet committed by ``group``, per topic (names without the topic prefix): the
    operator's view (kafka-exporter's kafka_consumergroup_lag_sum in production)."""
    from kafka import KafkaAdminClient, KafkaConsumer, TopicPartition

    from shared.kafka import security

    own = admin is None
    if own:
        admin = KafkaAdminClient(
            bootstrap_servers=settings.kafka_bootstrap_servers,
            client_id="sciday-lag",
            request_timeout_ms=5000,
            **security(settings),
        )
    probe = KafkaConsumer(
        bootstrap_servers=settings.kafka_bootstrap_servers,
        client_id="sciday-lag",
        enable_auto_commit=False,
        request_timeout_ms=6000,
        **security(settings),
    )
    try:
        group_id = settings.topic_prefix + group  # as make_consumer names it
        committed = _committed(admin, group_id)
        parts = [
            TopicPartition(settings.topic_prefix + t, p)
            for t in topics
            for p in sorted(probe.partitions_for_topic(settings.topic_prefix + t) or ())
        ]
        ends = probe.end_offsets(parts) if parts else {}
        lag: dict[str, int] = {t: 0 for t in topics}
        for tp, end in ends.items():
            meta = committed.get(tp)
            done = meta.offset if meta is not None and meta.offset >= 0 else 0
            lag[tp.topic[len(settings.topic_prefix) :]] += max(0, end - done)
        return lag
    finally:
        probe.close()
        if own:
            admin.close()


def _committed(admin: Any, group_id: str, attempts: int = 20) -> dict[Any, Any]:
    """The group's commits; a broker that is still electing the group's coordinator (a new
    cluster, a broker restart) is asked again for up to ``attempts`` half-seconds."""
    from kafka.errors import CoordinatorNotAvailableError

    for attempt in range(attempts):
        try:
            return dict(admin.list_group_offsets({group_id: None}).get(group_id, {}))
        except CoordinatorNotAvailableError:
            if attempt == attempts - 1:
                raise
            time.sleep(0.5)
    return {}
