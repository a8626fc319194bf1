"""Per-channel rate limits: SMS at its configured rate forms a queue in Redis, and email, on its
own queue and sender, is not held up by it."""

from __future__ import annotations

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


def test_a_slow_sms_rate_forms_a_queue_without_holding_up_email(
    notify_settings, redis, topics, gateway, mailbox
):
    rate, n, aid = 2.0, 6, "imax-rate"
    settings = notify_settings.with_overrides(notify_sms_per_s=rate, notify_email_per_s=0)
    worker = start_worker(settings, redis)
    try:
        produce(
            settings,
            [activity_event("ActivityPublished", snapshot(aid))]
            + [
                registration_event("RegistrationConfirmed", aid, rid(i), phone(i), email=f"r{i}@example.org")
                for i in range(n)
            ],
        )
        wait_for(lambda: len(mailbox.messages) >= n, what="every email")
        # At 2 SMS/s, six SMS need at least 2.5 s; the emails did not wait for them.
        assert len(gateway.messages) < n and worker.deliveries.queued("sms") > 0
        wait_for(lambda: len(gateway.messages) >= n, what="every SMS, at its own pace")
    finally:
        worker.shutdown()
    arrived = [m["received_mono"] for m in gateway.messages]
    assert arrived[-1] - arrived[0] >= (n - 1) / rate * 0.9  # never faster than the configured rate
