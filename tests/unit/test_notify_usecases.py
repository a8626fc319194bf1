"""Notify's use cases (services/notify/delivery/usecases.py) on the real Redis stores: which messages
an event calls for, to whom, and the organizer's notice. The projection, the deliveries (intent.lua)
and the reminders are the production adapters on the session's Redis, one key prefix a test
(tests/conftest.py ``store_settings``); only the clock and the sealing keys are the test's. No Flask."""

from __future__ import annotations

import pytest

from services.notify import vocabulary as V
from services.notify.delivery.intents import Deliveries
from services.notify.delivery.notices import Notice, send_notice
from services.notify.delivery.usecases import Notices, Refusal
from services.notify.projection import Projection
from services.notify.reminders.schedule import Reminders, parse_offsets
from shared import sealed
from shared.clock import FakeClock

NOW = 1_900_000_000.0  # 2030-03-17: every activity below starts after it


class World:
    """Notify's stores on one key prefix, and what the tests read back from them."""

    def __init__(self, settings, redis, sealer=None):
        p = settings.redis_prefix
        self.projection = Projection(redis, p)
        self.deliveries = Deliveries(redis, p, sealer=sealer)
        self.reminders = Reminders(
            redis, p, parse_offsets("1440,120"), self.projection, self.deliveries, FakeClock.at_seconds(NOW)
        )
        self.notices = Notices(
            self.projection, self.deliveries, self.reminders, clock=FakeClock.at_seconds(NOW)
        )
        self.redis = redis

    def intents(self, *rids: str) -> list[dict]:
        """The messages recorded for ``rids`` (default r1), in the order they were recorded."""
        log = [
            n.decode()
            for rid in rids or ("r1",)
            for n in self.redis.lrange(self.deliveries.log_key(rid), 0, -1)
        ]
        return [self.deliveries.get(nid) for nid in log]

    def templates(self, *rids: str) -> list[str]:
        return [i["template"] for i in self.intents(*rids)]

    def reminded(self) -> set[tuple[str, str]]:
        return {tuple(m.split("|")[:2]) for m in self.reminders.scheduled()}

    def registrant(self, rid: str = "r1") -> dict:
        return self.projection.registration("a1", rid) or {}


def snapshot(status=V.SCHEDULED, **over):
    return {
        "id": "a1",
        "status": status,
        "starts_at": "2030-03-21T10:00:00+08:00",
        "hall": "巨幕影院",
        **over,
    }


def event(kind, n, **data):
    return {
        "type": kind,
        "event_id": f"e{n}",
        "activity_id": "a1",
        "occurred_at": "2030-03-10T10:00:00+08:00",
        "data": data,
    }


def registration(kind, n, rid="r1", **extra):
    return event(kind, n, registration_id=rid, phone=f"1380000000{rid[-1]}", **extra)


@pytest.fixture
def world(store_settings, store_redis):
    w = World(store_settings, store_redis)
    w.notices.handle(event("ActivityPublished", 0, activity=snapshot()))
    return w


def test_a_confirmation_sends_its_message_and_schedules_reminders(world):
    assert world.notices.handle(registration("RegistrationConfirmed", 1)) == 1
    assert world.templates() == [V.CONFIRMED_TEMPLATE]
    assert world.reminded() == {("a1", "r1")}


def test_a_redelivered_event_records_nothing_new(world):
    world.notices.handle(registration("RegistrationConfirmed", 1))
    assert world.notices.handle(registration("RegistrationConfirmed", 1)) == 0


def test_a_cancellation_drops_the_reminders(world):
    world.notices.handle(registration("RegistrationConfirmed", 1))
    world.notices.handle(registration("RegistrationCancelled", 2))
    assert world.templates() == [V.CONFIRMED_TEMPLATE, V.CANCELLED_TEMPLATE]
    assert world.reminded() == set()


def test_a_waitlisted_registrant_is_told_the_position(world):
    world.notices.handle(registration("RegistrationWaitlisted", 1, waitlist_position=3))
    (intent,) = world.intents()
    assert (intent["template"], intent["context"]) == (V.WAITLISTED_TEMPLATE, {"waitlist_position": 3})


