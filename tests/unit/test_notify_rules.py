"""Reminder timing, retry backoff and SMS adapter details; no servers."""

from __future__ import annotations

from services.notify.channels.outcomes import backoff_ms
from services.notify.channels.sms import SmsChannel, parse_template_ids, signature
from services.notify.reminders.schedule import due_times, event_id, parse_offsets, superseded

MIN = 60_000
START = 1_900_000_000_000


def test_reminder_offsets_default_to_24_and_2_hours_largest_first():
    assert parse_offsets("120,1440") == [1440, 120]
    assert parse_offsets("1440, 120, 120, 0, ") == [1440, 120]
    assert parse_offsets("") == []


def test_reminders_are_due_their_offset_before_the_start():
    assert due_times(START, [1440, 120]) == {1440: START - 1440 * MIN, 120: START - 120 * MIN}


def test_an_earlier_reminder_is_superseded_when_a_later_one_is_due_too():
    offsets = [1440, 120]
    assert not superseded(1440, offsets, START, START - 1440 * MIN)  # on time
    assert superseded(1440, offsets, START, START - 120 * MIN)  # late: the 2 h one is due
    assert not superseded(120, offsets, START, START - 60 * MIN)


def test_a_new_start_time_makes_a_new_reminder():
    assert event_id("r1", 120, START) == event_id("r1", 120, START)
    assert event_id("r1", 120, START) != event_id("r1", 120, START + 3600_000)
    assert event_id("r1", 120, START) != event_id("r1", 1440, START)


def test_backoff_doubles_up_to_its_cap():
    assert [backoff_ms(a, 1000, 10_000) for a in range(1, 7)] == [1000, 2000, 4000, 8000, 10_000, 10_000]


def test_sms_template_ids_come_from_configuration_with_a_default():
    ids = parse_template_ids("confirmed.zh-CN=SMS_100, confirmed=SMS_101,bad,=x")
    assert ids == {"confirmed.zh-CN": "SMS_100", "confirmed": "SMS_101"}
    ch = SmsChannel(provider=None, sign_name="科技节", template_ids=ids)
    assert ch.template_id("confirmed", "zh-CN") == "SMS_100"
    assert ch.template_id("confirmed", "en") == "SMS_101"
    assert ch.template_id("reminder", "en") == "reminder.en"


def test_gateway_signature_covers_timestamp_and_body():
    a = signature("k", "1700000000", b'{"x":1}')
    assert a.startswith("hmac-sha256=") and a == signature("k", "1700000000", b'{"x":1}')
    assert a != signature("k", "1700000001", b'{"x":1}') and a != signature("k2", "1700000000", b'{"x":1}')
