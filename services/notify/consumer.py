"""Entry point of the notification worker: ``python -m services.notify.consumer``.

One process, five threads, all state in Redis:

- the Kafka consumer loop (main thread) records projection, reminders and intents, and commits;
- one sender per channel (SMS, email) drains its own queue at its own rate;
- the reminder loop turns due reminders into intents;
- the publisher moves NotificationSent / NotificationFailed and dead letters to Kafka.

Threads, not processes: every one of them waits on the network (Kafka, Redis, the SMS gateway,
SMTP), so the GIL costs nothing, and one process is one thing to supervise.  They share no memory
state: a worker killed with SIGKILL loses nothing, and several workers can run side by side
(the queue claim is atomic and leased, reminders and intents dedupe).
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field

import redis as redis_lib

from services.notify.channels import email, sms
from services.notify.channels.sender import RateLimit, Sender
from services.notify.delivery.batches import BatchHandler
from services.notify.delivery.intents import Deliveries
from services.notify.delivery.publisher import Publisher
from services.notify.delivery.usecases import Notices
from services.notify.projection import Projection
from services.notify.reminders.schedule import Reminders, parse_offsets
from shared import logs, periodic, sealed, shredding
from shared.clock import SYSTEM_CLOCK, Clock
from shared.config import Settings, load
from shared.consumer import ConsumerLoop, TransientError
from shared.kafka import security
from shared.redis_scripts import OUTAGE, connect_as
from shared.topics import TOPICS as REGISTRY

log = logging.getLogger("sciday.notify")
GROUP = "notify"
TOPICS = [t.name for t in REGISTRY if GROUP in t.consumers]  # activity-events, registration-events


@dataclass
class Worker:
    settings: Settings
    redis: object
    projection: Projection
    deliveries: Deliveries
    reminders: Reminders
    notices: Notices
    senders: dict
    publisher: Publisher
    stop: threading.Event = field(default_factory=threading.Event)
    threads: list = field(default_factory=list)
    loop: ConsumerLoop | None = None

    def handle(self, envelope: dict) -> None:
        try:
            self.notices.handle(envelope)
        except OUTAGE:
            raise  # Redis away: the consumer loop waits for it and handles this event again
        except redis_lib.RedisError as exc:  # any other store hiccup: retry, do not dead-letter
            raise TransientError(f"redis: {exc}") from exc

    def consumer_loop(self) -> ConsumerLoop:
        if self.loop is None:
            self.loop = ConsumerLoop(
                self.settings,
                GROUP,
                TOPICS,
                self.handle,
                self.redis,
                batch_handler=BatchHandler(self.notices, self.handle),
                # People wait for this one: a confirmation waits at most 100 ms for more events
                # (with the projection's 64 KiB / 500 ms the hand-off at 8/s took p50 512 ms,
                # p95 1,095 ms); during a rush it still takes them ~16 at a time.
                consumer_overrides={"fetch_min_bytes": 16384, "fetch_max_wait_ms": 100},
            )
        return self.loop

    def start_background(
        self, *, senders: bool = True, reminders: bool = True, publisher: bool = True
    ) -> None:
        jobs: list[tuple[str, Callable]] = []
        if senders:
            jobs += [(f"sender-{name}", s.run) for name, s in self.senders.items()]
        if reminders:
            jobs.append(
                (
                    "reminders",
                    lambda stop: periodic.every(
                        "reminders",
                        self.settings.reminder_poll_ms / 1000,
                        self.reminders.tick,
                        stop,
                        self.settings,
                    ),
                )
            )
        if publisher:
            jobs.append(("publisher", self.publisher.run))
        for name, target in jobs:
            t = threading.Thread(target=target, args=(self.stop,), name=f"notify-{name}", daemon=True)
            t.start()
            self.threads.append(t)

    def run(self) -> None:
        """Background threads plus the consumer loop, until SIGTERM / SIGINT."""
        self.start_background()
        try:
            self.consumer_loop().run()
        finally:
            self.shutdown()

    def shutdown(self, timeout: float = 15.0) -> None:
        self.stop.set()
        if self.loop is not None:
            self.loop.stopping = True
        deadline = time.monotonic() + timeout
        for t in self.threads:
            t.join(max(0.1, deadline - time.monotonic()))
        self.threads.clear()


def bootstrap(
    settings: Settings, redis=None, *, clock: Clock = SYSTEM_CLOCK, channels: dict | None = None
) -> Worker:
    """Wire the worker; tests pass their own clock or channels."""
    redis = redis if redis is not None else connect_as(settings)
    p = settings.redis_prefix
    ring = sealed.sealer(settings, sealed.NOTIFY)  # contact fields stay sealed at rest (issue 16)
    ring = shredding.Opener(ring, redis, p)  # and those under a registration's data key (issue 23)
    projection = Projection(redis, p, ring)
    deliveries = Deliveries(redis, p, retention_s=settings.notify_retention_days * 86400, sealer=ring)
    reminders = Reminders(
        redis, p, parse_offsets(settings.reminder_offsets_min), projection, deliveries, clock
    )
    notices = Notices(projection, deliveries, reminders, clock)
    publisher = Publisher(settings, redis)
    channels = channels or {"sms": sms.from_settings(settings), "email": email.from_settings(settings)}
    rates = {"sms": settings.notify_sms_per_s, "email": settings.notify_email_per_s}
    senders = {
        name: Sender(
            ch,
            deliveries,
            projection,
            publisher,
            settings,
            clock=clock,
            rate=RateLimit(redis, p, name, ch.sender, rates.get(name, 0)),
        )
        for name, ch in channels.items()
    }
    return Worker(settings, redis, projection, deliveries, reminders, notices, senders, publisher)


def main() -> None:

    from shared import worker as metrics
    from shared.topics import ensure_topics

    settings = load()
    logs.setup("notify-consumer")
    ensure_topics(settings.kafka_bootstrap_servers, settings.topic_prefix, client_config=security(settings))
    worker = bootstrap(settings)
    metrics.serve(settings, worker.redis, streams=["nt:outbox"])
    loop = worker.consumer_loop()

    def _stop_consuming() -> None:
        loop.stopping = True  # after the current record and message

    periodic.stop_on_signals(worker.stop, _stop_consuming)
    worker.run()


if __name__ == "__main__":
    main()
