"""The door's world on a real Redis, for the scenario table (tests/integration/test_door_scenarios.py)
and the door's use-case tests: the projection fed with events, the real store (``admit.lua``,
``undo.lua``, ``standby_admit.lua``), tickets signed with the service's own keys (or looked up by
the signer's fake), and the scanner state as the API serves it.

No fake of the door: the clock, the check-in ids, the signer and the staff are the only stand-ins.
"""

from __future__ import annotations

import itertools
import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

from services.checkin import vocabulary as V
from services.checkin.door import usecases
from services.checkin.door.cards import Cards
from services.checkin.door.online_marks import OnlineMarks
from services.checkin.door.store import CheckinStore
from services.checkin.door.usecases import Scan, Staff
from services.checkin.standby.store import StandbyStore
from shared import events as ev
from shared.auth import create_token
from shared.clock import FakeClock
from shared.envelope import decode
from shared.tickets import KeyRing

AID = "door-imax"
RID = "doorscenarioxxxx"  # a registration id as the service makes them (10 bytes, base32)
VENUE = "ln-stm"
# Now, to the minute: the activity starts in 30 minutes and ends 2 hours later, so the door is
# open from 30 minutes ago (the scanner state lists other venues' activities for a day after).
T0 = datetime.now(UTC).replace(second=0, microsecond=0)
STEWARD = Staff("steward-1", VENUE, "token-hash-1")
ORGANIZER = Staff("org", None)
_REG_EVENT = {
    V.CONFIRMED: ev.REGISTRATION_CONFIRMED,
    V.WAITLISTED: ev.REGISTRATION_WAITLISTED,
    V.CANCELLED: ev.REGISTRATION_CANCELLED,
}


def activity(aid: str = AID, status: str = "scheduled", venue: str = VENUE, **over: Any) -> dict:
    doc = {
        "id": aid,
        "title": {"zh": "巨幕专场", "en": "IMAX screening"},
        "venue": {"id": venue, "name": "辽宁省科学技术馆"},
        "hall": "巨幕影院",
        "status": status,
        "starts_at": (T0 + timedelta(minutes=30)).isoformat(),
        "ends_at": (T0 + timedelta(minutes=150)).isoformat(),
    }
    doc.update(over)
    return doc


def _event(kind: str, aid: str, data: dict) -> dict:
    """An envelope as the projection reads it (the consumer's leg has its own tests)."""
    return {"type": kind, "activity_id": aid, "occurred_at": T0.isoformat(), "data": data}


class Clock(FakeClock):
    """A hand-moved clock (shared.clock.FakeClock) that starts at T0."""

    def __init__(self, now: datetime = T0) -> None:
        super().__init__(now)


def sequential_ids(prefix: str = "c") -> Any:
    counter: Iterator[int] = itertools.count(1)
    return lambda: f"{prefix}{next(counter):016x}"


