"""Entry point of the outbox relay: ``python -m services.registration.relay``."""

from __future__ import annotations

from shared import logs
from shared.config import load
from shared.outbox import Relay
from shared.redis_scripts import connect


def main() -> None:
    settings = load()
    logs.setup("relay")
    relay = Relay(settings, connect(settings.redis_url))
    relay.install_signal_handlers()
    relay.run()


if __name__ == "__main__":
    main()
