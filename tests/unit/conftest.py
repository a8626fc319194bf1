"""Fixtures of the unit tier: the registration ports on the session's Redis (tests/conftest.py)."""

from __future__ import annotations

import uuid

import pytest

from tests.unit.registration_ports import redis_ports


@pytest.fixture
def new_ports(store_settings, store_redis):
    """``new_ports(**kw)``: registration ports on Redis (registration_ports.redis_ports), each call
    with a key prefix of its own, so two calls in one test share nothing."""

    def make(**kw):
        own = store_settings.with_overrides(
            redis_prefix=f"{store_settings.redis_prefix}{uuid.uuid4().hex[:6]}:"
        )
        return redis_ports(own, store_redis, **kw)

    return make
