"""Notify's contract: event sequences played through ``usecases.Notices`` over the Redis adapters
(projection, deliveries with intent.lua, reminders) record the expected messages, answer the expected
counts and leave the expected registrations with reminders. (Until issue 25 the same scenarios were
compared with in-memory fakes; intent.lua is now the only implementation of recording a message.)"""

from __future__ import annotations

import pytest

from services.notify import vocabulary as V
from services.notify.delivery.intents import Deliveries
from services.notify.delivery.notices import Notice, send_notice
from services.notify.delivery.usecases import Notices, Refusal
from services.notify.projection import Projection
from services.notify.reminders.schedule import Reminders, parse_offsets
from shared.clock import FakeClock

AID = "a1"
NOW = 1_900_000_000.0  # 2030-03-17T17:46:40Z


def snapshot(status=V.SCHEDULED, **over):
    """Starts three days after NOW, so every reminder is still ahead."""
    return {"id": AID, "status": status, "starts_at": "2030-03-21T10:00:00+08:00", "hall": "巨幕影院", **over}


def event(kind, n, **data):
    return {"type": kind, "event_id": f"e{n}", "activity_id": AID, "occurred_at": "2030-03-17T10:00:00+08:00",
            "data": data}  # fmt: skip


def reg(kind, n, rid, **extra):
    # No email: one message (SMS) per registrant.
    phone = f"1380000000{rid[-1]}"
    return event(kind, n, registration_id=rid, activity_id=AID, phone=phone, locale="zh-CN", **extra)


SCENARIOS = {
    "a registrant's life": [
        event("ActivityPublished", 0, activity=snapshot()),
        reg("RegistrationWaitlisted", 1, "r1", waitlist_position=1),
        reg("WaitlistPromoted", 2, "r1"),
        reg("WaitlistPromoted", 2, "r1"),  # redelivered
        reg("RegistrationCancelled", 3, "r1"),
    ],
    "late and out of order": [
        reg("RegistrationConfirmed", 1, "r1"),  # before its activity
        event("ActivityPublished", 0, activity=snapshot()),
        reg("RegistrationCancelled", 3, "r2"),
        reg("RegistrationConfirmed", 2, "r2"),  # an older event handled late: r2 stays cancelled
    ],
    "one phone, two registrations": [
        event("ActivityPublished", 0, activity=snapshot()),
        reg("RegistrationConfirmed", 1, "r1"),
        reg("RegistrationConfirmed", 2, "s1"),  # the same phone as r1
        event(
            "ActivityChanged",
            3,
            activity=snapshot(starts_at="2030-03-22T10:00:00+08:00"),
            changed=["starts_at"],
        ),
    ],
    "the activity moves, then is cancelled": [
        event("ActivityPublished", 0, activity=snapshot()),
        reg("RegistrationConfirmed", 1, "r1"),
        reg("RegistrationWaitlisted", 2, "r2", waitlist_position=1),
        reg("RegistrationCancelled", 3, "r3"),
        event("ActivityChanged", 4, activity=snapshot(hall="球幕影院"), changed=["hall"]),
        event("ActivityChanged", 5, activity=snapshot(capacity=9), changed=["capacity"]),
        event("ActivityCancelled", 6, activity=snapshot(V.CANCELLED), reason="天气"),
        event("ActivityChanged", 7, activity=snapshot(), changed=["hall"]),  # late: stays cancelled
        reg("RegistrationConfirmed", 8, "r4"),  # after the cancellation: told about it
    ],
}


class Real:
    def __init__(self, settings, redis):
        p = settings.redis_prefix
        self.projection = Projection(redis, p)
        self.deliveries = Deliveries(redis, p)
        self.reminders = Reminders(
            redis, p, parse_offsets("1440,120"), self.projection, self.deliveries, FakeClock.at_seconds(NOW)
        )

    def messages(self, rids):
        return sorted(
            (e["event_id"], e["registration_id"], e["template"])
            for r in rids
            for e in self.deliveries.entries(r)
        )

    def reminded(self):
        return sorted({m.split("|")[1] for m in self.reminders.scheduled(AID)})


def play(world, events):
    notices = Notices(world.projection, world.deliveries, world.reminders, clock=FakeClock.at_seconds(NOW))
    counts = [notices.handle(e) for e in events]
    try:
        notice = send_notice(Notice("notice:1", AID, "请提前到场"), projection=world.projection,
                             deliveries=world.deliveries, clock=FakeClock.at_seconds(NOW))  # fmt: skip
        counts.append((notice["recipients"], notice["messages"]))
    except Refusal as r:
        counts.append(r.reason)
    return counts


# per scenario: the counts ``play`` answers, the (event, registration, template) of every message,
# and the registrations left with reminders
EXPECTED = {
    "a registrant's life": (
        [0, 1, 1, 0, 1, (0, 0)],
        [("e1", "r1", "waitlisted"), ("e2", "r1", "promoted"), ("e3", "r1", "cancelled")],
        [],
    ),
    "late and out of order": (
        [1, 0, 1, 1, (1, 1)],
        [
            ("e1", "r1", "confirmed"),
            ("e2", "r2", "confirmed"),
            ("e3", "r2", "cancelled"),
            ("notice:1", "r1", "notice"),
        ],
        ["r1"],
    ),  # fmt: skip
    "one phone, two registrations": (
        [0, 1, 1, 1, (2, 1)],  # two registrants, one phone: one message
        [
            ("e1", "r1", "confirmed"),
            ("e2", "s1", "confirmed"),
            ("e3", "r1", "activity_changed"),
            ("notice:1", "r1", "notice"),
        ],
        ["r1", "s1"],
    ),  # fmt: skip
    "the activity moves, then is cancelled": (
        [0, 1, 1, 1, 2, 0, 2, 0, 2, V.ACTIVITY_CANCELLED],
        [
            ("e1", "r1", "confirmed"),
            ("e2", "r2", "waitlisted"),
            ("e3", "r3", "cancelled"),
            ("e4", "r1", "activity_changed"),
            ("e4", "r2", "activity_changed"),
            ("e6", "r1", "activity_cancelled"),
            ("e6", "r2", "activity_cancelled"),
            ("e6", "r4", "activity_cancelled"),
            ("e8", "r4", "confirmed"),
        ],
        [],
    ),  # fmt: skip
}


@pytest.mark.parametrize("name", sorted(SCENARIOS))
def test_redis_records_the_expected_messages(settings, redis, name):
    real = Real(settings, redis)
    rids = sorted({e["data"]["registration_id"] for e in SCENARIOS[name] if "registration_id" in e["data"]})
    counts, messages, reminded = EXPECTED[name]
    assert play(real, SCENARIOS[name]) == counts
    assert real.messages(rids) == messages
    assert real.reminded() == reminded
