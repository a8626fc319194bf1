"""The key-activity list (重点活动清单) cities submit, read into ``ActivityIn`` bodies.

Plain Python, no Flask. A sheet is CSV (UTF-8, or GB18030 as Excel saves it in China) or XLSX.
The header row is the first row (of the first ten) that names the activity column, so a title
line above the table is allowed; rows keep their spreadsheet numbers (the header is row 1 when
it comes first). Headers are Chinese as cities write them, with English aliases; bracketed
units such as "人数上限（人）" and "*" marks are ignored.

Ids are deterministic, so importing the same file again maps every row to the same activity:
``imp-`` + 12 hex digits of SHA-256 over (title, start, venue name); a venue gets the id of an
existing venue with the same name, else ``v-`` + 8 hex digits of SHA-256 over its name.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from services.registration.catalogue import sheet_columns as columns
from services.registration.catalogue.activities import TZ
from services.registration.catalogue.cells import (
    CellError,
    _clean,
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
from services.registration.catalogue.sheet_columns import COLUMNS, normalise  # noqa: F401 (re-exported)
from shared import spreadsheets

MAX_ROWS = 2000  # the default of the setting import_max_rows
DEFAULT_PARTY, DEFAULT_OPENS_BEFORE, DEFAULT_CLOSES_BEFORE = 4, timedelta(days=7), timedelta(hours=2)
DEFAULT_HOURS = (time(9, 0), time(17, 0))  # the defaults of import_day_opens / import_day_closes


class SheetError(ValueError):
    """The file as a whole cannot be read, or holds no list; ``zh`` and ``en`` say why."""

    def __init__(self, zh: str, en: str):
        super().__init__(en)
        self.zh, self.en = zh, en


class SheetTooLarge(SheetError):
    """The file is over one of the import's bounds (rows, cells, shared strings, inflated size)."""


@dataclass
class Row:
    number: int
    values: dict  # canonical key -> raw cell value
    source: dict = field(default_factory=dict)  # body field -> the header it came from
    assumed: list = field(default_factory=list)  # [{field, value, basis}] the organizer confirms


@dataclass
class Sheet:
    headers: dict  # canonical key -> header text as written
    rows: list
    ignored: list
    unknown: list
    columns: list = field(default_factory=list)  # sheet_columns.columns_of
    missing: list = field(default_factory=list)  # required keys no column maps to


@dataclass(frozen=True)
class Options:
    """What an import assumes where a file is silent (settings ``import_day_*``), and today."""

    hours: tuple = DEFAULT_HOURS
    today: date | None = None


# -- reading ----------------------------------------------------------------------------------
def read(
    filename: str,
    data: bytes,
    limits: spreadsheets.Limits | None = None,
    chosen: dict | None = None,
    remembered: dict | None = None,
) -> Sheet:
    """The list in a file; ``chosen`` and ``remembered`` map normalised headers to column keys."""
    limits = limits or spreadsheets.Limits(rows=MAX_ROWS)
    chosen, remembered = chosen or {}, remembered or {}
    try:
        grid = spreadsheets.grid(filename, data, limits.rows + columns.HEADER_ROWS + 10, limits)
    except spreadsheets.SheetTooLarge as exc:
        raise SheetTooLarge(exc.zh, exc.en) from None
    except spreadsheets.UnreadableSheet as exc:
        raise SheetError(exc.zh, exc.en) from None
    top = columns.header_row(grid, chosen, remembered)
    if top is None:
        raise SheetError(
            "找不到表头：前十行里没有“活动名称”列",
            "No header row: none of the first ten rows has a 活动名称 (name) column.",
        )
    found = columns.columns_of(grid[top], chosen, remembered)
    headers = {c["key"]: c["header"] for c in found if c["key"]}
    by_index = {c["index"]: c["key"] for c in found if c["key"]}
    ignored = [
        c["header"]
        for c in found
        if c["source"] == "ignored" or (not c["key"] and c["source"] in ("chosen", "remembered"))
    ]
    unknown = [c["header"] for c in found if c["source"] in ("unknown", "duplicate")]
    rows = []
    for n, cells in enumerate(grid[top + 1 :], start=top + 2):
        values = {by_index[i]: _clean(v) for i, v in enumerate(cells) if i in by_index}
        if any(v not in (None, "") for v in values.values()):
            rows.append(Row(n, values))
    missing = columns.missing(found)
    if not rows and not missing:  # with columns unmapped, the report asks for a mapping instead
        raise SheetError("文件里没有活动行", "The file has no activity rows.")
    if len(rows) > limits.rows:
        raise SheetTooLarge(
            f"一次最多导入 {limits.rows} 行", f"At most {limits.rows} rows can be imported at once."
        )
    return Sheet(headers, rows, ignored, unknown, found, missing)


def _digest(*parts: str) -> str:
    return hashlib.sha256("\x1f".join(parts).encode("utf-8")).hexdigest()


def activity_id(title: str, starts_at: datetime, venue_name: str) -> str:
    return "imp-" + _digest(title, starts_at.astimezone(TZ).isoformat(), venue_name)[:12]


def venue_id(name: str) -> str:
    return "v-" + _digest(name)[:8]


