"""Where a consumer loop notes that it halted (shared/consumer.py), and the metric that shows it.

The halted process itself is gone (exit status 3), so its own ``sciday_consumer_halted`` gauge
cannot be scraped. The note it leaves in Redis can: every web service's ``/metrics`` reports
``sciday_consumer_halt_noted{group}`` = 1 for each group whose last run halted and has not
handled a record since.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from prometheus_client.core import GaugeMetricFamily


def halt_key(prefix: str, group: str) -> str:
    """Where the last halt of a group is noted (JSON), for the operator; cleared by the next success."""
    return f"{prefix}consumer-halt:{group}"


class HaltNotes:
    """A Prometheus collector: ``sciday_consumer_halt_noted{group}`` from the notes in Redis."""

    def __init__(self, redis: Any, prefix: str):
        self.redis, self.prefix = redis, prefix

    def collect(self) -> Iterator[GaugeMetricFamily]:
        family = GaugeMetricFamily(
            "sciday_consumer_halt_noted",
            "1 while a consumer group's last run halted on persistent failures (docs/kafka.md)",
            labels=["group"],
        )
        try:
            keys = list(self.redis.scan_iter(match=halt_key(self.prefix, "*"), count=100))
        except Exception:  # Redis away: /healthz says so; the metrics page still answers
            keys = []
        start = len(halt_key(self.prefix, ""))
        for key in keys:
            group = key.decode() if isinstance(key, bytes) else str(key)
            family.add_metric([group[start:]], 1.0)
        yield family
