"""Notify's use cases (services/notify/delivery/usecases.py) over in-memory fakes: which messages an event
calls for, to whom, and the organizer's notice. No Redis, no Flask."""

from __future__ import annotations

import pytest

from services.notify import vocabulary as V
from services.notify.delivery.notices import Notice, send_notice
from services.notify.delivery.usecases import Notices, Refusal
from shared.clock import FakeClock
from tests.unit.fakes_notify import NOW, FakeDeliveries, FakeProjection, FakeReminders


def snapshot(status=V.SCHEDULED, **over):
    return {
        "id": "a1",
        "status": status,
        "starts_at": "2030-03-17T10:00:00+08:00",
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
def world():
    projection, deliveries = FakeProjection(), FakeDeliveries()
    reminders = FakeReminders(projection)
    notices = Notices(projection, deliveries, reminders, clock=FakeClock.at_seconds(NOW))
    notices.handle(event("ActivityPublished", 0, activity=snapshot()))
    return notices, projection, deliveries, reminders


def test_a_confirmation_sends_its_message_and_schedules_reminders(world):
    notices, _, deliveries, reminders = world
    assert notices.handle(registration("RegistrationConfirmed", 1)) == 1
    assert deliveries.templates() == [V.CONFIRMED_TEMPLATE]
    assert reminders.scheduled == {("a1", "r1")}


def test_a_redelivered_event_records_nothing_new(world):
    notices, *_ = world
    notices.handle(registration("RegistrationConfirmed", 1))
    assert notices.handle(registration("RegistrationConfirmed", 1)) == 0


def test_a_cancellation_drops_the_reminders(world):
    notices, _, deliveries, reminders = world
    notices.handle(registration("RegistrationConfirmed", 1))
    notices.handle(registration("RegistrationCancelled", 2))
    assert deliveries.templates() == [V.CONFIRMED_TEMPLATE, V.CANCELLED_TEMPLATE]
    assert reminders.scheduled == set()


def test_a_waitlisted_registrant_is_told_the_position(world):
    notices, _, deliveries, _ = world
    notices.handle(registration("RegistrationWaitlisted", 1, waitlist_position=3))
    (intent,) = deliveries.intents.values()
    assert (intent["template"], intent["context"]) == (V.WAITLISTED_TEMPLATE, {"waitlist_position": 3})


def test_a_moved_activity_tells_every_active_registrant_but_not_the_cancelled(world):
    notices, _, deliveries, _ = world
    notices.handle(registration("RegistrationConfirmed", 1, rid="r1"))
    notices.handle(registration("RegistrationWaitlisted", 2, rid="r2", waitlist_position=1))
    notices.handle(registration("RegistrationCancelled", 3, rid="r3"))
    moved = event("ActivityChanged", 4, activity=snapshot(hall="球幕影院"), changed=["hall", "capacity"])
    assert notices.handle(moved) == 2
    changed = [i for i in deliveries.intents.values() if i["template"] == V.ACTIVITY_CHANGED_TEMPLATE]
    assert [i["context"]["changed"] for i in changed] == [["hall"], ["hall"]]


def test_a_change_nobody_is_told_about_sends_nothing(world):
    notices, *_ = world
    notices.handle(registration("RegistrationConfirmed", 1))
    assert notices.handle(event("ActivityChanged", 2, activity=snapshot(), changed=["capacity"])) == 0


def test_a_registration_after_the_activity_was_cancelled_still_gets_the_cancellation(world):
    notices, _, deliveries, reminders = world
    notices.handle(event("ActivityCancelled", 1, activity=snapshot(V.CANCELLED)))
    assert notices.handle(registration("RegistrationConfirmed", 2)) == 2
    assert deliveries.templates() == [V.CONFIRMED_TEMPLATE, V.ACTIVITY_CANCELLED_TEMPLATE]
    assert reminders.scheduled == set()


def test_a_notice_goes_to_every_active_registrant_once(world):
    notices, projection, deliveries, _ = world
    notices.handle(registration("RegistrationConfirmed", 1, rid="r1"))
    notices.handle(registration("RegistrationCancelled", 2, rid="r2"))
    notice = Notice("notice:k1", "a1", "明天闭馆", "")
    got = send_notice(notice, projection=projection, deliveries=deliveries, clock=FakeClock.at_seconds(NOW))
    assert (got["status"], got["recipients"], got["messages"]) == (V.ACCEPTED, 1, 1)
    again = send_notice(notice, projection=projection, deliveries=deliveries, clock=FakeClock.at_seconds(NOW))
    assert again["messages"] == 0


@pytest.mark.parametrize(
    ("aid", "cancel", "reason"), [("nope", False, V.UNKNOWN_ACTIVITY), ("a1", True, V.ACTIVITY_CANCELLED)]
)
def test_a_notice_is_refused_for_an_unknown_or_cancelled_activity(world, aid, cancel, reason):
    notices, projection, deliveries, _ = world
    if cancel:
        notices.handle(event("ActivityCancelled", 1, activity=snapshot(V.CANCELLED)))
    with pytest.raises(Refusal) as err:
        send_notice(
            Notice("n", aid, "文字"),
            projection=projection,
            deliveries=deliveries,
            clock=FakeClock.at_seconds(NOW),
        )
    assert err.value.reason == reason
    assert V.http_status(reason) in (404, 409)


def test_a_dropped_member_changes_the_party_and_ticket_reminders_use_and_sends_nothing(world):
    notices, projection, deliveries, _ = world
    notices.handle(registration("RegistrationConfirmed", 1, party_size=3, ticket_code="SD1.three"))
    drop = registration(
        "RegistrationMemberDropped", 2, party_size=2, ticket_code="SD1.two", status="confirmed"
    )
    assert notices.handle(drop) == 0  # no message of its own
    late = registration(
        "RegistrationMemberDropped", 3, party_size=3, ticket_code="SD1.old", status="confirmed"
    )
    notices.handle(late)  # an older drop handled late never grows the party back
    got = projection.regs["a1"]["r1"]
    assert (got["party_size"], got["ticket_code"], got["status"]) == (2, "SD1.two", V.CONFIRMED)
    assert deliveries.templates() == [V.CONFIRMED_TEMPLATE]


# -- on-site standby (issue 15 §3) ------------------------------------------------------------------
def test_a_standby_number_called_is_one_sms_to_the_walk_in_once(world):
    notices, _, deliveries, reminders = world
    called = event(
        "StandbyCalled", 7, activity_id="a1", number=3, party_size=2, phone="13900000003", locale="en"
    )
    assert notices.handle(called) == 1
    assert notices.handle(called) == 0  # redelivered: nothing new
    [intent] = deliveries.intents.values()
    assert intent["template"] == V.STANDBY_CALLED_TEMPLATE and intent["recipient"] == "13900000003"
    assert intent["context"] == {"standby_number": 3}
    assert reminders.scheduled == set()  # a walk-in has no registration to remind


def test_an_event_replayed_after_an_erasure_tells_nobody_and_does_not_fail(world):
    """Issue 16: once erased, a late or replayed registration event finds no contact to send to."""
    notices, projection, deliveries, reminders = world
    notices.handle(registration("RegistrationConfirmed", 1))
    notices.handle(event("RegistrationErased", 2, registration_id="r1", cause="registrant"))
    assert notices.handle(registration("WaitlistPromoted", 3)) == 0
    assert notices.handle(registration("RegistrationCancelled", 4, previous_status="confirmed")) == 0
    assert projection.regs["a1"]["r1"].get("erased") and "phone" not in projection.regs["a1"]["r1"]
    assert deliveries.templates() == [V.CONFIRMED_TEMPLATE] and reminders.scheduled == set()


def test_a_standby_call_of_version_2_keeps_the_phone_sealed_into_the_intent(world):
    notices, _, deliveries, _ = world
    called = event("StandbyCalled", 8, activity_id="a1", number=4, party_size=1, phone_sealed="SX1.notify.1.abc",
                   phone_masked="139****0004", locale="zh-CN")  # fmt: skip
    called["version"] = 2
    assert notices.handle(called) == 1
    [intent] = deliveries.intents.values()
    assert intent["recipient"] == "SX1.notify.1.abc"  # opened only by the sender (Deliveries.opened)


def test_a_rebuild_replays_an_erasure_dropping_the_registrant_and_recording_nothing():
    """`sciday rebuild notify` (batches.Replay) hands what is not a registration's own event to
    ``Notices.handle`` over :class:`NoDeliveries`, which must answer every method of the port."""
    from services.notify.delivery.batches import NoDeliveries

    projection = FakeProjection()
    notices = Notices(projection, NoDeliveries(), FakeReminders(projection), clock=FakeClock.at_seconds(NOW))
    notices.handle(registration("RegistrationConfirmed", 1))
    assert notices.handle(event("RegistrationErased", 2, registration_id="r1", cause="registrant")) == 0
    assert projection.regs["a1"]["r1"].get("erased") and "phone" not in projection.regs["a1"]["r1"]