# -- rows -> ActivityIn bodies ----------------------------------------------------------------
def body_of(
    row: Row, venues: dict[str, dict], options: Options = Options()
) -> tuple[dict, list[tuple[str, str, str]]]:
    """One row as an ``ActivityIn`` body, and its cell errors as (column key, zh, en).

    ``venues`` maps the names of venues already known to ``{"id", "address"}``. Fills
    ``row.source`` (body field path -> column key) so schema errors can name the column, and
    ``row.assumed`` with every value the file did not give (``{field, value, basis}``).
    """
    v, src, errors = row.values, row.source, []
    present = {k for k, val in v.items() if val not in (None, "")}

    def assume(field_name, value, basis):
        row.assumed.append({"field": field_name, "value": value, "basis": basis})
        return value

    def guard(key, fn, *args):
        try:
            return fn(*args)
        except CellError as exc:
            errors.append((key, exc.zh, exc.en))
            return None

    def need(key, zh_name, en_name):
        errors.append((key, f"必须填写{zh_name}", f"{en_name} is required."))

    title = _text(v.get("title"))
    if not title:
        need("title", "活动名称", "The title")
    src.update({"title.zh": "title", "title.en": "title_en", "description.zh": "description"})
    day = guard("date", lambda: moments(v["date"])[0].date()) if "date" in present else None
    starts = ends = None
    if "starts_at" in present or "time" in present:
        key = "starts_at" if "starts_at" in present else "time"
        hours = options.hours if key == "time" and not present & {"ends_at", "duration"} else None
        got = guard(key, when, v[key], day, False, hours, options.today)
        found = got.moments if got else []
        starts, ends = (found + [None, None])[:2]
        src["starts_at"] = src["ends_at"] = key
        for what in got.assumed if got else ():
            field_name, moment = ("ends_at", ends) if what == "closes" else ("starts_at", starts)
            assume(
                field_name, _iso(moment), {"year": "year", "opens": "day_opens", "closes": "day_closes"}[what]
            )
    else:
        need("starts_at", "开始时间", "The start time")
    if "ends_at" in present and starts:
        ends = (guard("ends_at", moments, v["ends_at"], starts.date()) or [None])[0]
        src["ends_at"] = "ends_at"
    elif "duration" in present and starts and not ends:
        length = guard("duration", minutes, v["duration"])
        ends = starts + timedelta(minutes=length) if length is not None else None
        src["ends_at"] = "duration"
    elif starts and not ends:
        src["ends_at"] = "ends_at"
        need("ends_at", "结束时间或时长", "An end time or a duration")

    name, hall = _text(v.get("venue")), _text(v.get("hall"))
    src["venue.name"], src["hall"] = ("venue" if name else "place"), ("hall" if hall else "place")
    if not name and "place" in present:
        name, in_place = split_place(_text(v["place"]))
        hall = hall or in_place
    if not name:
        need("place", "地点（场馆）", "The place (venue)")
    elif not hall:
        errors.append(
            (
                src["hall"],
                "需写明厅室，如“辽宁省科学技术馆 巨幕影院”",
                "Name the hall too, e.g. 辽宁省科学技术馆 巨幕影院 (venue, space, hall).",
            )
        )
    known = venues.get(name) or {}
    src.update({"venue.id": "venue_id", "venue.address": "address"})

    if "capacity" in present:
        capacity = guard("capacity", whole_number, v["capacity"])
    elif "expected" in present:
        src["capacity"] = "expected"
        capacity = guard("expected", estimate, v["expected"])
        if capacity is not None:
            assume("capacity", capacity, "expected")
    else:
        capacity = need("capacity", "人数上限", "Capacity")
    party = (
        guard("max_party_size", whole_number, v["max_party_size"])
        if "max_party_size" in present
        else assume("max_party_size", DEFAULT_PARTY, "default")
    )
    audience = guard("audience", audience_of, v.get("audience"))
    window = {}
    for key, default, end_of_day in (
        ("registration_opens_at", DEFAULT_OPENS_BEFORE, False),
        ("registration_closes_at", DEFAULT_CLOSES_BEFORE, True),
    ):
        if key in present:
            src[key] = key
            window[key] = (guard(key, moments, v[key], None, end_of_day) or [None])[0]
        else:  # defaults count from the start; with no start, its column carries the error
            src[key] = src.get("starts_at", "starts_at")
            window[key] = starts - default if starts else None
            if starts:
                assume(key, _iso(window[key]), "default")
    opens, closes = window["registration_opens_at"], window["registration_closes_at"]
    if "kind" in present or "form" not in present:
        kind = kind_of(v.get("kind"), title)
    else:
        src["kind"] = "form"
        kind = assume("kind", kind_of(v["form"], title), "form")
    body = {
        "id": activity_id(title, starts, name) if title and starts and name else "imp-pending",
        "kind": kind,
        "title": {"zh": title, "en": _text(v.get("title_en"))},
        "description": {"zh": _text(v.get("description")), "en": ""},
        "venue": {
            "id": _text(v.get("venue_id")) or known.get("id") or venue_id(name),
            "name": name,
            "address": _text(v.get("address")) or known.get("address", ""),
        },
        "hall": hall,
        "organizer": _text(v.get("organizer")),
        "starts_at": _iso(starts),
        "ends_at": _iso(ends),
        "capacity": capacity,
        "max_party_size": party,
        "audience": audience,
        "registration_opens_at": _iso(opens),
        "registration_closes_at": _iso(closes),
    }
    return body, errors


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
