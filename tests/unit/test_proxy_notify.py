"""代预约 (issue 29): the person booked for gets the ticket messages too, by SMS, and their phone
rests sealed like the registrant's (privacy/personal.py, notify's intents.recipients)."""

from __future__ import annotations

from services.notify.delivery.intents import recipients
from services.registration.privacy import personal


def test_the_attendee_is_a_second_sms_recipient():
    reg = {"phone": "13800138000", "attendee_phone": "13900139001", "email": "w@example.cn"}
    assert recipients(reg) == [("sms", "13800138000"), ("sms", "13900139001"), ("email", "w@example.cn")]


def test_no_second_message_for_ones_own_booking_or_the_same_number_or_after_erasure():
    assert recipients({"phone": "13800138000"}) == [("sms", "13800138000")]
    assert recipients({"phone": "13800138000", "attendee_phone": "13800138000"}) == [("sms", "13800138000")]
    assert recipients({"attendee_phone": "13900139001"}) == []  # erased: no contact field left


def test_the_attendee_phone_travels_in_notifys_copy_only_when_given():
    reg = {f: f for f in personal.FOR_NOTIFY}
    assert "attendee_phone" not in personal.notify_fields(reg)
    assert personal.notify_fields(dict(reg, attendee_phone="13900139001"))["attendee_phone"] == "13900139001"
    assert "attendee_phone" in personal.ERASED and "proxy_person" in personal.ERASED


def test_the_per_phone_entry_is_the_person_who_goes():
    secret, me, grandma = b"k" * 32, "13800138000", "13900139001"
    own = personal.goer_ref(secret, {"phone": me})
    assert own == personal.phone_ref(secret, me)
    assert personal.goer_ref(secret, {"phone": me, "attendee_phone": grandma}) == personal.phone_ref(
        secret, grandma
    )
    by_id = personal.goer_ref(secret, {"phone": me, "proxy_person": "p", "id_hashes": ["h1"]})
    assert by_id not in (
        own,
        personal.goer_ref(secret, {"phone": me, "proxy_person": "p", "id_hashes": ["h2"]}),
    )
    assert personal.goer_ref(secret, {"phone": me, "proxy_person": "p"}) == own  # by name only: the helper's
