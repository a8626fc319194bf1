"""The intent store on real Redis: one intent per (event, channel, recipient), leased claims, and a
hand-off fenced by the claim, so a sender whose lease ran out cannot send a message twice."""

from __future__ import annotations

from services.notify.consumer import bootstrap
from services.notify.delivery.intents import Deliveries
from tests.integration.notify_support import (
    activity_event,
    gateway,
    mailbox,
    notify_settings,
    phone,
    registration_event,
    snapshot,
)

REG = {
    "registration_id": "rd",
    "phone": "13900000001",
    "email": "d@example.org",
    "locale": "zh-CN",
    "name": "张三",
    "party_size": 1,
}


def _record(d: Deliveries, now_ms: int = 1_000) -> int:
    return d.record(
        event_id="ev-1",
        cause_type="RegistrationConfirmed",
        occurred_at="2026-05-20T09:00:00+08:00",
        activity_id="a1",
        reg=REG,
        template="confirmed",
        now_ms=now_ms,
    )


def test_an_event_records_one_intent_per_channel_and_recipient_once(settings, redis):
    d = Deliveries(redis, settings.redis_prefix)
    assert _record(d) == 2
    assert _record(d) == 0  # redelivered
    assert d.queued("sms") == 1 and d.queued("email") == 1
    assert [e["channel"] for e in d.entries("rd")] == ["sms", "email"]


def test_a_claim_is_leased_and_fences_the_hand_off(settings, redis):
    d = Deliveries(redis, settings.redis_prefix)
    _record(d)
    nid = d.next_due("sms", 1_000)
    first = d.claim("sms", nid, 1_000, lease_ms=500)
    assert first and first[0] == "pending"
    assert d.claim("sms", nid, 1_200, lease_ms=500) is None  # held
    second = d.claim("sms", nid, 1_600, lease_ms=500)  # the lease ran out: taken over
    assert second and second[0] == "claimed"
    assert d.mark_handoff(nid, first[1], 1_700) is False  # the first sender must not send
    assert d.mark_handoff(nid, second[1], 1_700) is True
    third = d.claim("sms", nid, 2_300, lease_ms=500)  # its sender died during the hand-off
    assert third and third[0] == "handoff" and d.get(nid)["status"] == "handoff"


def test_a_sender_that_lost_its_claim_sends_nothing(notify_settings, redis, gateway, mailbox):
    worker = bootstrap(notify_settings, redis)
    worker.notices.handle(activity_event("ActivityPublished", snapshot("imax-fence")))
    worker.notices.handle(registration_event("RegistrationConfirmed", "imax-fence", "rf", phone(1)))
    d, sender = worker.deliveries, worker.senders["sms"]
    nid = d.next_due("sms", sender.now_ms())
    stale = d.claim("sms", nid, sender.now_ms(), lease_ms=-1)  # a lease that has already run out
    fresh = d.claim("sms", nid, sender.now_ms(), lease_ms=60_000)
    assert sender.deliver(nid, *stale) == "lost" and gateway.messages == []
    assert sender.deliver(nid, *fresh) == "sent" and len(gateway.messages) == 1


def test_a_claim_given_back_after_a_redis_outage_is_due_at_once_and_fenced(settings, redis):
    """A sender that lost Redis mid-message gives its claim back instead of leaving it to the lease."""
    d = Deliveries(redis, settings.redis_prefix)
    _record(d)
    nid = d.next_due("sms", 1_000)
    prev, token = d.claim("sms", nid, 1_000, lease_ms=60_000)
    assert d.mark_handoff(nid, token, 1_100)  # the provider may have it
    assert d.claim("sms", nid, 1_200, lease_ms=60_000) is None
    assert d.release("sms", nid, "not-the-token", 1_200) is False
    assert d.claim("sms", nid, 1_200, lease_ms=60_000) is None  # a stranger cannot release it
    assert d.release("sms", nid, token, 1_200) is True
    assert d.mark_handoff(nid, token, 1_250) is False  # the released claim is fenced
    again = d.claim("sms", nid, 1_300, lease_ms=60_000)  # due now, not at 61_000
    assert again and again[0] == "handoff"  # and it still knows the provider may have it
    assert d.release("sms", nid, token, 1_400) is False  # the old token is spent
