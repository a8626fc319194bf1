"""Tables as CSV and XLSX: writing downloads (the exports and the summary) and reading uploads
(the activity import: shared/sheet_reading.py, re-exported here).

CSV starts with a UTF-8 byte-order mark so that Excel opens Chinese text correctly. Text that a
spreadsheet would run as a formula (``=``, ``+``, ``-``, ``@`` first) is neutralised in both
formats: a registrant could otherwise put a formula into an organizer's spreadsheet.
"""

from __future__ import annotations

import csv
import io
from datetime import datetime, tzinfo
from typing import Any
from urllib.parse import quote

from flask import Response

from shared.sheet_reading import (
    CHUNK,
    MAX_ZIP_PARTS,
    Limits,
    SheetTooLarge,
    UnreadableSheet,
    grid,
    inspect_xlsx,
)

__all__ = [
    "CHUNK",
    "CSV_TYPE",
    "MAX_ZIP_PARTS",
    "XLSX_TYPE",
    "Limits",
    "Sheet",
    "SheetTooLarge",
    "UnreadableSheet",
    "csv_bytes",
    "download",
    "grid",
    "inspect_xlsx",
    "readable_span",
    "xlsx_bytes",
]

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
CSV_TYPE = "text/csv; charset=utf-8"
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _csv_cell(value: Any) -> Any:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    return value


def csv_bytes(headers: list[str], rows: list[list[Any]]) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(headers)
    for row in rows:
        writer.writerow([_csv_cell(v) for v in row])
    return ("\ufeff" + out.getvalue()).encode("utf-8")


class Sheet:
    """One worksheet: a title, optional note lines above the table, a header row, rows."""

    def __init__(
        self,
        title: str,
        headers: list[str],
        rows: list[list[Any]],
        notes: list[str] | None = None,
        percent_columns: tuple[int, ...] = (),
    ):
        self.title, self.headers, self.rows = title[:31], headers, rows
        self.notes, self.percent_columns = notes or [], percent_columns

    @property
    def header_row(self) -> int:
        """1-based row number of the header (notes and one blank line come first)."""
        return len(self.notes) + 2 if self.notes else 1


def xlsx_bytes(sheets: list[Sheet]) -> bytes:
    from openpyxl import Workbook
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    wb = Workbook()
    wb.remove(wb.active)
    bold = Font(bold=True)
    for sheet in sheets:
        ws = wb.create_sheet(sheet.title)
        for i, note in enumerate(sheet.notes, start=1):
            _put(ws, i, 1, note)
        top = sheet.header_row
        for col, h in enumerate(sheet.headers, start=1):
            _put(ws, top, col, h).font = bold
        widths = [max(len(str(h)), 6) for h in sheet.headers]
        for r, row in enumerate(sheet.rows, start=top + 1):
            for col, value in enumerate(row, start=1):
                cell = _put(ws, r, col, value)
                if col - 1 in sheet.percent_columns and isinstance(value, (int, float)):
                    cell.number_format = "0.0%"
                widths[col - 1] = min(max(widths[col - 1], _display_len(value)), 60)
        for col, w in enumerate(widths, start=1):
            ws.column_dimensions[get_column_letter(col)].width = w + 2
        ws.freeze_panes = ws.cell(row=top + 1, column=1)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


MONTHS_EN = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def readable_span(starts_at: str, ends_at: str | None, locale: str, tz: tzinfo) -> str:
    """An activity's time for a title row: "2026年12月15日 19:00–20:30", "15 Dec 2026 19:00–20:30";
    on several days "2026年12月15日 09:00 – 12月20日 17:00" (the year again only if it changes)."""
    a = datetime.fromisoformat(starts_at).astimezone(tz)
    b = datetime.fromisoformat(ends_at).astimezone(tz) if ends_at else None

    def day(d: datetime, with_year: bool = True) -> str:
        if locale == "en":
            return f"{d.day} {MONTHS_EN[d.month - 1]}" + (f" {d.year}" if with_year else "")
        return (f"{d.year}年" if with_year else "") + f"{d.month}月{d.day}日"

    if b is None:
        return f"{day(a)} {a:%H:%M}"
    if a.date() == b.date():
        return f"{day(a)} {a:%H:%M}–{b:%H:%M}"
    return f"{day(a)} {a:%H:%M} – {day(b, b.year != a.year or locale == 'en')} {b:%H:%M}"


def _put(ws: Any, row: int, col: int, value: Any) -> Any:
    cell = ws.cell(row=row, column=col)
    if isinstance(value, str) and value.startswith("="):
        cell.value = value
        cell.data_type = "s"  # openpyxl would otherwise store it as a formula
    else:
        cell.value = value
    return cell


def _display_len(value: Any) -> int:
    text = "" if value is None else str(value)
    return sum(2 if ord(ch) > 0x2E80 else 1 for ch in text)  # CJK characters are two columns wide


def download(data: bytes, filename: str, mimetype: str) -> Response:
    """An attachment; ``filename`` may be Chinese (RFC 6266 ``filename*``), with an ASCII fallback."""
    ascii_name = filename.encode("ascii", "replace").decode().replace("?", "_").replace('"', "_")
    resp = Response(data, content_type=mimetype)
    resp.headers["Content-Disposition"] = (
        f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(filename)}"
    )
    resp.headers["Cache-Control"] = "no-store"
    return resp
