"""Families are told (issue 26 item 4), exactly once, on the real broker with the local SMS
gateway and mailbox: seats released to standby (StandbySeatsReleased), a member dropped
(RegistrationMemberDropped), and the mark before a lock (NoShowMarked with ``warning``; a
real-name party's two members' marks make one message). Every event is on its topic twice (a
relay re-send); a sentinel after them on each topic says when all were handled."""

from __future__ import annotations

from collections import Counter

from shared.envelope import encode, new_event
from shared.kafka import make_producer
from tests.conftest import wait_for
from tests.integration.notify_support import (
    activity_event,
    gateway,
    mailbox,
    notify_settings,
    phone,
    registration_event,
    snapshot,
    start_worker,
    topics,
)

AID = "fam-notice"


def send(settings, topic: str, envelopes: list[dict]) -> None:
    producer = make_producer(settings)
    for env in envelopes:
        producer.send(settings.topic_prefix + topic, key=env["activity_id"].encode(), value=encode(env))
    producer.flush(timeout=10)
    producer.close()


def confirmed(n: int, **kw) -> dict:
    return registration_event("RegistrationConfirmed", AID, f"fam{n}", phone(n), **kw)


def dropped(n: int, **kw) -> dict:
    data = dict(confirmed(n, **kw)["data"], party_size=1, previous_party_size=2, status="confirmed")
    data.update(ticket_code=f"SD1.fam{n}.b", ticket_url=f"http://127.0.0.1:8001/t/fam{n}?t=new")
    return new_event("RegistrationMemberDropped", AID, data, source="registration")


def marked(n: int, member: int, warning: bool) -> dict:
    data = {
        "mark_id": f"fam{n}:{member}",
        "holder": f"id:h{n}{member}",
        "registration_id": f"fam{n}",
        "activity_id": AID,
        "cause": "late_cancellation",
        "marked_at": "2026-12-07T10:00:00+00:00",
        "toward_lock": 2 if warning else 1,
        "marks_to_lock": 3,
        "lock_days": 60,
        "warning": warning,
    }
    return new_event("NoShowMarked", AID, data, source="registration")


def sms_by_phone(gateway) -> Counter:
    """The SMS each phone got, confirmations left out."""
    return Counter(m["phone"] for m in gateway.messages if not m["template_id"].startswith("confirmed"))


def test_released_seats_a_dropped_member_and_the_mark_before_a_lock_are_each_told_once(
    notify_settings,
    redis,
    gateway,
    mailbox,
    topics,
):
    worker = start_worker(notify_settings, redis)
    try:
        send(notify_settings, "activity-events", [activity_event("ActivityPublished", snapshot(AID))])
        regs = [confirmed(1, email="fam1@example.org"), confirmed(2), confirmed(3, locale="en"), confirmed(4)]
        send(notify_settings, "registration-events", regs)
        wait_for(lambda: len(gateway.messages) >= 4, what="four confirmations")
        released = new_event(
            "StandbySeatsReleased",
            AID,
            {"activity_id": AID, "released": 4, "registrations": ["fam1", "fam2"]},
            source="checkin",
        )
        send(notify_settings, "standby-events", [released, released])
        drop = dropped(3, locale="en")
        send(notify_settings, "registration-events", [drop, drop, confirmed(9)])  # fam9: the sentinel
        warnings = [marked(4, 0, True), marked(4, 1, True), marked(2, 0, False)]
        send(notify_settings, "noshow-events", [*warnings, *warnings, marked(9, 0, True)])  # sentinel last
        wait_for(
            lambda: sms_by_phone(gateway)[phone(9)] >= 1 and len(gateway.messages) >= 10,
            what="the sentinels' confirmation and warning",
        )
        wait_for(lambda: phone(1) in sms_by_phone(gateway), what="the release told")
        got = sms_by_phone(gateway)
        assert got == {phone(1): 1, phone(2): 1, phone(3): 1, phone(4): 1, phone(9): 1}, got
        text = {
            m["phone"]: m["text"] for m in gateway.messages if not m["template_id"].startswith("confirmed")
        }
        assert "释放给现场候补" in text[phone(1)] and "释放给现场候补" in text[phone(2)]
        assert "is now for 1 instead of 2" in text[phone(3)] and "t=new" in text[phone(3)]
        assert "爽约记录已有2次" in text[phone(4)] and "暂停报名60天" in text[phone(4)]
        [mail] = wait_for(
            lambda: [m for m in mailbox.messages if "释放" in m["subject"]],
            what="the release's email to fam1",
        )
        assert mail["subject"].startswith("座位已释放给现场候补")
        log = worker.deliveries.entries("fam1")
        assert Counter(e["template"] for e in log)["seats_released"] == 2  # one SMS, one email
        assert [e["template"] for e in worker.deliveries.entries("fam4") if e["template"] != "confirmed"] == [
            "noshow_warning"
        ]
        assert all("13" not in e.get("recipient", "")[:4] or "****" in e["recipient"] for e in log)  # masked
    finally:
        worker.shutdown()
