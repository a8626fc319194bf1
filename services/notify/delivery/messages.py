"""What a message says: its template (zh-CN or en, SMS or email) filled from the intent and the
activity.  Plain Python and Jinja2 text files under ``templates/<locale>/<channel>/<name>.txt``.

An email template's first line is ``Subject: ...``, then a blank line, then the body.  An SMS
template is one line of text; the provider adds the signature (签名).  The same variables are
given to the SMS provider as template parameters, for providers that fill templates themselves.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import datetime
from functools import lru_cache
from pathlib import Path
from zoneinfo import ZoneInfo

from jinja2 import Environment, FileSystemLoader, StrictUndefined

from services.notify import vocabulary as V
from services.notify.ports import Doc
from shared import ics
from shared.clock import Clock
from shared.config import LOCAL_ZONE, Settings
from shared.text import as_one_line
from shared.words import CODE_CHANNELS

TEMPLATES_DIR = Path(__file__).parent.parent / "templates"
TEMPLATES = V.TEMPLATES
# SMS only, sent at once by api_codes.py and never queued: a verification code (as an SMS, or a
# voice call's text: templates/<locale>/voice/, issue 29).
SMS_ONLY = (V.VERIFICATION_CODE_TEMPLATE,)
# Messages that carry the ticket: the email attaches its QR code as a PNG.
WITH_TICKET = (V.CONFIRMED_TEMPLATE, V.PROMOTED_TEMPLATE, V.REMINDER_TEMPLATE)
# Messages that confirm a seat: the email attaches the registration's calendar file (issue 29).
WITH_CALENDAR = (V.CONFIRMED_TEMPLATE, V.PROMOTED_TEMPLATE)
_WEEKDAYS_ZH = "一二三四五六日"
_LABELS = {
    "zh-CN": {"starts_at": "时间", "ends_at": "时间", "hall": "场厅", "venue": "场馆"},
    "en": {"starts_at": "time", "ends_at": "time", "hall": "hall", "venue": "venue"},
}


@dataclass(frozen=True)
class Rendered:
    template: str
    locale: str
    subject: str
    text: str
    params: Doc = field(default_factory=dict)
    calendar: bytes = b""  # issue 29: the registration's .ics, attached to a confirmation email

    @property
    def attach_qr(self) -> bool:
        return self.template in WITH_TICKET


def locale_of(value: str | None) -> str:
    return "en" if value == "en" else "zh-CN"


@lru_cache(maxsize=1)
def _env() -> Environment:
    return Environment(
        loader=FileSystemLoader(str(TEMPLATES_DIR)),
        undefined=StrictUndefined,
        autoescape=False,
        trim_blocks=True,
        lstrip_blocks=True,
    )


def format_when(starts_at: str, ends_at: str, locale: str, tz: str | None = None) -> str:
    """``5月30日（周六）14:00–16:00`` or ``Sat 30 May, 14:00–16:00``, in the festival's time zone
    (``tz``, else Settings.timezone)."""
    zone = ZoneInfo(tz) if tz else LOCAL_ZONE
    s, e = (
        datetime.fromisoformat(starts_at).astimezone(zone),
        datetime.fromisoformat(ends_at).astimezone(zone),
    )
    if locale == "en":
        day = f"{s:%a} {s.day} {s:%b}"
        end = f"{e:%H:%M}" if e.date() == s.date() else f"{e:%a} {e.day} {e:%b}, {e:%H:%M}"
        return f"{day}, {s:%H:%M}–{end}"
    day = f"{s.month}月{s.day}日（周{_WEEKDAYS_ZH[s.weekday()]}）"
    end = f"{e:%H:%M}" if e.date() == s.date() else f"{e.month}月{e.day}日 {e:%H:%M}"
    return f"{day}{s:%H:%M}–{end}"


def _title(activity: Doc, locale: str) -> str:
    titles: dict[str, str] = activity.get("title") or {}
    first, second = ("en", "zh") if locale == "en" else ("zh", "en")
    return titles.get(first) or titles.get(second) or activity["id"]


def _lead(minutes: int, locale: str) -> str:
    if minutes % 60 == 0:
        h = minutes // 60
        return f"{h} 小时" if locale == "zh-CN" else (f"{h} hour" if h == 1 else f"{h} hours")
    return f"{minutes} 分钟" if locale == "zh-CN" else f"{minutes} minutes"


def _changes(before: Doc | None, after: Doc, changed: list[str], locale: str, tz: str | None) -> list[Doc]:
    """One line per thing a registrant must know: time, hall, venue (old -> new)."""
    out, labels = [], _LABELS[locale]
    if before is None:
        before = {}
    if {"starts_at", "ends_at"} & set(changed):
        old = (
            format_when(before["starts_at"], before["ends_at"], locale, tz) if before.get("starts_at") else ""
        )
        out.append(
            {
                "label": labels["starts_at"],
                "before": old,
                "after": format_when(after["starts_at"], after["ends_at"], locale, tz),
            }
        )
    if "hall" in changed:
        out.append({"label": labels["hall"], "before": before.get("hall", ""), "after": after["hall"]})
    if "venue" in changed:
        out.append(
            {
                "label": labels["venue"],
                "before": (before.get("venue") or {}).get("name", ""),
                "after": after["venue"]["name"],
            }
        )
    return out


def _named(doc: Doc, field: str, locale: str) -> str:
    """``field`` in the registrant's language: ``<field>_en`` for English when given, else the Chinese."""
    return str((doc.get(f"{field}_en") if locale == "en" else "") or doc.get(field, ""))