def test_a_moved_activity_tells_every_active_registrant_but_not_the_cancelled(world):
    world.notices.handle(registration("RegistrationConfirmed", 1, rid="r1"))
    world.notices.handle(registration("RegistrationWaitlisted", 2, rid="r2", waitlist_position=1))
    world.notices.handle(registration("RegistrationCancelled", 3, rid="r3"))
    moved = event("ActivityChanged", 4, activity=snapshot(hall="球幕影院"), changed=["hall", "capacity"])
    assert world.notices.handle(moved) == 2
    changed = [i for i in world.intents("r1", "r2", "r3") if i["template"] == V.ACTIVITY_CHANGED_TEMPLATE]
    assert [i["context"]["changed"] for i in changed] == [["hall"], ["hall"]]


def test_a_change_nobody_is_told_about_sends_nothing(world):
    world.notices.handle(registration("RegistrationConfirmed", 1))
    assert world.notices.handle(event("ActivityChanged", 2, activity=snapshot(), changed=["capacity"])) == 0


def test_a_registration_after_the_activity_was_cancelled_still_gets_the_cancellation(world):
    world.notices.handle(event("ActivityCancelled", 1, activity=snapshot(V.CANCELLED)))
    assert world.notices.handle(registration("RegistrationConfirmed", 2)) == 2
    assert world.templates() == [V.CONFIRMED_TEMPLATE, V.ACTIVITY_CANCELLED_TEMPLATE]
    assert world.reminded() == set()


def test_a_notice_goes_to_every_active_registrant_once(world):
    world.notices.handle(registration("RegistrationConfirmed", 1, rid="r1"))
    world.notices.handle(registration("RegistrationCancelled", 2, rid="r2"))
    notice = Notice("notice:k1", "a1", "明天闭馆", "")
    ports = {
        "projection": world.projection,
        "deliveries": world.deliveries,
        "clock": FakeClock.at_seconds(NOW),
    }
    got = send_notice(notice, **ports)
    assert (got["status"], got["recipients"], got["messages"]) == (V.ACCEPTED, 1, 1)
    assert send_notice(notice, **ports)["messages"] == 0


@pytest.mark.parametrize(
    ("aid", "cancel", "reason"), [("nope", False, V.UNKNOWN_ACTIVITY), ("a1", True, V.ACTIVITY_CANCELLED)]
)
def test_a_notice_is_refused_for_an_unknown_or_cancelled_activity(world, aid, cancel, reason):
    if cancel:
        world.notices.handle(event("ActivityCancelled", 1, activity=snapshot(V.CANCELLED)))
    with pytest.raises(Refusal) as err:
        send_notice(
            Notice("n", aid, "文字"),
            projection=world.projection,
            deliveries=world.deliveries,
            clock=FakeClock.at_seconds(NOW),
        )
    assert err.value.reason == reason
    assert V.http_status(reason) in (404, 409)


def test_a_dropped_member_changes_the_party_and_ticket_reminders_use_and_is_told_once(world):
    """Issue 26: the registrant is told of the smaller party (before, nothing was sent)."""
    world.notices.handle(registration("RegistrationConfirmed", 1, party_size=3, ticket_code="SD1.three"))
    drop = registration(
        "RegistrationMemberDropped",
        2,
        party_size=2,
        ticket_code="SD1.two",
        status="confirmed",
        previous_party_size=3,
    )
    told = world.notices.handle(drop)
    assert told >= 1 and world.notices.handle(drop) == 0  # one per channel; redelivered: nothing new
    late = registration(
        "RegistrationMemberDropped",
        3,
        party_size=3,
        ticket_code="SD1.old",
        status="confirmed",
        previous_party_size=4,
    )
    assert world.notices.handle(late) == 0  # an older drop handled late changes and tells nothing
    got = world.registrant()
    assert (got["party_size"], got["ticket_code"], got["status"]) == (2, "SD1.two", V.CONFIRMED)
    assert world.templates() == [V.CONFIRMED_TEMPLATE] + [V.MEMBER_DROPPED_TEMPLATE] * told


# -- on-site standby (issue 15 §3) ------------------------------------------------------------------
def test_a_standby_number_called_is_one_sms_to_the_walk_in_once(world):
    called = event(
        "StandbyCalled", 7, activity_id="a1", number=3, party_size=2, phone="13900000003", locale="en"
    )
    assert world.notices.handle(called) == 1
    assert world.notices.handle(called) == 0  # redelivered: nothing new
    [intent] = world.intents("standby:a1:3")
    assert intent["template"] == V.STANDBY_CALLED_TEMPLATE and intent["recipient"] == "13900000003"
    assert intent["context"] == {"standby_number": 3}
    assert world.reminded() == set()  # a walk-in has no registration to remind


