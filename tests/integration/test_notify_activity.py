"""Activity-wide notices, addressed from notify's own projection: a cancelled activity tells
everyone registered or waitlisted (and nobody who had cancelled); a change of hall tells every
active registrant; a change they need not know about (capacity) tells nobody."""

from __future__ import annotations

from collections import Counter

from tests.conftest import wait_for
from tests.integration.notify_support import (
    activity_event,
    gateway,
    mailbox,
    notify_settings,
    phone,
    produce,
    registration_event,
    rid,
    snapshot,
    start_worker,
    topics,
)


def _sms(gateway, template: str) -> Counter:
    return Counter(m["phone"] for m in gateway.messages if m["template_id"] == f"{template}.zh-CN")


def test_cancelling_an_activity_with_50_registrants_sends_50_notices(
    notify_settings, redis, topics, gateway, mailbox
):
    aid = "imax-cancel"
    snap = snapshot(aid)
    confirmed = [(rid(i), phone(i), f"c{i}@example.org" if i % 2 else None) for i in range(45)]
    waitlisted = [(rid(i), phone(i), None) for i in range(45, 50)]
    gone = [(rid(i), phone(i), None) for i in range(50, 53)]  # registered, then cancelled
    events = [activity_event("ActivityPublished", snap)]
    events += [
        registration_event("RegistrationConfirmed", aid, r, p, email=e) for r, p, e in confirmed + gone
    ]
    events += [
        registration_event("RegistrationWaitlisted", aid, r, p, position=i + 1)
        for i, (r, p, _e) in enumerate(waitlisted)
    ]
    events += [registration_event("RegistrationCancelled", aid, r, p) for r, p, _e in gone]
    cancel = activity_event("ActivityCancelled", dict(snap, status="cancelled"), reason="设备检修")
    worker = start_worker(notify_settings, redis)
    try:
        produce(notify_settings, events)
        wait_for(
            lambda: (
                len(worker.projection.registrants(aid, ("cancelled",))) == 3
                and len(worker.projection.registrants(aid)) == 50
            ),
            what="the registrations handled",
        )
        produce(notify_settings, [cancel, cancel])  # the cancellation, delivered twice
        active = confirmed + waitlisted
        wait_for(lambda: sum(_sms(gateway, "activity_cancelled").values()) >= 50, what="50 cancellation SMS")
        with_email = [e for _r, _p, e in active if e]
        wait_for(
            lambda: sum(m["subject"].startswith("活动取消") for m in mailbox.messages) >= len(with_email),
            what="the cancellation emails",
        )
        wait_for(
            lambda: worker.deliveries.queued("sms") == 0 and worker.deliveries.queued("email") == 0,
            what="the queues drained",
        )
    finally:
        worker.shutdown()
    assert _sms(gateway, "activity_cancelled") == Counter(p for _r, p, _e in active)
    notice = next(m for m in gateway.messages if m["template_id"] == "activity_cancelled.zh-CN")
    assert "已取消" in notice["text"] and "设备检修" in notice["text"]
    mails = Counter(a for m in mailbox.messages if m["subject"].startswith("活动取消") for a in m["rcpt_tos"])
    assert mails == Counter(with_email)
    assert worker.reminders.scheduled(aid) == {}  # no reminder for a cancelled activity


def test_a_hall_change_tells_active_registrants_and_a_capacity_change_nobody(
    notify_settings, redis, topics, gateway, mailbox
):
    aid = "imax-hall"
    snap = snapshot(aid)
    stay = [(rid(i), phone(i)) for i in range(3)]
    wait = (rid(3), phone(3))
    left = (rid(4), phone(4))
    events = [activity_event("ActivityPublished", snap)]
    events += [registration_event("RegistrationConfirmed", aid, r, p) for r, p in stay + [left]]
    events += [
        registration_event("RegistrationWaitlisted", aid, *wait),
        registration_event("RegistrationCancelled", aid, *left),
    ]
    changes = [
        activity_event("ActivityChanged", dict(snap, capacity=300), changed=["capacity"]),
        activity_event("ActivityChanged", dict(snap, capacity=300, hall="球幕影院"), changed=["hall"]),
    ]
    worker = start_worker(notify_settings, redis)
    try:
        produce(notify_settings, events)
        wait_for(
            lambda: (
                len(worker.projection.registrants(aid)) == 4
                and len(worker.projection.registrants(aid, ("cancelled",))) == 1
            ),
            what="the registrations handled",
        )
        produce(notify_settings, changes)
        wait_for(lambda: sum(_sms(gateway, "activity_changed").values()) >= 4, what="4 change notices")
        wait_for(lambda: worker.deliveries.queued("sms") == 0, what="the SMS queue drained")
    finally:
        worker.shutdown()
    assert _sms(gateway, "activity_changed") == Counter(p for _r, p in stay + [wait])
    text = next(m["text"] for m in gateway.messages if m["template_id"] == "activity_changed.zh-CN")
    assert "场厅有变更" in text and "球幕影院" in text


def test_a_registration_read_after_the_cancellation_still_gets_the_notice(
    notify_settings, redis, gateway, mailbox
):
    """The two topics are read independently: the cancellation may be handled first."""
    from services.notify.consumer import bootstrap

    worker = bootstrap(notify_settings, redis)
    aid, (r, p) = "imax-order", (rid(1), phone(1))
    snap = snapshot(aid)
    worker.notices.handle(activity_event("ActivityPublished", snap))
    cancel = activity_event("ActivityCancelled", dict(snap, status="cancelled"))
    worker.notices.handle(cancel)
    worker.notices.handle(registration_event("RegistrationConfirmed", aid, r, p))
    worker.notices.handle(cancel)  # and a redelivery changes nothing
    worker.senders["sms"].drain()
    assert sorted(m["template_id"] for m in gateway.messages) == [
        "activity_cancelled.zh-CN",
        "confirmed.zh-CN",
    ]
    assert worker.reminders.scheduled(aid) == {}
