"""Confirmation email with the ticket's QR code, received by a real aiosmtpd server and decoded;
the SMS twin at the real local gateway; NotificationSent on notification-events."""

from __future__ import annotations

import io
import json

import zxingcpp
from kafka import KafkaConsumer
from PIL import Image

from shared.tickets import KeyRing, new_registration_id
from standins.mailbox import attachments, parse
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


def _notification_events(settings, expect: int) -> list[dict]:
    consumer = KafkaConsumer(
        settings.topic_prefix + "notification-events",
        bootstrap_servers=settings.kafka_bootstrap_servers,
        group_id=None,
        auto_offset_reset="earliest",
        consumer_timeout_ms=300,
    )
    got: list[dict] = []
    try:
        wait_for(
            lambda: got.extend(json.loads(m.value) for m in consumer) or len(got) >= expect,
            what=f"{expect} notification events",
        )
    finally:
        consumer.close()
    return got


def test_confirmation_email_carries_the_ticket_qr_and_the_sms_the_link(
    notify_settings, redis, topics, gateway, mailbox, tmp_path
):
    code = KeyRing.load_or_create(tmp_path / "keys").sign(
        registration_id=new_registration_id(),
        activity_id="imax-qr",
        venue_id="ln-stm",
        party_size=3,
        valid_from=1_900_000_000,
        valid_until=1_900_007_200,
    )
    r = rid(1)
    snap = snapshot("imax-qr")
    worker = start_worker(notify_settings, redis)
    try:
        produce(
            notify_settings,
            [
                activity_event("ActivityPublished", snap),
                registration_event(
                    "RegistrationConfirmed",
                    "imax-qr",
                    r,
                    phone(1),
                    email="li.si@example.org",
                    ticket_code=code,
                    party_size=3,
                ),
            ],
        )
        [mail] = wait_for(lambda: mailbox.messages, what="the confirmation email")
        msg = parse(mail["raw"])
        assert mail["rcpt_tos"] == ["li.si@example.org"]
        assert msg["Subject"] == "报名成功：巨幕科技工作者专场"
        body = msg.get_body(preferencelist=("plain",)).get_content()
        for part in ("巨幕科技工作者专场", "辽宁省科学技术馆", "巨幕影院", "3 人", f"/t/{r}?t=tok"):
            assert part in body, part
        # issue 29: the calendar file rides along (tests/integration/test_calendar_file.py)
        [(filename, ctype, png)] = [a for a in attachments(msg) if a[1] != "text/calendar"]
        assert (filename, ctype) == ("ticket-qr.png", "image/png")
        decoded = [d.text for d in zxingcpp.read_barcodes(Image.open(io.BytesIO(png)))]
        assert decoded == [code]

        [sms] = wait_for(lambda: gateway.messages, what="the confirmation SMS")
        assert sms["phone"] == phone(1) and sms["template_id"] == "confirmed.zh-CN"
        assert "巨幕科技工作者专场" in sms["text"] and f"/t/{r}?t=tok" in sms["text"]
        assert sms["params"]["party_size"] == "3"

        events = _notification_events(notify_settings, 2)
        sent = {e["data"]["channel"]: e for e in events if e["type"] == "NotificationSent"}
        assert set(sent) == {"sms", "email"}
        assert sent["sms"]["data"]["provider_message_id"] == sms["message_id"]
        assert "mbx-" in sent["email"]["data"]["provider_message_id"]
        assert all(e["activity_id"] == "imax-qr" and e["data"]["registration_id"] == r for e in events)
        log = worker.deliveries.entries(r)
        assert {(e["channel"], e["status"], e["template"]) for e in log} == {
            ("sms", "sent", "confirmed"),
            ("email", "sent", "confirmed"),
        }
        assert all(e["attempts"] == 1 and "lag_ms" in e for e in log)
    finally:
        worker.shutdown()


def test_english_registrants_get_english_messages(notify_settings, redis, topics, gateway, mailbox):
    snap = snapshot("imax-en")
    r = rid(2)
    worker = start_worker(notify_settings, redis)
    try:
        produce(
            notify_settings,
            [
                activity_event("ActivityPublished", snap),
                registration_event(
                    "RegistrationWaitlisted",
                    "imax-en",
                    r,
                    phone(2),
                    email="guest@example.org",
                    locale="en",
                    position=4,
                ),
            ],
        )
        [mail] = wait_for(lambda: mailbox.messages, what="the waitlist email")
        assert mail["subject"] == "You are on the waitlist: IMAX special screening"
        assert "at number 4" in mail["text"] and mail["attachments"] == []  # no ticket yet
        [sms] = wait_for(lambda: gateway.messages, what="the waitlist SMS")
        assert sms["template_id"] == "waitlisted.en" and "number 4 on the waitlist" in sms["text"]
    finally:
        worker.shutdown()
