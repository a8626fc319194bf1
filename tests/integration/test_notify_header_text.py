"""Issue 23 finding 10, notify's side: a line break in an activity's title.

A bare ``\\n`` in a title reached an email's subject (cut there) and body; a U+2028 made every
email of that activity fail inside the mail library and be tried again every 60 s for ever. Notify
now writes the title as one line wherever it comes from (an activity stored before registration
refused such titles), and a message that fails for its content is dead-lettered, not retried.
"""

from __future__ import annotations

import json

import pytest

from services.notify.consumer import bootstrap
from services.notify.delivery.publisher import public_id
from shared.clock import FakeClock
from shared.text import LINE_BREAKS
from tests.integration.notify_support import (
    activity_event,
    gateway,
    mailbox,
    notify_settings,
    phone,
    registration_event,
    snapshot,
)

__all__ = ["gateway", "mailbox", "notify_settings"]  # fixtures


def _email_of(worker, aid: str, rid: str, email: str) -> str:
    worker.notices.handle(registration_event("RegistrationConfirmed", aid, rid, phone(1), email=email))
    d, sender = worker.deliveries, worker.senders["email"]
    nid = d.next_due("email", sender.now_ms())
    return sender.deliver(nid, *d.claim("email", nid, sender.now_ms(), lease_ms=60_000)), nid


@pytest.mark.parametrize("brk", list(LINE_BREAKS), ids=[f"U+{ord(c):04X}" for c in LINE_BREAKS])
def test_a_title_with_a_line_break_is_sent_on_one_line(notify_settings, redis, mailbox, brk):
    worker = bootstrap(notify_settings, redis)
    title = {"zh": f"科学之夜{brk}天文观测", "en": "Science night"}
    worker.notices.handle(activity_event("ActivityPublished", snapshot("a-br", title=title)))
    outcome, _nid = _email_of(worker, "a-br", "rbr1", "li.si@example.org")
    assert outcome == "sent"
    [mail] = mailbox.messages
    assert mail["subject"] == "报名成功：科学之夜 天文观测"
    assert "科学之夜 天文观测" in mail["text"]


def test_a_message_that_fails_for_its_content_is_dead_lettered_not_retried(notify_settings, redis, mailbox):
    """An address the mail library refuses to write (a line separator in it): a permanent error."""
    worker = bootstrap(notify_settings, redis)
    worker.notices.handle(activity_event("ActivityPublished", snapshot("a-dl")))
    outcome, nid = _email_of(worker, "a-dl", "rdl1", "li\u2028si@example.org")
    d = worker.deliveries
    assert outcome == "failed" and d.get(nid)["status"] == "failed"
    assert d.next_due("email", worker.senders["email"].now_ms() + 3_600_000) is None  # never again
    dead = [f for _id, f in redis.xrange(worker.publisher.stream) if f[b"topic"].decode().endswith("-dlq")]
    # the dead letter names it as notify's topics do: without a hash of the address
    assert len(dead) == 1 and json.loads(dead[0][b"value"])["notification_id"] == public_id(d.get(nid))
    assert mailbox.messages == []


class Broken:
    """An SMS channel whose library fails with something that is not a provider's answer."""

    name, sender, idempotent = "sms", "科技节", True

    def send(self, intent, rendered, before_handoff):
        raise RuntimeError("the library cannot write this message")


def test_an_unexpected_failure_before_the_hand_off_is_counted_and_ends_in_the_dead_letters(
    notify_settings, redis
):
    """It used to escape the sender and leave the message to its lease: tried every minute for ever."""
    from services.notify.channels.sender import Sender

    worker = bootstrap(notify_settings, redis)
    worker.notices.handle(activity_event("ActivityPublished", snapshot("a-rt")))
    worker.notices.handle(registration_event("RegistrationConfirmed", "a-rt", "rrt1", phone(2)))
    d, real = worker.deliveries, worker.senders["sms"]
    later = [real.now_ms()]
    clock = FakeClock.at_seconds(later[0] / 1000)
    sender = Sender(Broken(), d, real.projection, real.publisher, notify_settings, clock=clock)
    outcomes = []
    for _ in range(notify_settings.notify_max_attempts + 2):
        later[0] += 3_600_000  # past any backoff
        clock.advance(milliseconds=3_600_000)
        nid = d.next_due("sms", later[0])
        if nid is None:
            break
        outcomes.append(sender.deliver(nid, *d.claim("sms", nid, later[0], lease_ms=60_000)))
    assert outcomes == ["retrying"] * (notify_settings.notify_max_attempts - 1) + ["failed"]


class Refusing(Broken):
    def send(self, intent, rendered, before_handoff):
        from services.notify.channels import ProviderError

        raise ProviderError("the provider refuses this content", retryable=False)


def test_past_the_dead_letter_cap_failed_messages_are_put_back_not_dead_lettered(notify_settings, redis):
    """A channel that fails everything (a bad deploy) cannot drain the queue into the dead letters."""
    from services.notify.channels.sender import Sender

    settings = notify_settings.with_overrides(consumer_dlq_max=2, consumer_dlq_window_s=600)
    worker = bootstrap(settings, redis)
    worker.notices.handle(activity_event("ActivityPublished", snapshot("a-cap")))
    for i in range(3):
        worker.notices.handle(registration_event("RegistrationConfirmed", "a-cap", f"rcap{i}", phone(10 + i)))
    d, real = worker.deliveries, worker.senders["sms"]
    sender = Sender(Refusing(), d, real.projection, real.publisher, settings, clock=real.clock)
    outcomes = []
    for _ in range(3):
        nid = d.next_due("sms", sender.now_ms())
        outcomes.append(sender.deliver(nid, *d.claim("sms", nid, sender.now_ms(), lease_ms=60_000)))
    assert outcomes == ["failed", "failed", "deferred"]
    assert d.get(nid)["status"] == "pending" and d.queued("sms") == 1  # kept for after the fix
