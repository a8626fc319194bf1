"""Entry point of the check-in projection worker: ``python -m services.checkin.consumer``."""
from __future__ import annotations

from shared import logs
from shared.config import load
from shared.consumer import ConsumerLoop
from shared.redis_scripts import connect
from shared.topics import ensure_topics

from services.checkin.projection import Projection

GROUP = "checkin-projection"
TOPICS = ["activity-events", "registration-events"]


def build(settings, redis) -> ConsumerLoop:
    projection = Projection(redis, settings.redis_prefix)
    return ConsumerLoop(settings, GROUP, TOPICS, projection.handle, redis)


def main() -> None:
    settings = load()
    logs.setup("checkin-consumer")
    ensure_topics(settings.kafka_bootstrap_servers, settings.topic_prefix)
    loop = build(settings, connect(settings.redis_url))
    loop.install_signal_handlers()
    loop.run()


if __name__ == "__main__":
    main()