class DoorWorld:
    """One door over one Redis key prefix; ``t0``: the clock's start."""

    def __init__(self, settings: Any, redis: Any, t0: datetime = T0) -> None:
        self.settings, self.redis = settings, redis
        self.store = CheckinStore(redis, settings)
        self.projection = self.store.projection
        self.keys = KeyRing.load_or_create(settings.keys_dir)
        self.tickets: Any = self.keys  # the signer (a test may look codes up instead)
        self.cards = Cards.from_settings(settings)
        self.marks = OnlineMarks(b"m" * 32)
        self.clock = Clock(t0)
        self.ids = sequential_ids()
        self._app: Any = None

    # -- what the registration service would have told the door ---------------------------------
    def put_activity(self, doc: dict) -> None:
        self.projection.handle(_event(ev.ACTIVITY_PUBLISHED, doc["id"], {"activity": doc}))

    def put_registration(
        self,
        rid: str,
        status: str = V.CONFIRMED,
        party: int = 1,
        aid: str = AID,
        members: list | None = None,
        name: str = "张三丰",
        phone_masked: str = "138****0001",
        channel: str = "",
    ) -> None:
        data = {"registration_id": rid, "venue_id": VENUE, "party_size": party, "name": name}
        data |= {"phone_masked": phone_masked, "members": members or []}
        data |= {"channel": channel} if channel else {}  # issue 29: a group's
        self.projection.handle(_event(_REG_EVENT[status], aid, data))

    def drop_member(self, rid: str, party: int, aid: str = AID) -> None:
        data = {"registration_id": rid, "venue_id": VENUE, "party_size": party, "name": "张三丰"}
        data |= {"phone": "13800000001", "status": V.CONFIRMED}
        self.projection.handle(_event(ev.REGISTRATION_MEMBER_DROPPED, aid, data))

    def release(self, aid: str = AID) -> None:
        """The start plus the grace period: unscanned seats go to standby (standby_release.lua)."""
        StandbyStore(self.redis, self.settings).release(aid, self.clock.now().isoformat())

    def sign(self, rid: str, party: int = 1, aid: str = AID, venue: str = VENUE) -> str:
        start = int((T0 + timedelta(minutes=30)).timestamp())
        return self.keys.sign(
            registration_id=rid,
            activity_id=aid,
            venue_id=venue,
            party_size=party,
            valid_from=start - 3600,
            valid_until=start + 7200,
        )

    # -- the door -----------------------------------------------------------------------------
    def scan(self, code: str, gate: str = "1号门", staff: Staff = STEWARD, **kw: Any) -> dict:
        return usecases.admit(
            Scan(code, gate, **kw),
            staff,
            tickets=self.tickets,
            activities=self.projection,
            door=self.store,
            clock=self.clock,
            ids=self.ids,
            marks=self.marks,
            cards=self.cards,
        )

    def undo(self, checkin_id: str, staff: Staff = ORGANIZER) -> dict:
        return usecases.undo(checkin_id, staff, door=self.store, clock=self.clock)

    def scanner_state(self, gate: str = "1号门", venue: str | None = VENUE) -> dict:
        """What GET /api/v1/scanner/state serves a steward of the venue (its real view)."""
        if self._app is None:
            from services.checkin.app import create_app  # the whole service: only where it is asked

            self._app = create_app(self.settings, redis_client=self.redis).test_client()
        role = "steward" if venue else "organizer"
        token = create_token(self.redis, self.settings.redis_prefix, role, "scanner", venue)
        resp = self._app.get(
            f"/api/v1/scanner/state?gate={gate}", headers={"Authorization": f"Bearer {token}"}
        )
        assert resp.status_code == 200, resp.get_json()
        return resp.get_json()

    # -- what the door's state says -------------------------------------------------------------
    def events(self) -> list[tuple[str, dict]]:
        """The door's events (checkin-events) in the outbox, in order: (type, data)."""
        out = []
        for _id, fields in self.redis.xrange(self.store.outbox):
            if fields[b"topic"].decode() != V.TOPIC:
                continue
            env = decode(fields[b"envelope"])
            out.append((env["type"], env["data"]))
        return out

    def denials(self) -> list[str]:
        """The reasons of the CheckinDenied events, in order."""
        return [d["reason"] for kind, d in self.events() if kind == V.CHECKIN_DENIED]

    def admitted(self, aid: str = AID) -> dict[str, int]:
        """Registration id -> people admitted."""
        return {k.decode(): int(v) for k, v in self.redis.hgetall(self.store.k("adm", aid)).items() if int(v)}

    def gates(self, aid: str = AID) -> dict[str, int]:
        """Gate -> people admitted."""
        return {
            k.decode(): int(v) for k, v in self.redis.hgetall(self.store.k("gates", aid)).items() if int(v)
        }

    def unseen(self, aid: str = AID) -> set[str]:
        return {r.decode() for r in self.redis.smembers(self.projection.unseen_key(aid))}

    def standby(self, aid: str, number: int, status: str = V.CALLED, party: int = 2) -> None:
        """A walk-in's standby number in this state (as standby_join.lua and standby_call.lua leave it)."""
        entry = {"number": number, "party_size": party, "status": status}
        self.redis.hset(self.store.k("sbq", aid), str(number), json.dumps(entry))

    def standby_status(self, aid: str, number: int) -> str:
        return str(json.loads(self.redis.hget(self.store.k("sbq", aid), str(number)))["status"])
