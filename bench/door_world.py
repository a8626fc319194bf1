"""The world ``bench.door_roundtrips`` scans in: its own Redis, the real check-in app, an activity
with a gate open and one closed, tickets made as registration makes them, and a round-trip
counter around redis-py.  tests/integration/test_door_roundtrips.py uses the same world."""

from __future__ import annotations

import json
import threading
import time
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from redis.connection import Connection

from shared.tickets import new_registration_id

AID, OTHER, VENUE = "door-rt", "door-rt-other", "rt-venue"
GATE, CLOSED_GATE = "1号门", "9号门"


class RoundTrips:
    """Counts redis-py's ``send_packed_command`` calls made by this thread while active."""

    _lock = threading.Lock()
    _active: dict[int, list[int]] = {}
    _original: Any = None

    @classmethod
    def _install(cls) -> None:
        if cls._original is not None:
            return
        original = Connection.send_packed_command

        def counted(conn: Any, command: Any, check_health: bool = True) -> Any:
            box = cls._active.get(threading.get_ident())
            if box is not None:
                box[0] += 1
            return original(conn, command, check_health)

        cls._original = original
        Connection.send_packed_command = counted  # type: ignore[method-assign]

    @classmethod
    @contextmanager
    def counting(cls):
        with cls._lock:
            cls._install()
        box = [0]
        cls._active[threading.get_ident()] = box
        try:
            yield box
        finally:
            cls._active.pop(threading.get_ident(), None)


@dataclass
class DoorWorld:
    """The real check-in app on real Redis, with an activity open for check-in now."""

    client: Any
    keyring: Any
    redis: Any
    settings: Any
    steward: dict = field(default_factory=dict)
    _n: int = 0

    def ticket(self, projected: bool = True) -> str:
        """A confirmed registration (in the projection unless not ``projected``) and its ticket."""
        rid = new_registration_id()
        if projected:
            self._project_registration(rid)
        now = int(time.time())
        return self.keyring.sign(
            registration_id=rid,
            activity_id=AID,
            venue_id=VENUE,
            party_size=2,
            valid_from=now - 3600,
            valid_until=now + 7200,
        )

    def _project_registration(self, rid: str) -> None:
        from services.checkin.projection import Projection

        Projection(self.redis, self.settings.redis_prefix).handle(
            {
                "type": "RegistrationConfirmed",
                "activity_id": AID,
                "occurred_at": datetime.now(UTC).isoformat(),
                "data": {
                    "registration_id": rid,
                    "venue_id": VENUE,
                    "party_size": 2,
                    "name": "张三丰",
                    "phone": "13800000001",
                },
            }
        )

    def standby_ticket(self) -> str:
        """A called walk-in's ``SB1.`` ticket (its number called, as standby_call.lua leaves it)."""
        self._n += 1
        number, p = self._n, self.settings.redis_prefix
        entry = {"number": number, "party_size": 2, "status": "called"}
        self.redis.hset(f"{p}ck:sbq:{{{AID}}}", str(number), json.dumps(entry))
        now = int(time.time())
        return self.keyring.sign_standby(
            number=number,
            activity_id=AID,
            venue_id=VENUE,
            party_size=2,
            valid_from=now - 3600,
            valid_until=now + 7200,
        )

    def scan(self, code: str, gate: str = GATE) -> Any:
        return self.client.post("/api/v1/checkins", json={"code": code, "gate": gate}, headers=self.steward)


def activity_doc(aid: str) -> dict:
    now = datetime.now(UTC).replace(microsecond=0)
    return {
        "id": aid,
        "title": {"zh": "门口计数", "en": "Door count"},
        "venue": {"id": VENUE, "name": "计数馆"},
        "hall": "一号厅",
        "status": "scheduled",
        "starts_at": (now + timedelta(minutes=30)).isoformat(),
        "ends_at": (now + timedelta(minutes=150)).isoformat(),
    }


def door_world(settings: Any, redis: Any) -> DoorWorld:
    """The app and its data: two activities at one venue, gate 9 opened for the other only."""
    from services.checkin.app import create_app
    from services.checkin.projection import Projection
    from shared.auth import create_token
    from shared.tickets import KeyRing

    keyring = KeyRing.load_or_create(settings.keys_dir)
    settings = settings.with_overrides(rate_limit_token_per_min=10**9)
    app = create_app(settings, redis_client=redis)
    projection = Projection(redis, settings.redis_prefix)
    for aid in (AID, OTHER):
        projection.handle(
            {
                "type": "ActivityPublished",
                "activity_id": aid,
                "occurred_at": datetime.now(UTC).isoformat(),
                "data": {"activity": activity_doc(aid)},
            }
        )
    app.extensions["sciday.checkins"].set_gate(VENUE, CLOSED_GATE, [OTHER])
    token = create_token(redis, settings.redis_prefix, "steward", "计数员", VENUE)
    world = DoorWorld(app.test_client(), keyring, redis, settings)
    world.steward = {"Authorization": f"Bearer {token}"}
    return world
