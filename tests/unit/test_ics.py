"""Issue 29 item 7: the calendar file's one builder (shared/ics.py), RFC 5545: CRLF line endings,
lines folded at 75 octets without splitting a character, TEXT escaping of ``\\ ; ,`` and line
breaks, and a registration's VEVENT (UID, UTC times, the title in the person's language, the venue
and its address, the door's opening time, the ticket link, a VALARM) with nothing of a person."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest

from shared import ics

STAMP = datetime(2026, 5, 1, 8, 0, tzinfo=UTC)
ACTIVITY = {
    "id": "imax-1",
    "title": {
        "zh": "巨幕影院：宇宙的起源, 第一场; 亲子专场 \\ 约 2 小时",
        "en": "IMAX: the origin of the universe",
    },
    "venue": {
        "id": "ln-stm",
        "name": "辽宁省科学技术馆",
        "name_en": "Liaoning Science and Technology Museum",
        "address": "沈阳市浑南区智慧三街159号",
        "address_en": "159 Zhihui 3rd St, Hunnan, Shenyang",
    },
    "hall": "巨幕影院",
    "hall_en": "IMAX hall",
    "starts_at": "2026-05-30T14:00:00+08:00",
    "ends_at": "2026-05-30T16:00:00+08:00",
}
TICKET = "https://sciday.example.cn/t/abcdefghijklmnop?t=tok_XYZ"


def calendar(locale="zh-CN", **over) -> bytes:
    kw = {"opens_before_min": 60, "alarm_min": 120, "now": STAMP, "tz": "Asia/Shanghai", **over}
    return ics.registration_calendar(ACTIVITY, "abcdefghijklmnop", TICKET, locale, **kw)


def unfolded(data: bytes) -> dict[str, list[str]]:
    """Property name -> its values, lines unfolded (RFC 5545 §3.1) and decoded."""
    text = data.decode("utf-8").replace("\r\n ", "")
    out: dict[str, list[str]] = {}
    for line in text.split("\r\n")[:-1]:
        name, _, value = line.partition(":")
        out.setdefault(name, []).append(value)
    return out


def unescape(value: str) -> str:
    return re.sub(r"\\(.)", lambda m: "\n" if m.group(1) in "nN" else m.group(1), value)


def test_every_line_ends_in_crlf_and_none_is_over_75_octets():
    data = calendar()
    assert data.endswith(b"\r\n") and b"\n" not in data.replace(b"\r\n", b"")
    lines = data.split(b"\r\n")[:-1]
    assert max(len(line) for line in lines) <= 75
    assert any(line.startswith(b" ") for line in lines)  # something long enough to fold
    for line in lines:
        line.decode("utf-8")  # a fold never splits a character


@pytest.mark.parametrize("text", ["a" * 200, "科" * 80, "a" + "技" * 40, "x,;\\" * 30, ""])
def test_folding_keeps_the_text_and_its_octets(text):
    folded = ics.fold("SUMMARY:" + text)
    assert all(len(line) <= 75 for line in folded.split(b"\r\n"))
    assert folded.decode("utf-8").replace("\r\n ", "") == "SUMMARY:" + text + "\r\n"


def test_a_line_of_75_octets_is_not_folded_and_76_is():
    assert ics.fold("x" * 75) == b"x" * 75 + b"\r\n"
    assert ics.fold("x" * 76) == b"x" * 75 + b"\r\n x\r\n"


def test_text_escapes_backslash_semicolon_comma_and_line_breaks():
    assert ics.escape("a\\b;c,d\ne\r\nf") == "a\\\\b\\;c\\,d\\ne\\nf"
    assert unescape(ics.escape("a\\b;c,d\ne")) == "a\\b;c,d\ne"


def test_the_event_of_a_registration():
    props = unfolded(calendar())
    assert props["BEGIN"] == ["VCALENDAR", "VEVENT", "VALARM"] and props["VERSION"] == ["2.0"]
    assert props["UID"] == ["abcdefghijklmnop@sciday.example.cn"]
    assert props["DTSTART"] == ["20260530T060000Z"] and props["DTEND"] == ["20260530T080000Z"]
    assert props["DTSTAMP"] == ["20260501T080000Z"]
    assert unescape(props["SUMMARY"][0]) == ACTIVITY["title"]["zh"]
    assert "\\;" in props["SUMMARY"][0] and "\\," in props["SUMMARY"][0]
    assert unescape(props["LOCATION"][0]) == "辽宁省科学技术馆 巨幕影院, 沈阳市浑南区智慧三街159号"
    description = unescape(props["DESCRIPTION"][0])
    assert "2026-05-30 13:00" in description and "60" in description and TICKET in description
    assert props["URL"] == [TICKET]
    assert props["TRIGGER"] == ["-PT120M"] and props["ACTION"] == ["DISPLAY"]


def test_the_event_speaks_english_for_an_english_registrant():
    props = unfolded(calendar("en"))
    assert unescape(props["SUMMARY"][0]) == "IMAX: the origin of the universe"
    assert unescape(props["LOCATION"][0]) == (
        "Liaoning Science and Technology Museum IMAX hall, 159 Zhihui 3rd St, Hunnan, Shenyang"
    )
    description = unescape(props["DESCRIPTION"][0])
    assert description.startswith("The door opens at 2026-05-30 13:00, 60 minutes before")
    assert not re.search(r"[\u4e00-\u9fff]", description)


def test_the_door_and_the_alarm_follow_their_settings():
    props = unfolded(calendar(opens_before_min=30, alarm_min=24 * 60))
    assert "2026-05-30 13:30" in unescape(props["DESCRIPTION"][0])
    assert props["TRIGGER"] == ["-PT1440M"]


def test_nothing_of_a_person_is_in_it():
    data = calendar().decode("utf-8")
    assert "1380013" not in data and "ATTENDEE" not in data and "ORGANIZER" not in data
