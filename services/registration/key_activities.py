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
import re
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from services.registration.activities import TZ
from services.registration.cells import (
    CellError,
    _clean,
    _text,
    audience_of,
    kind_of,
    minutes,
    moments,
    split_place,
    whole_number,
)
from shared import spreadsheets

COLUMNS = {  # canonical key -> accepted headers (after normalising)
    "title": ("活动名称", "名称", "活动主题", "name", "title"),
    "title_en": ("英文名称", "name_en", "title_en"),
    "time": ("时间", "活动时间", "举办时间", "time"),
    "date": ("日期", "活动日期", "date"),
    "starts_at": ("开始时间", "starts_at", "start"),
    "ends_at": ("结束时间", "ends_at", "end"),
    "duration": ("时长", "duration", "duration_minutes"),
    "place": ("地点", "活动地点", "举办地点", "place", "location"),
    "venue": ("场馆", "场馆名称", "venue"),
    "venue_id": ("场馆编号", "venue_id"),
    "hall": ("厅室", "场地", "hall", "room"),
    "address": ("地址", "场馆地址", "address"),
    "organizer": ("主办单位", "举办单位", "organizer"),
    "kind": ("类型", "活动类型", "kind", "type"),
    "capacity": ("人数上限", "容量", "座位数", "名额", "capacity"),
    "max_party_size": ("每单人数", "每单最多人数", "每次报名人数", "max_party_size"),
    "registration_opens_at": ("报名开始", "报名开始时间", "registration_opens_at"),
    "registration_closes_at": ("报名截止", "报名截止时间", "registration_closes_at"),
    "audience": ("面向人群", "参与对象", "活动对象", "audience"),
    "description": ("活动简介", "简介", "主要内容", "活动内容", "description"),
}
IGNORED = {
    "序号",
    "编号",
    "联系人",
    "联系方式",
    "联系电话",
    "备注",
    "no",
    "contact",
    "phone",
    "notes",
    "remarks",
}
MAX_ROWS = 2000
DEFAULT_PARTY, DEFAULT_OPENS_BEFORE, DEFAULT_CLOSES_BEFORE = 4, timedelta(days=7), timedelta(hours=2)
_BRACKETS = re.compile(r"[（(\[【].*?[）)\]】]")
_ALIASES = {alias.lower(): key for key, aliases in COLUMNS.items() for alias in aliases}


class SheetError(ValueError):
    """The file as a whole cannot be read, or holds no list; ``zh`` and ``en`` say why."""

    def __init__(self, zh: str, en: str):
        super().__init__(en)
        self.zh, self.en = zh, en


@dataclass
class Row:
    number: int
    values: dict  # canonical key -> raw cell value
    source: dict = field(default_factory=dict)  # body field -> the header it came from


@dataclass
class Sheet:
    headers: dict  # canonical key -> header text as written
    rows: list
    ignored: list
    unknown: list


def normalise(header) -> str:
    text = _BRACKETS.sub("", str(header or "")).replace("*", "").replace("＊", "")
    return re.sub(r"\s+", "", text).lower()


# -- reading ----------------------------------------------------------------------------------
def read(filename: str, data: bytes) -> Sheet:
    try:
        grid = spreadsheets.grid(filename, data, MAX_ROWS + 20)
    except spreadsheets.UnreadableSheet as exc:
        raise SheetError(exc.zh, exc.en) from None
    for top, cells in enumerate(grid[:10]):  # noqa: B007 (top is read after the loop)
        keys = [_ALIASES.get(normalise(c)) for c in cells]
        if "title" in keys:
            break
    else:
        raise SheetError(
            "找不到表头：前十行里没有“活动名称”列",
            "No header row: none of the first ten rows has a 活动名称 (name) column.",
        )
    headers, columns, ignored, unknown = {}, {}, [], []
    for i, (key, text) in enumerate(zip(keys, grid[top])):
        text = str(text or "").strip()
        if key and key not in headers:
            headers[key], columns[i] = text, key
        elif normalise(text) in IGNORED:
            ignored.append(text)
        elif text:
            unknown.append(text)
    rows = []
    for n, cells in enumerate(grid[top + 1 :], start=top + 2):
        values = {columns[i]: _clean(v) for i, v in enumerate(cells) if i in columns}
        if any(v not in (None, "") for v in values.values()):
            rows.append(Row(n, values))
    if not rows:
        raise SheetError("文件里没有活动行", "The file has no activity rows.")
    if len(rows) > MAX_ROWS:
        raise SheetError(f"一次最多导入 {MAX_ROWS} 行", f"At most {MAX_ROWS} rows can be imported at once.")
    return Sheet(headers, rows, ignored, unknown)


def _digest(*parts: str) -> str:
    return hashlib.sha256("\x1f".join(parts).encode("utf-8")).hexdigest()


def activity_id(title: str, starts_at: datetime, venue_name: str) -> str:
    return "imp-" + _digest(title, starts_at.astimezone(TZ).isoformat(), venue_name)[:12]


def venue_id(name: str) -> str:
    return "v-" + _digest(name)[:8]


# -- rows -> ActivityIn bodies ----------------------------------------------------------------
def body_of(row: Row, venues: dict[str, dict]) -> tuple[dict, list[tuple[str, str, str]]]:
    """One row as an ``ActivityIn`` body, and its cell errors as (column key, zh, en).

    ``venues`` maps the names of venues already known to ``{"id", "address"}``. Fills
    ``row.source`` (body field path -> column key) so schema errors can name the column.
    """
    v, src, errors = row.values, row.source, []
    present = {k for k, val in v.items() if val not in (None, "")}

    def guard(key, fn, *args):
        try:
            return fn(*args)
        except CellError as exc:
            errors.append((key, exc.zh, exc.en))
            return None

    def need(key, zh_name, en_name):
        errors.append((key, f"必须填写{zh_name}", f"{en_name} is required."))

    title = _text(v.get("title"))
    src.update({"title.zh": "title", "title.en": "title_en", "description.zh": "description"})
    day = guard("date", lambda: moments(v["date"])[0].date()) if "date" in present else None
    starts = ends = None
    if "starts_at" in present or "time" in present:
        key = "starts_at" if "starts_at" in present else "time"
        found = guard(key, moments, v[key], day) or []
        starts, ends = (found + [None, None])[:2]
        src["starts_at"] = src["ends_at"] = key
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

    capacity = (
        guard("capacity", whole_number, v["capacity"])
        if "capacity" in present
        else need("capacity", "人数上限", "Capacity")
    )
    party = (
        guard("max_party_size", whole_number, v["max_party_size"])
        if "max_party_size" in present
        else DEFAULT_PARTY
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
    opens, closes = window["registration_opens_at"], window["registration_closes_at"]
    body = {
        "id": activity_id(title, starts, name) if title and starts and name else "imp-pending",
        "kind": kind_of(v.get("kind"), title),
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
