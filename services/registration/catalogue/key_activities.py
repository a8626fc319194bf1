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
from services.registration.catalogue.cells import (  # noqa: F401 (re-exported: the tests read cells through here)
    CellError,
    _clean,
    audience_of,
    kind_of,
    minutes,
    moments,
    split_place,
    whole_number,
)
from services.registration.catalogue.sheet_columns import COLUMNS, normalise  # noqa: F401 (re-exported)
from shared import spreadsheets

MAX_ROWS = 2000  # the default of the setting import_max_rows
DEFAULT_PARTY, DEFAULT_OPENS_BEFORE, DEFAULT_CLOSES_BEFORE = 4, timedelta(days=7), timedelta(hours=2)
DEFAULT_HOURS = (time(9, 0), time(17, 0))  # the defaults of import_day_opens / import_day_closes
# The defaults of import_minutes_<kind>: how long an activity given only its start lasts.
DEFAULT_MINUTES = {"imax": 45, "dome": 30, "screening": 90, "lecture": 90, "exhibition": 480, "other": 120}


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
    """What an import assumes where a file is silent (settings ``import_day_*``,
    ``import_minutes_<kind>``), today, and how many days a row may be split into
    (``import_each_day_max_days``)."""

    hours: tuple = DEFAULT_HOURS
    today: date | None = None
    minutes: dict = field(default_factory=lambda: dict(DEFAULT_MINUTES))
    each_day_max: int = 31


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
