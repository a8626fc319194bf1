"""Loads Lua scripts kept as ``.lua`` files next to the code that owns their keys.

Each script is read once and registered with redis-py, which calls it by SHA (EVALSHA) and
falls back to EVAL after a Redis restart has emptied the script cache.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import redis
from redis.commands.core import Script
from redis.maint_notifications import MaintNotificationsConfig

# Redis is down, restarting (BusyLoadingError is a ConnectionError), or a replica not yet promoted
# (ReadOnlyError, during a failover): the caller waits and tries again; it is never the data's
# fault, and the HTTP edge answers 503 redis_unavailable.
OUTAGE: tuple[type[Exception], ...] = (
    redis.ConnectionError,
    redis.TimeoutError,
    redis.exceptions.ReadOnlyError,
)


def connect(url: str, **kwargs: Any) -> redis.Redis:
    """A pooled client; nothing is sent until the first command."""
    kwargs.setdefault("socket_timeout", 5)
    kwargs.setdefault("socket_connect_timeout", 2)
    kwargs.setdefault("health_check_interval", 30)
    return redis.Redis.from_url(url, **kwargs)


def connect_as(settings: Any, **kwargs: Any) -> redis.Redis:
    """:func:`connect` to ``settings.redis_url`` as the service's own ACL user
    (``redis_username``/``redis_password``, sciday/credentials.py); the default user when unset."""
    if settings.redis_username:
        kwargs.setdefault("username", settings.redis_username)
        # No CLIENT SETINFO / MAINT_NOTIFICATIONS on connect: the ACL users may not run CLIENT
        # (it lists and kills other connections), and each refusal would fill the ACL LOG.
        kwargs.setdefault("driver_info", None)
        kwargs.setdefault("maint_notifications_config", MaintNotificationsConfig(enabled=False))
    if settings.redis_password:
        kwargs.setdefault("password", settings.redis_password)
    return connect(settings.redis_url, **kwargs)


def _read(folder: Path, filename: str) -> str:
    """Read a script, expanding ``--#include other.lua`` lines (shared Lua routines).

    An included path is relative to the file that includes it (``../seats/promote.lua`` from a
    feature package's script); a bare name not found there is looked up in ``shared/``.
    """
    out = []
    path = folder / filename
    if not path.exists():
        path = Path(__file__).parent / filename
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.startswith("--#include "):
            out.append(_read(path.parent, line.split(None, 1)[1].strip()))
        else:
            out.append(line)
    return "\n".join(out) + "\n"


def is_read_only(exc: redis.ResponseError) -> bool:
    """A write refused by a replica. Inside a script Redis 6 reports it as a script error
    (``Error running script ... -READONLY You can't write ...``), which redis-py does not map."""
    return isinstance(exc, redis.exceptions.ReadOnlyError) or "READONLY " in str(exc)


class LuaScript:
    """A registered script whose write refused by a replica raises ``ReadOnlyError`` (an
    :data:`OUTAGE`), not a generic ``ResponseError``."""

    def __init__(self, script: Script):
        self._script = script

    @property
    def sha(self) -> str:
        return str(self._script.sha)

    def __call__(self, keys: Any = None, args: Any = None, client: Any = None) -> Any:
        try:
            return self._script(keys=keys, args=args, client=client)
        except redis.exceptions.ReadOnlyError:
            raise
        except redis.ResponseError as exc:
            if is_read_only(exc):
                raise redis.exceptions.ReadOnlyError(str(exc)) from exc
            raise


def load_script(client: redis.Redis, folder: Path, name: str) -> LuaScript:
    """One script, ``<folder>/<name>.lua``."""
    return LuaScript(client.register_script(_read(folder, f"{name}.lua")))


class Scripts:
    """``Scripts(client, Path(__file__).parent)`` then ``scripts.reserve(keys=[...], args=[...])``."""

    def __init__(self, client: redis.Redis, folder: Path, names: list[str]):
        self._scripts = {name: load_script(client, folder, name) for name in names}

    def __getattr__(self, name: str) -> LuaScript:
        try:
            return self._scripts[name]
        except KeyError:
            raise AttributeError(name) from None