SENTENCE_END = "。．.！!？?；;，,、 "  # what an organizer may end a cancellation reason with


def _next_round(ctx: Doc) -> str:
    """The round a party not drawn takes part in next ("" after the group's last round)."""
    n, total = int(ctx.get("round") or 0), int(ctx.get("rounds") or 0)
    return str(n + 1) if 0 < n < total else ""


def _won_round(ctx: Doc) -> str:
    """The round a win names: a lottery group's round when the group has more than one ("" for a
    group of one round, a v1 lottery, or seats handed on from the waitlist after the rounds)."""
    n, total = int(ctx.get("round") or 0), int(ctx.get("rounds") or 0)
    return str(n) if total > 1 and 0 < n <= total else ""


def variables(intent: Doc, activity: Doc, tz: str | None = None) -> Doc:
    """Everything a template may use, as plain strings and lists."""
    reg, ctx = intent["reg"], intent.get("context") or {}
    locale = locale_of(intent.get("locale") or reg.get("locale"))
    changes = _changes(ctx.get("before"), activity, ctx.get("changed", []), locale, tz)
    sep = "、" if locale == "zh-CN" else " and "
    return {
        "name": reg["name"],
        "party_size": str(reg["party_size"]),
        "title": as_one_line(_title(activity, locale)),  # a subject's text (issue 23)
        "when": format_when(activity["starts_at"], activity["ends_at"], locale, tz),
        # issue 26: the English names in English messages, where the organizers gave them
        "venue": _named(activity["venue"], "name", locale),
        "address": _named(activity["venue"], "address", locale),
        "hall": _named(activity, "hall", locale),
        "ticket_url": reg.get("ticket_url", ""),
        "manage_url": reg.get("manage_url", ""),
        "position": str(ctx.get("waitlist_position") or reg.get("waitlist_position") or ""),
        # the templates end the sentence themselves: "原因：设备检修。" never becomes "检修。。"
        "reason": ctx.get("reason", "").strip().rstrip(SENTENCE_END).strip(),
        "lead": _lead(int(ctx.get("offset_min", 0)), locale) if ctx.get("offset_min") else "",
        "changes": changes,
        "changed_labels": sep.join(c["label"] for c in changes),
        # an organizer's notice (api_notices.py): the registrant's language, else the Chinese text
        "message": (ctx.get("message_en") if locale == "en" else "") or ctx.get("message_zh", ""),
        # a lottery entrant's outcome (issue 15 §1)
        "entry_id": ctx.get("entry_id", ""),
        "confirm_hours": str(ctx.get("confirm_hours") or ""),
        # issue 27: a lottery group's round; ``next_round`` while the party is in one to come
        "round": str(ctx.get("round") or ""),
        "next_round": _next_round(ctx),
        "won_round": _won_round(ctx),  # lottery_won names the round when the group has several
        "number": str(ctx.get("standby_number", "")),  # a standby number called in (issue 15)
        # issue 26: a member dropped, seats released to standby, the mark before a lock
        "previous_party_size": str(ctx.get("previous_party_size", "")),
        "released": str(ctx.get("released", "")),
        "toward_lock": str(ctx.get("toward_lock", "")),
        "marks_to_lock": str(ctx.get("marks_to_lock", "")),
        "lock_days": str(ctx.get("lock_days", "")),
    }


def render(template: str, channel: str, locale: str, values: Doc) -> Rendered:
    if template not in TEMPLATES and not (template in SMS_ONLY and channel in CODE_CHANNELS):
        raise KeyError(f"no template {template!r}")
    locale = locale_of(locale)
    text = _env().get_template(f"{locale}/{channel}/{template}.txt").render(**values)
    subject = ""
    if channel == "email":
        first, _, body = text.partition("\n")
        if not first.startswith("Subject:"):
            raise ValueError(f"{locale}/email/{template}.txt must start with 'Subject:'")
        subject, text = as_one_line(first[len("Subject:") :]).strip(), body.lstrip("\n")
    else:
        joiner = "" if locale == "zh-CN" else " "
        text = joiner.join(line.strip() for line in text.splitlines() if line.strip())
    params = {k: v for k, v in values.items() if isinstance(v, str)}
    return Rendered(template, locale, subject, text.rstrip() + ("\n" if channel == "email" else ""), params)


def with_calendar(
    rendered: Rendered, channel: str, intent: Doc, activity: Doc, settings: Settings, clock: Clock
) -> Rendered:
    """A confirmation email with the registration's calendar file (shared/ics.py, the ticket page's
    builder too); any other message as it is."""
    reg = intent.get("reg") or {}
    if channel != "email" or rendered.template not in WITH_CALENDAR or not reg.get("ticket_url"):
        return rendered
    calendar = ics.registration_calendar(
        activity,
        reg["registration_id"],
        reg["ticket_url"],
        rendered.locale,
        opens_before_min=settings.checkin_opens_before_min,
        alarm_min=settings.ics_alarm_min,
        now=clock.now(),
        tz=settings.timezone,
    )
    return replace(rendered, calendar=calendar)
