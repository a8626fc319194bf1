"""A registration as a calendar file (RFC 5545, issue 29 item 7): the one builder behind the ticket
page's "Add to calendar" link (registration) and the confirmation email's attachment (notify).

One VEVENT: UID ``<registration id>@<host>``, DTSTART/DTEND in UTC, SUMMARY (the title in the
person's language), LOCATION (venue, hall, address), DESCRIPTION (when the door opens: the
check-in window's opening, ``checkin_opens_before_min`` before the start, as tickets sign it; and
the ticket page's link), a VALARM ``ics_alarm_min`` before the start. Lines end in CRLF and are
folded at 75 octets without splitting a character (RFC 5545 §3.1); TEXT values escape ``\\ ; ,``
and line breaks (§3.3.11). Nothing of a person is in it: no name, phone or ID.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

from shared.msgid import N_
from shared.tickets import checkin_window
from shared.words import ENGLISH, Words

MEDIA_TYPE = "text/calendar; charset=utf-8"
FILENAME = "sciday.ics"
PRODID = "-//sciday//registration calendar 1//EN"
LINE_OCTETS = 75
DOORS_OPEN = Words(N_("The door opens at {time}, {minutes} minutes before the start."))
YOUR_TICKET = Words(N_("Your ticket: {url}"))


@dataclass(frozen=True)
class Entry:
    """One activity as one person's calendar sees it."""

    uid: str
    starts_at: datetime
    ends_at: datetime
    summary: str
    location: str
    description: str
    url: str
    alarm_min: int
    stamp: datetime


def escape(text: str) -> str:
    """A TEXT value (§3.3.11): backslash, semicolon and comma escaped, line breaks as ``\\n``."""
    text = text.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,")
    return text.replace("\r\n", "\n").replace("\r", "\n").replace("\n", "\\n")


def fold(line: str) -> bytes:
    """One content line as UTF-8, folded so no line is over 75 octets (CRLF and a space before each
    continuation), never inside a character; ends with CRLF."""
    out, current = [], b""
    for ch in line:
        octets = ch.encode("utf-8")
        if len(current) + len(octets) > LINE_OCTETS:
            out.append(current)
            current = b" "
        current += octets
    out.append(current)
    return b"\r\n".join(out) + b"\r\n"


def _utc(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")


def build(entry: Entry) -> bytes:
    lines = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        f"PRODID:{PRODID}",
        "CALSCALE:GREGORIAN",
        "METHOD:PUBLISH",
        "BEGIN:VEVENT",
        f"UID:{entry.uid}",
        f"DTSTAMP:{_utc(entry.stamp)}",
        f"DTSTART:{_utc(entry.starts_at)}",
        f"DTEND:{_utc(entry.ends_at)}",
        f"SUMMARY:{escape(entry.summary)}",
        f"LOCATION:{escape(entry.location)}",
        f"DESCRIPTION:{escape(entry.description)}",
        f"URL:{entry.url}",
        "BEGIN:VALARM",
        "ACTION:DISPLAY",
        f"TRIGGER:-PT{int(entry.alarm_min)}M",
        f"DESCRIPTION:{escape(entry.summary)}",
        "END:VALARM",
        "END:VEVENT",
        "END:VCALENDAR",
    ]
    return b"".join(fold(line) for line in lines)


def _moment(value: object) -> datetime:
    return value if isinstance(value, datetime) else datetime.fromisoformat(str(value))


def _in(doc: Mapping[str, Any], field: str, locale: str) -> str:
    """``field`` in the person's language: ``<field>_en`` for English when given, else the Chinese."""
    return str((doc.get(f"{field}_en") if locale == ENGLISH else "") or doc.get(field) or "")


def _title(activity: Mapping[str, Any], locale: str) -> str:
    titles = activity.get("title") or {}
    first, second = ("en", "zh") if locale == ENGLISH else ("zh", "en")
    return str(titles.get(first) or titles.get(second) or activity.get("id", ""))


def registration_calendar(
    activity: Mapping[str, Any],
    registration_id: str,
    ticket_url: str,
    locale: str,
    *,
    opens_before_min: int,
    alarm_min: int,
    now: datetime,
    tz: str,
) -> bytes:
    """The calendar file of one registration of ``activity`` (the stored activity document: title,
    venue, hall, starts_at, ends_at), in ``locale``, its UID's host the ticket link's."""
    starts, ends = _moment(activity["starts_at"]), _moment(activity["ends_at"])
    venue = activity.get("venue") or {}
    place = " ".join(p for p in (_in(venue, "name", locale), _in(activity, "hall", locale)) if p)
    location = ", ".join(p for p in (place, _in(venue, "address", locale)) if p)
    opens, _ = checkin_window(starts, ends, opens_before_min)  # the door's rule, as tickets sign it
    doors = datetime.fromtimestamp(opens, ZoneInfo(tz))
    description = "\n".join(
        (
            DOORS_OPEN.say(locale, time=f"{doors:%Y-%m-%d %H:%M}", minutes=opens_before_min),
            YOUR_TICKET.say(locale, url=ticket_url),
        )
    )
    host = urlsplit(ticket_url).hostname or "sciday.local"
    entry = Entry(
        f"{registration_id}@{host}",
        starts,
        ends,
        _title(activity, locale),
        location,
        description,
        ticket_url,
        alarm_min,
        now,
    )
    return build(entry)
