"""The supervisor's view of its children: health, the status table, the state file."""

from __future__ import annotations

import time

import requests

from sciday import embedded, kafka_broker, lifeline
from sciday.stack_config import StackConfig
from sciday.stack_plan import (
    Child,
)


class StackStatus(StackConfig):
    def record(self) -> None:
        """The supervisor's pid and processes, for `sciday status` and `sciday down`."""
        rows = [
            {"name": name, "pid": proc.pid, "url": url, "health": ""}
            for name, url, proc in (
                ("redis-server", self.redis_url, self.redis_proc),
                ("kafka", f"kafka://{self.kafka}", self.kafka_proc),
            )
            if proc is not None
        ]
        rows += [
            {"name": c.name, "pid": c.proc.pid, "url": c.url, "health": c.health}
            for c in self.children
            if c.proc is not None
        ]
        lifeline.write_state(self.var, rows)

    def broker_label(self) -> str:
        if self.broker == "kafka":
            return f"kafka (Apache Kafka {kafka_broker.KAFKA_VERSION}, KRaft)"
        return f"tansu (Kafka protocol, {embedded.tansu_version()}, memory only)"

    def wait_healthy(self, timeout: float = 60.0) -> bool:
        deadline = time.monotonic() + timeout
        pending = [c for c in self.children if c.health]
        while pending and time.monotonic() < deadline:
            for c in list(pending):
                if self.health_of(c) == "healthy":
                    pending.remove(c)
                elif c.proc is not None and c.proc.poll() is not None:
                    raise RuntimeError(
                        f"{c.name} exited with {c.proc.returncode}; see {self.logs / (c.name + '.log')}"
                    )
            time.sleep(0.2)
        return not pending

    def health_of(self, c: Child) -> str:
        if c.proc is None or c.proc.poll() is not None:
            return "down"
        if not c.health:
            return "running"
        try:
            r = requests.get(c.health, timeout=2)
            return "healthy" if r.status_code == 200 else f"unhealthy ({r.json().get('reason')})"
        except (requests.RequestException, ValueError):
            return "starting"

    def status_table(self) -> str:
        rows = [("process", "url", "pid", "health")]
        if self.redis_proc:
            rows.append(
                (
                    "redis-server",
                    self.redis_url,
                    str(self.redis_proc.pid),
                    "running" if self.redis_proc.poll() is None else "down",
                )
            )
        if self.kafka_proc:
            rows.append(
                (
                    self.broker_label(),
                    f"kafka://{self.kafka}",
                    str(self.kafka_proc.pid),
                    "running" if self.kafka_proc.poll() is None else "down",
                )
            )
        for c in self.children:
            rows.append((c.name, c.url or "-", str(c.proc.pid if c.proc else "-"), self.health_of(c)))
        widths = [max(len(r[i]) for r in rows) for i in range(4)]
        return "\n".join("  ".join(v.ljust(w) for v, w in zip(r, widths)) for r in rows)
