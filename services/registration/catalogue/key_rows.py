"""A row of a key-activity list (key_activities.py) read into an ``ActivityIn`` body.

Each cell is read by ``cells.py``; what the file did not give is assumed (the day's hours, the
default party, the registration window counted back from the start) and recorded on the row
for the organizer to confirm. Errors name the column they came from.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

from services.registration.catalogue.activities import TZ
from services.registration.catalogue.cells import (
    CellError,
    _text,
    audience_of,
    estimate,
    kind_of,
    minutes,
    moments,
    split_place,
    when,
    whole_number,
)
from services.registration.catalogue.key_activities import (
    DEFAULT_CLOSES_BEFORE,
    DEFAULT_OPENS_BEFORE,
    DEFAULT_PARTY,
    Options,
    Row,
    activity_id,
    venue_id,
)


class _Reading:
    """One row being read: its values, the cells it has, and what reading it found."""

    def __init__(self, row: Row, options: Options):
        self.row, self.options, self.v, self.src = row, options, row.values, row.source
        self.present = {k for k, val in row.values.items() if val not in (None, "")}
        self.errors: list[tuple[str, str, str]] = []

    def assume(self, field_name, value, basis):
        self.row.assumed.append({"field": field_name, "value": value, "basis": basis})
        return value

    def guard(self, key, fn, *args):
        try:
            return fn(*args)
        except CellError as exc:
            self.errors.append((key, exc.zh, exc.en))
            return None

    def need(self, key, zh_name, en_name):
        self.errors.append((key, f"必须填写{zh_name}", f"{en_name} is required."))


def body_of(
    row: Row, venues: dict[str, dict], options: Options = Options(), day: date | None = None
) -> tuple[dict, list[tuple[str, str, str]]]:
    """One row as an ``ActivityIn`` body, and its cell errors as (column key, zh, en).

    ``venues`` maps the names of venues already known to ``{"id", "address"}``. Fills
    ``row.source`` (body field path -> column key) so schema errors can name the column, and
    ``row.assumed`` with every value the file did not give (``{field, value, basis}``). With
    ``day``, a row over several days gives that day's activity (its daily hours, see ``days_of``).
    """
    r = _Reading(row, options)
    title = _text(r.v.get("title"))
    if not title:
        r.need("title", "活动名称", "The title")
    r.src.update({"title.zh": "title", "title.en": "title_en", "description.zh": "description"})
    if "kind" in r.present or "form" not in r.present:
        kind = kind_of(r.v.get("kind"), title)
    else:
        r.src["kind"] = "form"
        kind = r.assume("kind", kind_of(r.v["form"], title), "form")
    starts, ends = _times(r, kind, day)
    name, hall = _place(r)
    known = venues.get(name) or {}
    r.src.update({"venue.id": "venue_id", "venue.address": "address"})
    r.src.update({"venue.name_en": "venue_en", "venue.address_en": "address_en", "hall_en": "hall_en"})
    capacity, party = _numbers(r)
    audience = r.guard("audience", audience_of, r.v.get("audience"))
    opens, closes = _window(r, starts)
    body = {
        "id": activity_id(title, starts, name) if title and starts and name else "imp-pending",
        "kind": kind,
        "title": {"zh": title, "en": _text(r.v.get("title_en"))},
        "description": {"zh": _text(r.v.get("description")), "en": ""},
        "venue": {
            "id": _text(r.v.get("venue_id")) or known.get("id") or venue_id(name),
            "name": name,
            "address": _text(r.v.get("address")) or known.get("address", ""),
            "name_en": _text(r.v.get("venue_en")) or known.get("name_en", ""),  # issue 26
            "address_en": _text(r.v.get("address_en")) or known.get("address_en", ""),
        },
        "hall": hall,
        "hall_en": _text(r.v.get("hall_en")),
        "organizer": _text(r.v.get("organizer")),
        "starts_at": _iso(starts),
        "ends_at": _iso(ends),
        "capacity": capacity,
        "max_party_size": party,
        "audience": audience,
        "registration_opens_at": _iso(opens),
        "registration_closes_at": _iso(closes),
    }
    return body | _demand(r) | _accessible(r), r.errors


def _times(r: _Reading, kind: str, day: date | None) -> tuple[datetime | None, datetime | None]:
    """The start and the end: a date and a time, a moment, or a span (``when``); then an end
    time or a duration, else the end the span or the day's hours gave, else the kind's default
    length (assumed). With ``day``, the span's daily hours on that day."""
    v, src, present = r.v, r.src, r.present
    on = r.guard("date", lambda: moments(v["date"])[0].date()) if "date" in present else None
    starts = ends = None
    assumed: list[str] = []
    if "starts_at" in present or "time" in present:
        key = "starts_at" if "starts_at" in present else "time"
        hours = r.options.hours if key == "time" and not present & {"ends_at", "duration"} else None
        got = r.guard(key, when, v[key], on, False, hours, r.options.today)
        starts, ends = ((got.moments if got else []) + [None, None])[:2]
        assumed = list(got.assumed) if got else []
        src["starts_at"] = src["ends_at"] = key
    else:
        r.need("starts_at", "开始时间", "The start time")
    if "ends_at" in present and starts:
        ends = (r.guard("ends_at", moments, v["ends_at"], starts.date()) or [None])[0]
        src["ends_at"] = "ends_at"
    elif "duration" in present and starts and not ends:
        length = r.guard("duration", minutes, v["duration"])
        ends = starts + timedelta(minutes=length) if length is not None else None
        src["ends_at"] = "duration"
    elif starts and not ends:
        ends = starts + timedelta(minutes=r.options.minutes.get(kind, r.options.minutes["other"]))
        assumed.append("length")
    if day and starts and ends:
        starts, ends = _on(day, starts), _on(day, ends)
    for what in assumed:
        field_name, moment = ("starts_at", starts) if what in ("year", "opens") else ("ends_at", ends)
        basis = {"year": "year", "opens": "day_opens", "closes": "day_closes", "length": "kind_length"}
        r.assume(field_name, _iso(moment), basis[what])
    return starts, ends


