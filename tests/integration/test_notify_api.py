"""The delivery log: GET /api/v1/notifications?registration_id=..., organizer token only."""

from __future__ import annotations

import pytest

from services.notify.app import create_app
from services.notify.consumer import bootstrap
from shared.auth import create_token
from tests.conftest import wait_for
from tests.integration.notify_support import (
    activity_event,
    gateway,
    mailbox,
    notify_settings,
    phone,
    registration_event,
    snapshot,
)


@pytest.fixture
def client(notify_settings, redis):
    return create_app(notify_settings, redis_client=redis).test_client()


def test_the_log_shows_what_was_sent_when_over_which_channel_and_how_it_went(
    notify_settings, redis, client, gateway, mailbox
):
    worker = bootstrap(notify_settings, redis)
    worker.notices.handle(activity_event("ActivityPublished", snapshot("imax-log")))
    worker.notices.handle(
        registration_event("RegistrationConfirmed", "imax-log", "rlog", phone(5), email="log@example.org")
    )
    gateway.state.fail(count=1)  # the SMS needs a second try
    for sender in worker.senders.values():
        sender.drain()
    wait_for(
        lambda: worker.senders["sms"].drain() >= 0 and worker.deliveries.queued("sms") == 0,
        what="the SMS retry, after its backoff",
    )
    token = create_token(redis, notify_settings.redis_prefix, "organizer", "org")
    r = client.get("/api/v1/notifications?registration_id=rlog", headers={"Authorization": f"Bearer {token}"})
    assert r.status_code == 200
    log = {e["channel"]: e for e in r.get_json()["notifications"]}
    assert set(log) == {"sms", "email"}
    sms, mail = log["sms"], log["email"]
    assert sms["recipient"] == "139****0005" and mail["recipient"] == "log@example.org"
    assert sms["status"] == "sent" and sms["attempts"] == 2 and "500" in sms["last_error"]
    assert sms["provider_message_id"] == gateway.messages[0]["message_id"]
    assert mail["status"] == "sent" and mail["attempts"] == 1 and "mbx-" in mail["provider_message_id"]
    for e in (sms, mail):
        assert e["template"] == "confirmed" and e["sent_at"] >= e["recorded_at"] and e["lag_ms"] >= 0
    assert "13900000005" not in r.get_data(as_text=True)


def test_the_log_needs_an_organizer_token(notify_settings, redis, client):
    assert client.get("/api/v1/notifications?registration_id=x").status_code == 401
    steward = create_token(redis, notify_settings.redis_prefix, "steward", "gate 1", "ln-stm")
    r = client.get("/api/v1/notifications?registration_id=x", headers={"Authorization": f"Bearer {steward}"})
    assert r.status_code == 403 and r.get_json()["reason"] == "forbidden"
    org = create_token(redis, notify_settings.redis_prefix, "organizer", "org")
    r = client.get("/api/v1/notifications", headers={"Authorization": f"Bearer {org}"})
    assert r.status_code == 422 and r.get_json()["reason"] == "validation_failed"
    r = client.get("/api/v1/notifications?registration_id=nobody", headers={"Authorization": f"Bearer {org}"})
    assert r.status_code == 200 and r.get_json() == {"notifications": []}
