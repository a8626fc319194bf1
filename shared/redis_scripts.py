"""Loads Lua scripts kept as ``.lua`` files next to the code that owns their keys.

Each script is read once and registered with redis-py, which calls it by SHA (EVALSHA) and
falls back to EVAL after a Redis restart has emptied the script cache.
"""

from __future__ import annotations

from pathlib import Path

import redis

# Redis is down, restarting (BusyLoadingError is a ConnectionError), or a replica not yet promoted:
# the caller waits and tries again; it is never the data's fault.
OUTAGE = (redis.ConnectionError, redis.TimeoutError, redis.exceptions.ReadOnlyError)


def connect(url: str, **kwargs) -> redis.Redis:
    """A pooled client; nothing is sent until the first command."""
    kwargs.setdefault("socket_timeout", 5)
    kwargs.setdefault("socket_connect_timeout", 2)
    kwargs.setdefault("health_check_interval", 30)
    return redis.Redis.from_url(url, **kwargs)


def _read(folder: Path, filename: str) -> str:
    """Read a script, expanding ``--#include other.lua`` lines (shared Lua routines).

    An included file is looked up next to the script first, then in ``shared/``.
    """
    out = []
    path = folder / filename
    if not path.exists():
        path = Path(__file__).parent / filename
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.startswith("--#include "):
            out.append(_read(folder, line.split(None, 1)[1].strip()))
        else:
            out.append(line)
    return "\n".join(out) + "\n"


class Scripts:
    """``Scripts(client, Path(__file__).parent)`` then ``scripts.reserve(keys=[...], args=[...])``."""

    def __init__(self, client: redis.Redis, folder: Path, names: list[str]):
        self._scripts = {}
        for name in names:
            source = _read(folder, f"{name}.lua")
            self._scripts[name] = client.register_script(source)

    def __getattr__(self, name: str):
        try:
            return self._scripts[name]
        except KeyError:
            raise AttributeError(name) from None
