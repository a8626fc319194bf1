"""The three services, the relay and the consumers as real processes, on free ports."""
from __future__ import annotations

import pytest

from sciday import embedded
from sciday.stack import Stack, StackOptions
from shared.auth import create_token
from shared.config import load
from shared.redis_scripts import connect


@pytest.fixture(scope="session")
def stack(servers, tmp_path_factory):
    var = tmp_path_factory.mktemp("stack")
    opts = StackOptions(
        var_dir=var, redis_url=servers["redis_url"], kafka=servers["kafka"],
        registration_port=embedded.free_port(), checkin_port=embedded.free_port(),
        notify_port=embedded.free_port(), workers=2, threads=4, seed=False,
        extra_env={"SCIDAY_REDIS_PREFIX": "e2e:", "SCIDAY_TOPIC_PREFIX": "e2e.",
                   "SCIDAY_KAFKA_SESSION_TIMEOUT_MS": "2000", "SCIDAY_KAFKA_HEARTBEAT_INTERVAL_MS": "500",
                   "SCIDAY_KAFKA_FETCH_MAX_WAIT_MS": "50"})
    s = Stack(opts, out=open(var / "stack.out", "w"))
    s.start()
    try:
        assert s.wait_healthy(timeout=60), s.status_table()
        yield s
    finally:
        s.stop()


@pytest.fixture(scope="session")
def stack_settings(stack):
    return stack.settings()


@pytest.fixture(scope="session")
def organizer_token(stack_settings):
    return create_token(connect(stack_settings.redis_url), stack_settings.redis_prefix, "organizer", "e2e organizer")


@pytest.fixture(scope="session")
def urls(stack):
    o = stack.opts
    return {name: f"http://127.0.0.1:{port}" for name, port in
            (("registration", o.registration_port), ("checkin", o.checkin_port), ("notify", o.notify_port))}
