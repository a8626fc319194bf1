"""The door's contract: the same scenarios on the in-memory fakes and on real Redis (admit.lua,
undo.lua, the projection) must give the same answers, the same events and the same counts."""

from __future__ import annotations

import json

import pytest

from services.checkin import usecases
from services.checkin import vocabulary as V
from services.checkin.store import CheckinStore
from services.checkin.usecases import Refusal, Scan, Staff
from shared.envelope import decode
from tests.unit.fakes_checkin import (
    T0,
    VENUE,
    Clock,
    FakeActivities,
    FakeDoor,
    FakeTickets,
    activity,
    sequential_ids,
    ticket,
)

AID = "imax-0530"
STEWARD, ORGANIZER = Staff("steward-1", VENUE), Staff("org", None)
_REG_EVENT = {
    V.CONFIRMED: "RegistrationConfirmed",
    V.WAITLISTED: "RegistrationWaitlisted",
    V.CANCELLED: "RegistrationCancelled",
}


class FakeWorld:
    def __init__(self) -> None:
        self.activities = FakeActivities()
        self.door = FakeDoor(self.activities)

    def put_activity(self, doc):
        self.activities.put_activity(doc)

    def put_registration(self, rid, status):
        self.activities.put_registration(AID, rid, status)

    def events(self):
        return [(kind, d["registration_id"], d["gate"], d.get("reason")) for kind, d in self.door.events]

    def counts(self):
        gates = {g: n for (aid, g), n in self.door.gates.items() if aid == AID and n}
        stats = {k: n for (aid, k), n in self.door.stats.items() if aid == AID}
        return gates, stats.get("checked_in", 0), stats.get("denied", 0)


class RedisWorld:
    def __init__(self, settings, redis) -> None:
        self.store = CheckinStore(redis, settings)
        self.door = self.store
        self.activities = self.store.projection
        self.redis = redis

    def put_activity(self, doc):
        self.activities.handle(
            {
                "type": "ActivityPublished",
                "activity_id": doc["id"],
                "occurred_at": T0.isoformat(),
                "data": {"activity": doc},
            }
        )

    def put_registration(self, rid, status):
        self.activities.handle(
            {
                "type": _REG_EVENT[status],
                "activity_id": AID,
                "occurred_at": T0.isoformat(),
                "data": {
                    "registration_id": rid,
                    "venue_id": VENUE,
                    "party_size": 4,
                    "name": "张三丰",
                    "phone": "13800000001",
                },
            }
        )

    def events(self):
        out = []
        for _id, fields in self.redis.xrange(self.store.outbox):
            assert fields[b"topic"].decode() == V.TOPIC
            env = decode(fields[b"envelope"])
            d = env["data"]
            out.append((env["type"], d["registration_id"], d["gate"], d.get("reason")))
        return out

    def counts(self):
        a = self.store.attendance(AID)
        return a["gates"], a["checked_in"], a["denied"]


def run(world, steps):
    """Play a scenario; returns what each step answered (an admission, an undo or a refusal)."""
    tickets, clock, ids = FakeTickets(), Clock(), sequential_ids()
    world.put_activity(activity())
    answers, checkins = [], []
    for step in steps:
        kind, arg = step[0], step[1:]
        try:
            if kind == "register":
                rid, status = arg
                world.put_registration(rid, status)
                continue
            if kind == "cancel_activity":
                world.put_activity(activity(status=V.CANCELLED))
                continue
            if kind == "gate":  # open a gate for these activities only (None: every one)
                world.door.set_gate(VENUE, arg[0], arg[1])
                continue
            if kind == "clock":
                clock.advance(minutes=arg[0])
                continue
            if kind == "scan":
                rid, party, gate, extra = arg[0], arg[1], arg[2], dict(arg[3])
                code = tickets.add(ticket(rid, party=party, venue=extra.pop("venue", VENUE)))
                who = extra.pop("staff", STEWARD)
                got = usecases.admit(
                    Scan(code, gate, **extra),
                    who,
                    tickets=tickets,
                    activities=world.activities,
                    door=world.door,
                    clock=clock,
                    ids=ids,
                )
                checkins.append(got["checkin_id"])
                answers.append(
                    (
                        got["status"],
                        got["admitted"],
                        got["remaining"],
                        got["registration"]["admitted_total"],
                        got["replayed"],
                        got["gate"],
                    )
                )
            elif kind == "undo":
                got = usecases.undo(
                    checkins[arg[0]] if isinstance(arg[0], int) else arg[0],
                    ORGANIZER,
                    door=world.door,
                    clock=clock,
                )
                answers.append((got["status"], got["reverted"], got["admitted_total"]))
        except Refusal as r:
            answers.append(
                ("refused", r.reason, r.variant, json.dumps(r.details, sort_keys=True, default=str))
            )
    return answers


