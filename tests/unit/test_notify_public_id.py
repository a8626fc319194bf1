"""Notify's topics carry no hash of an address (issue 23).

The id notify keeps for a message hashes the address in (one message per address and event), and
it went out as is on notification-events and its dead letters: whoever tried the phones got the
phone back.  On the topics a notification is named by (event, channel, registration) instead."""

from __future__ import annotations

import json
from datetime import UTC, datetime

from services.notify.delivery.intents import notification_id
from services.notify.delivery.publisher import Publisher, outcome_event
from shared.config import Settings


def _intent(phone: str) -> dict:
    return {
        "notification_id": notification_id("ev-1", "sms", phone),
        "event_id": "ev-1",
        "cause_type": "RegistrationConfirmed",
        "occurred_at": "2026-05-20T09:00:00+08:00",
        "activity_id": "a1",
        "registration_id": "r1",
        "channel": "sms",
        "recipient": "sealed-recipient",
        "template": "confirmed",
    }


class _Pipe:
    def __init__(self):
        self.added: list[dict] = []

    def xadd(self, _stream, fields):
        self.added.append(fields)


def test_an_outcome_event_names_the_notification_without_its_address():
    now = datetime(2026, 5, 20, 1, tzinfo=UTC)
    one, other = (
        outcome_event("NotificationSent", _intent(p), now, provider_message_id="gw-1")
        for p in ("13900000001", "13900000002")
    )
    assert one["data"]["notification_id"] == other["data"]["notification_id"]
    assert one["event_id"] == other["event_id"]  # still stable per notification
    text = json.dumps(one)
    assert notification_id("ev-1", "sms", "13900000001") not in text
    assert "13900000001" not in text


def test_a_dead_letter_names_the_notification_without_its_address():
    pipe = _Pipe()
    Publisher(Settings(), None).add_dead_letter(pipe, _intent("13900000001"), "gone", 3)
    value = json.loads(pipe.added[0]["value"])
    assert value["notification_id"] != notification_id("ev-1", "sms", "13900000001")
    assert value["registration_id"] == "r1" and value["recipient"] == "sealed-recipient"