def test_an_event_replayed_after_an_erasure_tells_nobody_and_does_not_fail(world):
    """Issue 16: once erased, a late or replayed registration event finds no contact to send to."""
    world.notices.handle(registration("RegistrationConfirmed", 1))
    world.notices.handle(event("RegistrationErased", 2, registration_id="r1", cause="registrant"))
    assert world.notices.handle(registration("WaitlistPromoted", 3)) == 0
    assert world.notices.handle(registration("RegistrationCancelled", 4, previous_status="confirmed")) == 0
    assert world.registrant().get("erased") and "phone" not in world.registrant()
    assert world.templates() == [V.CONFIRMED_TEMPLATE] and world.reminded() == set()


def test_a_standby_call_of_version_2_keeps_the_phone_sealed_into_the_intent(store_settings, store_redis):
    ring = sealed.sealer(store_settings, sealed.NOTIFY)
    world = World(store_settings, store_redis, sealer=ring)
    phone_sealed = ring.seal({"phone": "13900000004"})
    called = event("StandbyCalled", 8, activity_id="a1", number=4, party_size=1, phone_sealed=phone_sealed,
                   phone_masked="139****0004", locale="zh-CN")  # fmt: skip
    called["version"] = 2
    assert world.notices.handle(called) == 1
    [intent] = world.intents("standby:a1:4")
    assert sealed.is_sealed(intent["at_rest"]["recipient"])  # sealed at rest
    assert intent["recipient"] == "13900000004"  # opened only by the sender (Deliveries.get)


def test_a_rebuild_replays_an_erasure_dropping_the_registrant_and_recording_nothing(
    store_settings, store_redis
):
    """`sciday rebuild notify` (batches.Replay) hands what is not a registration's own event to
    ``Notices.handle`` over :class:`NoDeliveries`, which must answer every method of the port."""
    from services.notify.delivery.batches import NoDeliveries

    world = World(store_settings, store_redis)
    notices = Notices(world.projection, NoDeliveries(), world.reminders, clock=FakeClock.at_seconds(NOW))
    notices.handle(registration("RegistrationConfirmed", 1))
    assert notices.handle(event("RegistrationErased", 2, registration_id="r1", cause="registrant")) == 0
    assert world.registrant().get("erased") and "phone" not in world.registrant()
    assert world.intents() == []


# -- issue 26: seats released to standby, the mark before a lock ------------------------------------
def test_released_seats_tell_each_confirmed_registration_once(world):
    world.notices.handle(registration("RegistrationConfirmed", 1, party_size=2))
    world.notices.handle(registration("RegistrationConfirmed", 2, rid="r2", party_size=1))
    world.notices.handle(registration("RegistrationCancelled", 3, rid="r2", previous_status="confirmed"))
    released = event(
        "StandbySeatsReleased", 4, activity_id="a1", released=3, registrations=["r1", "r2", "r9"]
    )
    assert world.notices.handle(released) == 1  # r1; r2 was cancelled meanwhile; r9 is unknown here
    assert world.notices.handle(released) == 0  # redelivered: nothing new
    assert world.templates() == [V.CONFIRMED_TEMPLATE, V.SEATS_RELEASED_TEMPLATE]


def test_the_mark_before_a_lock_warns_the_registrant_once_per_registration(world):
    world.notices.handle(registration("RegistrationConfirmed", 1, party_size=2))
    warn = {
        "registration_id": "r1",
        "activity_id": "a1",
        "toward_lock": 2,
        "marks_to_lock": 3,
        "lock_days": 60,
    }
    quiet = event("NoShowMarked", 2, mark_id="r1:0", holder="id:a", warning=False, **warn)
    assert world.notices.handle(quiet) == 0  # not the mark before a lock
    first = event("NoShowMarked", 3, mark_id="r1:0", holder="id:a", warning=True, **warn)
    second = event("NoShowMarked", 4, mark_id="r1:1", holder="id:b", warning=True, **warn)
    assert world.notices.handle(first) == 1
    assert world.notices.handle(second) == 0  # the party's second member: the registrant knows
    [intent] = [i for i in world.intents() if i["template"] == V.NOSHOW_WARNING_TEMPLATE]
    assert intent["context"] == {"toward_lock": 2, "marks_to_lock": 3, "lock_days": 60}