SCENARIOS = {
    "double admission": [
        ("register", "r1", V.CONFIRMED),
        ("scan", "r1", 2, "1号门", {}),
        ("clock", 2),
        ("scan", "r1", 2, "2号门", {}),
    ],
    "party stepping": [
        ("register", "r1", V.CONFIRMED),
        ("scan", "r1", 4, "1号门", {"admit": 1}),
        ("scan", "r1", 4, "2号门", {"admit": 2}),
        ("scan", "r1", 4, "2号门", {"admit": 3}),
        ("scan", "r1", 4, "1号门", {"admit": 1}),
    ],
    "nonce replay": [
        ("register", "r1", V.CONFIRMED),
        ("scan", "r1", 3, "1号门", {"admit": 1, "nonce": "n1"}),
        ("scan", "r1", 3, "1号门", {"admit": 1, "nonce": "n1"}),
        ("scan", "r1", 3, "1号门", {"admit": 1, "nonce": "n2"}),
    ],
    "undo": [
        ("register", "r1", V.CONFIRMED),
        ("scan", "r1", 3, "1号门", {"admit": 2}),
        ("scan", "r1", 3, "1号门", {}),
        ("undo", 0),
        ("undo", 0),
        ("undo", "c-unknown"),
        ("scan", "r1", 3, "3号门", {}),
        ("scan", "r1", 3, "3号门", {}),
    ],
    "revoked and cancelled": [
        ("register", "r1", V.CANCELLED),
        ("register", "r2", V.CONFIRMED),
        ("scan", "r1", 2, "1号门", {}),
        ("scan", "r2", 2, "1号门", {}),
        ("cancel_activity",),
        ("scan", "r2", 2, "1号门", {}),
    ],
    # issue 18: the gate (rule 3) is judged in the atomic step, still before rules 4-6
    "gate plan before the later rules": [
        ("register", "r1", V.CONFIRMED),
        ("gate", "9号门", ["another-activity"]),
        ("scan", "r1", 2, "9号门", {"nonce": "n1"}),
        ("scan", "r1", 2, "1号门", {"nonce": "n1"}),  # a refusal keeps no nonce: admitted now
        ("gate", "8号门", [AID]),
        ("register", "r2", V.CONFIRMED),
        ("scan", "r2", 2, "8号门", {}),
        ("cancel_activity",),
        ("scan", "r2", 2, "9号门", {}),  # wrong gate and cancelled: the gate first
        ("scan", "r2", 2, "8号门", {}),
        ("gate", "9号门", None),
        ("clock", 200),
        ("scan", "r2", 2, "9号门", {}),
    ],
    "venue and time window": [
        ("register", "r1", V.CONFIRMED),
        ("scan", "r1", 2, "1号门", {"venue": "other"}),
        ("scan", "r1", 2, "1号门", {"venue": "other", "staff": ORGANIZER}),
        ("clock", 200),
        ("scan", "r2", 2, "1号门", {}),
    ],
}


@pytest.mark.parametrize("name", sorted(SCENARIOS))
def test_the_fake_door_and_redis_agree(settings, redis, name):
    fake, real = FakeWorld(), RedisWorld(settings, redis)
    fake_answers = run(fake, SCENARIOS[name])
    real_answers = run(real, SCENARIOS[name])
    assert fake_answers == real_answers
    assert fake.events() == real.events()
    assert fake.counts() == real.counts()
    assert len(fake_answers) == sum(1 for s in SCENARIOS[name] if s[0] in ("scan", "undo"))
