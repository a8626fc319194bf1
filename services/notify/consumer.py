"""Entry point of the notification worker: ``python -m services.notify.consumer``."""
from __future__ import annotations

from shared import logs
from shared.config import load
from shared.consumer import ConsumerLoop
from shared.redis_scripts import connect
from shared.topics import ensure_topics

from services.notify import deliveries

GROUP = "notify"
TOPICS = ["registration-events", "activity-events"]


def build(settings, redis) -> ConsumerLoop:
    log = deliveries.DeliveryLog(redis, settings.redis_prefix)
    return ConsumerLoop(settings, GROUP, TOPICS, lambda env: deliveries.handle(log, env), redis)


def main() -> None:
    settings = load()
    logs.setup("notify-consumer")
    ensure_topics(settings.kafka_bootstrap_servers, settings.topic_prefix)
    loop = build(settings, connect(settings.redis_url))
    loop.install_signal_handlers()
    loop.run()


if __name__ == "__main__":
    main()
