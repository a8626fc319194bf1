"""Organizer notices through the notify service: one message per registrant and channel, in
their language, through the real senders to the local SMS gateway and mailbox; a retried POST
with the same Idempotency-Key sends nothing twice."""

from __future__ import annotations

from services.notify.app import create_app as notify_app
from shared.auth import create_token
from standins.mailbox import parse
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


def test_a_notice_reaches_every_active_registrant_once(notify_settings, redis, topics, gateway, mailbox):
    client = notify_app(notify_settings).test_client()
    org = {
        "Authorization": "Bearer " + create_token(redis, notify_settings.redis_prefix, "organizer", "省科协")
    }
    snap = snapshot("notice-dome", title={"zh": "球幕影院家庭专场", "en": "Dome family screening"})
    zh, en, gone = rid(1), rid(2), rid(3)
    worker = start_worker(notify_settings, redis)
    try:
        produce(
            notify_settings,
            [
                activity_event("ActivityPublished", snap),
                registration_event(
                    "RegistrationConfirmed", "notice-dome", zh, phone(1), email="li@example.org"
                ),
                registration_event("RegistrationWaitlisted", "notice-dome", en, phone(2), locale="en"),
                registration_event("RegistrationConfirmed", "notice-dome", gone, phone(3)),
                registration_event("RegistrationCancelled", "notice-dome", gone, phone(3)),
            ],
        )
        wait_for(lambda: len(gateway.messages) >= 4 and mailbox.messages, what="the registration messages")
        before_sms, before_mail = len(gateway.messages), len(mailbox.messages)

        body = {
            "activity_id": "notice-dome",
            "message_zh": "因设备调试，入场推迟15分钟。",
            "message_en": "Doors open 15 minutes late.",
        }
        headers = {**org, "Idempotency-Key": "notice-1"}
        first = client.post("/api/v1/notices", json=body, headers=headers)
        assert first.status_code == 202, first.get_json()
        assert (first.get_json()["recipients"], first.get_json()["messages"]) == (2, 3)  # 2 SMS + 1 email
        again = client.post("/api/v1/notices", json=body, headers=headers).get_json()
        assert (again["notice_id"], again["messages"]) == (first.get_json()["notice_id"], 0)

        wait_for(
            lambda: len(gateway.messages) >= before_sms + 2 and len(mailbox.messages) >= before_mail + 1,
            what="the notice by SMS and email",
        )
        sms = {m["phone"]: m for m in gateway.messages[before_sms:]}
        assert set(sms) == {phone(1), phone(2)}  # not the cancelled registrant
        assert (
            "因设备调试，入场推迟15分钟。" in sms[phone(1)]["text"]
            and "球幕影院家庭专场" in sms[phone(1)]["text"]
        )
        assert sms[phone(1)]["template_id"] == "notice.zh-CN"
        assert (
            "Doors open 15 minutes late." in sms[phone(2)]["text"]
            and "Dome family screening" in sms[phone(2)]["text"]
        )
        mail = parse(mailbox.messages[-1]["raw"])
        assert mail["Subject"] == "活动通知：球幕影院家庭专场"
        assert "因设备调试" in mail.get_body(preferencelist=("plain",)).get_content()
        log = worker.deliveries.entries(zh)
        assert {(e["channel"], e["template"]) for e in log if e["template"] == "notice"} == {
            ("sms", "notice"),
            ("email", "notice"),
        }
    finally:
        worker.shutdown()


def test_notice_refusals(notify_settings, redis):
    client = notify_app(notify_settings).test_client()
    org = {"Authorization": "Bearer " + create_token(redis, notify_settings.redis_prefix, "organizer", "o")}
    steward = {
        "Authorization": "Bearer "
        + create_token(redis, notify_settings.redis_prefix, "steward", "s", "ln-stm")
    }
    body = {"activity_id": "never-seen", "message_zh": "通知"}
    assert client.post("/api/v1/notices", json=body, headers=org).get_json()["reason"] == "unknown_activity"
    assert client.post("/api/v1/notices", json=body, headers=steward).get_json()["reason"] == "forbidden"
    assert client.post("/api/v1/notices", json=body).status_code == 401
    bad = client.post("/api/v1/notices", json={"activity_id": "x", "message_zh": ""}, headers=org)
    assert bad.status_code == 422 and "message_zh" in bad.get_json()["errors"]
