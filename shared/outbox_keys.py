"""The Redis keys of an outbox: its stream and its relay's cursor. Apart from shared/outbox.py so
that shared/lag.py reads them without importing the relay (no import cycle: outbox -> worker ->
lag)."""

from __future__ import annotations

from shared.config import Settings


def stream_key(settings: Settings, name: str = "outbox") -> str:
    """The outbox stream of one producing service: ``outbox`` (registration), ``ck:outbox`` (check-in)."""
    return f"{settings.redis_prefix}{name}"


def cursor_key(settings: Settings, name: str = "outbox") -> str:
    return f"{settings.redis_prefix}{name}:cursor"
