"""The in-process rig of ``bench.roundtrips``: the real registration app against a real
redis-server with the benchmark's settings, people with verified sessions, and a count of the
round trips redis-py makes (one ``send_packed_command`` each)."""

from __future__ import annotations

import random
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from pathlib import Path

from redis.connection import AbstractConnection

from bench.__main__ import BENCH_ENV
from bench.scenarios import activity, seed_sessions
from services.registration.app import create_app
from shared.auth import create_token
from shared.config import load

COUNT = {"trips": 0}
_real_send = AbstractConnection.send_packed_command


def _counted_send(self, command, check_health=True):
    COUNT["trips"] += 1
    return _real_send(self, command, check_health)


@contextmanager
def counting() -> Iterator[None]:
    AbstractConnection.send_packed_command = _counted_send  # type: ignore[method-assign]
    try:
        yield
    finally:
        AbstractConnection.send_packed_command = _real_send  # type: ignore[method-assign]


def bench_settings(redis_url: str, work: Path, **over):
    env = {k[len("SCIDAY_") :].lower(): int(v) for k, v in BENCH_ENV.items()}
    base = load({"redis_url": redis_url, "redis_prefix": "rt:", "keys_dir": work / "keys", "var_dir": work})
    return base.with_overrides(**{**env, **over})


def resident_id(i: int) -> str:
    from tests.fair_support import resident_id as rid

    return rid(i)


class Rig:
    """The real app against a real redis-server, and a supply of people with verified sessions."""

    def __init__(self, settings, redis, phone_base: int):
        self.settings, self.redis = settings, redis
        self.app = create_app(settings)
        self.client = self.app.test_client()
        self.org = {
            "Authorization": "Bearer " + create_token(redis, settings.redis_prefix, "organizer", "rt")
        }
        self.next_phone = phone_base
        self.rng = random.Random(18)

    def make_activity(self, aid: str, capacity: int, waitlist: int = 0, **over) -> None:
        doc = dict(activity(aid, capacity, timedelta(days=3), waitlist=waitlist), **over)
        r = self.client.post("/api/v1/activities", json=doc, headers=self.org)
        assert r.status_code == 201, r.get_json()

    def people(self, n: int) -> list[tuple[str, str]]:
        phones = [f"1{self.next_phone + i:010d}" for i in range(n)]
        self.next_phone += n
        return list(zip(phones, seed_sessions(self.redis, self.settings.redis_prefix, phones)))

    def post(self, aid: str, phone: str, token: str, body: dict, address: str = "127.0.0.1"):
        return self.client.post(
            f"/api/v1/activities/{aid}/registrations",
            json={"name": "压测", "phone": phone, **body},
            headers={"Authorization": f"Bearer {token}"},
            environ_base={"REMOTE_ADDR": address},
        )
