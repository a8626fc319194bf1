"""Issue 17: RegistrationMemberDropped in the check-in and notify projections, on real Redis.

The door then admits no more than the smaller party; an older drop handled late, or a drop that
arrives before the confirmation, never grows the party back."""

from __future__ import annotations

from services.checkin.projection import Projection as DoorProjection
from services.notify.projection import Projection as NotifyProjection
from shared import events as ev


def envelope(kind, n, party, **extra):
    data = {
        "registration_id": "r1",
        "activity_id": "a1",
        "venue_id": "ln-stm",
        "party_size": party,
        "name": "张三",
        "phone": "13800138000",
        "email": None,
        "locale": "zh-CN",
        "manage_url": "http://x/r/r1?t=t",
        "members": [],
        "ticket_code": f"SD1.{party}",
        "ticket_url": "http://x/t/r1?t=t",
        **extra,
    }
    return {"type": kind, "event_id": f"e{n}", "activity_id": "a1", "occurred_at": "2030-01-01T10:00:00+08:00",
            "data": data}  # fmt: skip


def dropped(n, party, before):
    return envelope(ev.REGISTRATION_MEMBER_DROPPED, n, party, previous_party_size=before, status="confirmed")


def test_the_door_projection_keeps_the_smallest_party(settings, redis):
    door = DoorProjection(redis, settings.redis_prefix)
    door.handle(envelope(ev.REGISTRATION_CONFIRMED, 1, 3))
    door.handle(dropped(2, 2, 3))
    door.handle(dropped(3, 1, 2))
    door.handle(dropped(2, 2, 3))  # redelivered late
    got = door.registration("a1", "r1")
    assert (got["party_size"], got["status"], got["phone_masked"]) == (1, "confirmed", "138****8000")
    assert door.reduced("a1") == {"r1": 1}  # what the scanner's state carries, for offline judging


def test_a_drop_before_its_confirmation_is_not_undone_by_it(settings, redis):
    door = DoorProjection(redis, settings.redis_prefix)
    door.handle(dropped(2, 2, 3))
    assert door.registration("a1", "r1")["party_size"] == 2
    door.handle(envelope(ev.REGISTRATION_CONFIRMED, 1, 3))
    got = door.registration("a1", "r1")
    assert (got["party_size"], got["status"]) == (2, "confirmed")  # a party only shrinks


def test_notify_keeps_the_new_size_and_ticket_for_reminders(settings, redis):
    notify = NotifyProjection(redis, settings.redis_prefix)
    notify.put_registration(envelope(ev.REGISTRATION_CONFIRMED, 1, 3))
    notify.put_registration(dropped(2, 2, 3))
    notify.put_registration(dropped(9, 3, 4))  # an older size handled late
    got = notify.registration("a1", "r1")
    assert (got["party_size"], got["ticket_code"], got["status"]) == (2, "SD1.2", "confirmed")