def days_of(starts: datetime | None, ends: datetime | None, most: int) -> list[date]:
    """The days of an activity over several days that may be one activity a day: each day from
    the start's time to the end's, at most ``most`` days; [] when it is one day or cannot be."""
    if not (starts and ends):
        return []
    first, last = starts.astimezone(TZ), ends.astimezone(TZ)
    count = (last.date() - first.date()).days + 1
    if count < 2 or count > most or last.timetz() <= first.timetz():
        return []
    return [first.date() + timedelta(days=i) for i in range(count)]


def _on(day: date, moment: datetime) -> datetime:
    local = moment.astimezone(TZ)
    return datetime.combine(day, local.timetz())


def _place(r: _Reading) -> tuple[str, str]:
    """The venue and the hall: their own columns, or split from one place column."""
    name, hall = _text(r.v.get("venue")), _text(r.v.get("hall"))
    r.src["venue.name"], r.src["hall"] = ("venue" if name else "place"), ("hall" if hall else "place")
    if not name and "place" in r.present:
        name, in_place = split_place(_text(r.v["place"]))
        hall = hall or in_place
    if not name:
        r.need("place", "地点（场馆）", "The place (venue)")
    elif not hall:  # a square, a park: the activity is at the venue, with no hall
        r.assume("hall", "", "no_hall")
    return name, hall


def _numbers(r: _Reading) -> tuple[int | None, int | None]:
    """The capacity (or the expected crowd as an estimate) and the largest party."""
    v, present = r.v, r.present
    if "capacity" in present:
        capacity = r.guard("capacity", whole_number, v["capacity"])
    elif "expected" in present:
        r.src["capacity"] = "expected"
        capacity = r.guard("expected", estimate, v["expected"])
        if capacity is not None:
            r.assume("capacity", capacity, "expected")
    else:
        capacity = r.need("capacity", "人数上限", "Capacity")
    party = (
        r.guard("max_party_size", whole_number, v["max_party_size"])
        if "max_party_size" in present
        else r.assume("max_party_size", DEFAULT_PARTY, "default")
    )
    return capacity, party


def _demand(r: _Reading) -> dict[str, int]:
    """Issue 28: with a capacity beside it, the expected crowd is the expected demand (the queue's
    ``auto`` turns on above the capacity); alone it is the capacity's estimate (``_numbers``)."""
    if "capacity" not in r.present or "expected" not in r.present:
        return {}
    try:  # an unreadable estimate beside a capacity is ignored, as before
        return {"expected_demand": estimate(r.v["expected"])}
    except CellError:
        return {}


def _accessible(r: _Reading) -> dict:
    """Issue 29 item 6: the wheelchair places and companion seats the sheet keeps (none when absent)."""
    quotas = {}
    for key in ("wheelchair", "companion"):
        if key in r.present:
            r.src[f"quotas.{key}.seats"] = key
            quotas[key] = {"seats": r.guard(key, whole_number, r.v[key])}
    return {"quotas": quotas} if quotas else {}


def _window(r: _Reading, starts: datetime | None) -> tuple[datetime | None, datetime | None]:
    """When registration opens and closes: given, or counted back from the start."""
    window = {}
    for key, default, end_of_day in (
        ("registration_opens_at", DEFAULT_OPENS_BEFORE, False),
        ("registration_closes_at", DEFAULT_CLOSES_BEFORE, True),
    ):
        if key in r.present:
            r.src[key] = key
            window[key] = (r.guard(key, moments, r.v[key], None, end_of_day) or [None])[0]
        else:  # defaults count from the start; with no start, its column carries the error
            r.src[key] = r.src.get("starts_at", "starts_at")
            window[key] = starts - default if starts else None
            if starts:
                r.assume(key, _iso(window[key]), "default")
    return window["registration_opens_at"], window["registration_closes_at"]


def _iso(moment: datetime | None) -> str | None:
    return moment.astimezone(TZ).isoformat() if moment else None


def column_of(row: Row, path: str) -> str:
    """The column key a body field (``venue.name``, ``capacity``…) came from."""
    return row.source.get(path) or row.source.get(path.split(".")[0]) or path.split(".")[0]


def flatten(messages, path: str = "") -> list[tuple[str, str]]:
    """marshmallow's nested messages as (dotted path, message) pairs."""
    if isinstance(messages, dict):
        return [
            pair for k, sub in messages.items() for pair in flatten(sub, f"{path}.{k}" if path else str(k))
        ]
    if isinstance(messages, list):
        return [pair for m in messages for pair in flatten(m, path)]
    return [(path, str(messages))]
