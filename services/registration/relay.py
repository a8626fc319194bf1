"""Entry point of the outbox relay: ``python -m services.registration.relay``.

The registration outbox gets a process of its own (`make run` starts one whatever the scale);
check-in and notify relay theirs in a thread of their worker. All three go through
:func:`shared.outbox.run_relay`."""

from __future__ import annotations

from shared.outbox import relay_main

OUTBOX = "outbox"


def main() -> None:
    relay_main(OUTBOX, "relay")


if __name__ == "__main__":
    main()
