"""Entry point of the check-in projection worker: ``python -m services.checkin.consumer``."""

from __future__ import annotations

from services.checkin.door.store import OUTBOX
from services.checkin.projection import Projection
from shared import logs, worker
from shared.config import load
from shared.consumer import ConsumerLoop
from shared.kafka import security
from shared.outbox import start_relay
from shared.redis_scripts import connect_as
from shared.topics import TOPICS as REGISTRY
from shared.topics import ensure_topics

GROUP = "checkin-projection"
TOPICS = [t.name for t in REGISTRY if GROUP in t.consumers]  # activity-, registration-, lottery-events


def build(settings, redis) -> ConsumerLoop:
    projection = Projection(redis, settings.redis_prefix)
    return ConsumerLoop(
        settings, GROUP, TOPICS, projection.handle, redis, batch_handler=projection.handle_batch
    )


def main() -> None:
    """The check-in worker: the projection consumer, and (in a thread) the relay of its outbox."""
    settings = load()
    logs.setup("checkin-consumer")
    ensure_topics(settings.kafka_bootstrap_servers, settings.topic_prefix, client_config=security(settings))
    redis = connect_as(settings)
    loop = build(settings, redis)
    loop.install_signal_handlers()
    worker.serve(settings, redis, streams=[OUTBOX])
    relay = start_relay(settings, redis, OUTBOX)
    try:
        loop.run()
    finally:
        relay.close(10)


if __name__ == "__main__":
    main()
