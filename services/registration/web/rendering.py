"""Rendering the registration service's pages: language choice, dates, activity kinds.

Used by the registrant pages (``pages.py``) and the organizer page (``organizer.py``), so neither
view imports the other.
"""

from __future__ import annotations

from datetime import datetime

from flask import make_response, render_template
from flask_babel import gettext, lazy_pgettext
from markupsafe import Markup, escape

from services.registration import vocabulary
from services.registration.catalogue import activities
from services.registration.web import mode
from shared import csrf
from shared.i18n import lang, remember_lang

KIND = {
    "imax": lazy_pgettext("kind of activity", "IMAX"),
    "dome": lazy_pgettext("kind of activity", "Dome"),
    "lecture": lazy_pgettext("kind of activity", "Lecture"),
    "exhibition": lazy_pgettext("kind of activity", "Exhibition"),
    "other": lazy_pgettext("kind of activity", "Activity"),
    "screening": lazy_pgettext("kind of activity", "Screening"),
}
WEEKDAY_ZH = "一二三四五六日"


def local(ts: float) -> str:
    t = datetime.fromtimestamp(ts, activities.TZ)
    return f"{t:%Y-%m-%d %H:%M}" if lang() == "en" else f"{t.year}年{t.month}月{t.day}日 {t:%H:%M}"


def local_time(iso: str) -> str:
    """An ISO-8601 instant as the festival's local time, in the page's language."""
    return local(activities.parse(iso).timestamp())


def render(template: str, status: int = 200, **ctx):
    lg = lang()

    def pick(obj) -> str:
        if isinstance(obj, dict):
            return (obj.get("en") if lg == "en" else obj.get("zh")) or obj.get("zh") or obj.get("en") or ""
        return obj or ""

    resp = make_response(
        render_template(
            template,
            pick=pick,
            named=named,
            place=place,
            address=address,
            lang=lg,
            when=when,
            moment=moment,
            kind=kind,
            csrf_token=csrf.token,
            V=vocabulary,
            elder=mode.mode() == mode.ELDER,  # issue 29: 长辈模式, from ?mode= or the cookie
            mode_url=mode.mode_url,
            page_with=mode.page_with,  # the language switch keeps the page's arguments too
            **ctx,
        ),
        status,
    )
    return mode.remember_mode(remember_lang(resp))


def named(zh, en: str | None = None) -> Markup:
    """A name organizers typed, in the page's language: ``named(a.title)`` or
    ``named(venue.name, venue.name_en)``. An English page with no English shows the Chinese in an
    element that says so (``lang="zh-CN"``) and a small "(Chinese only)" marker (issue 26)."""
    if isinstance(zh, dict):
        zh, en = zh.get("zh") or "", zh.get("en") or ""
    zh, en = zh or "", en or ""
    if lang() != "en":
        return escape(zh or en)
    if en or not zh:
        return escape(en)
    return Markup('<span lang="zh-CN">%s</span> <small class="zh-only">(%s)</small>') % (
        zh,
        gettext("Chinese only"),
    )


def place(doc: dict) -> Markup:
    """Venue · hall of an activity, each in the page's language (``named``)."""
    venue = doc.get("venue") or {}
    parts = [named(venue.get("name"), venue.get("name_en"))]
    if doc.get("hall") or doc.get("hall_en"):  # a square or a park has no hall
        parts.append(named(doc.get("hall"), doc.get("hall_en")))
    return Markup(" · ").join(parts)


def address(doc: dict) -> Markup:
    """The venue's address in the page's language (``named``); empty when there is none."""
    venue = doc.get("venue") or {}
    return named(venue.get("address"), venue.get("address_en"))


def when(doc: dict) -> str:
    """The activity's time; an end on another day names that day too ("12月2日 23:04 – 12月3日 00:34")."""
    s, e = (
        activities.parse(doc["starts_at"]).astimezone(activities.TZ),
        activities.parse(doc["ends_at"]).astimezone(activities.TZ),
    )
    same_day = s.date() == e.date()
    if lang() == "en":
        if same_day:
            return f"{s:%a %d %b %Y}, {s:%H:%M}–{e:%H:%M}"
        return f"{s:%a %d %b %Y}, {s:%H:%M} – {e:%a %d %b} {e:%H:%M}"
    start = f"{s.year}年{s.month}月{s.day}日（周{WEEKDAY_ZH[s.weekday()]}）{s:%H:%M}"
    if same_day:
        return f"{start}–{e:%H:%M}"
    return f"{start} – {e.month}月{e.day}日 {e:%H:%M}"


def moment(iso: str) -> str:
    """One instant at the festival's place: "12月1日 09:00" / "1 Dec 09:00" (the year when not this one)."""
    m = activities.parse(iso).astimezone(activities.TZ)
    this_year = m.year == datetime.now(activities.TZ).year
    if lang() == "en":
        return f"{m:%d %b} {m:%H:%M}" if this_year else f"{m:%d %b %Y} {m:%H:%M}"
    day = f"{m.month}月{m.day}日" if this_year else f"{m.year}年{m.month}月{m.day}日"
    return f"{day} {m:%H:%M}"


def kind(k: str) -> str:
    return str(KIND.get(k, KIND["other"]))


def expired():
    """The page a form posted with a stale CSRF token gets."""
    return render(
        "message.html",
        400,
        title=gettext("The form expired"),
        text=gettext("Go back, reload the page and try again."),
    )
