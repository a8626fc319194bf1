"""One line, not a traceback, when the CLI meets an outage it cannot help (issue 24).

Redis away gave a 51-line traceback; now ``sciday token list`` says which server it could not
reach and exits with status 1.  ``SCIDAY_CLI_TRACEBACK=1`` shows the traceback again.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

EXIT_OUTAGE = 1


@dataclass
class Failed:
    status: int = 0


def describe(exc: BaseException) -> str | None:
    """What went wrong, in one line, for the failures an operator can act on; None for a bug."""
    from kafka.errors import KafkaError, KafkaTimeoutError
    from redis.exceptions import AuthenticationError, NoPermissionError, RedisError
    from redis.exceptions import ConnectionError as RedisConnectionError
    from redis.exceptions import TimeoutError as RedisTimeout

    first = (str(exc).strip().splitlines() or [type(exc).__name__])[0][:300]
    if isinstance(exc, RedisConnectionError | RedisTimeout):
        return f"Redis is not reachable ({first}); is it running, and is REDIS_URL right?"
    if isinstance(exc, AuthenticationError | NoPermissionError):
        return f"Redis refused the login or the command ({first}); check the Redis user and password"
    if isinstance(exc, RedisError):
        return f"Redis: {first}"
    if isinstance(exc, KafkaTimeoutError) and "bootstrap" in first:
        return f"Kafka is not reachable ({first}); is it running, and is KAFKA_BOOTSTRAP_SERVERS right?"
    if isinstance(exc, KafkaError):
        return f"Kafka: {type(exc).__name__}: {first}"
    if isinstance(exc, LookupError | TimeoutError | ConnectionError | PermissionError | FileNotFoundError):
        return first
    return None


@contextmanager
def one_line(prog: str) -> Iterator[Failed]:
    failed = Failed()
    try:
        yield failed
    except Exception as exc:
        what = describe(exc)
        if what is None or os.environ.get("SCIDAY_CLI_TRACEBACK"):
            raise
        print(f"{prog}: {what}", file=sys.stderr)
        failed.status = EXIT_OUTAGE
