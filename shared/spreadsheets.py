"""Tables as CSV and XLSX: writing downloads (the exports and the summary) and reading uploads
(the activity import).

CSV starts with a UTF-8 byte-order mark so that Excel opens Chinese text correctly. Text that a
spreadsheet would run as a formula (``=``, ``+``, ``-``, ``@`` first) is neutralised in both
formats: a registrant could otherwise put a formula into an organizer's spreadsheet.
"""

from __future__ import annotations

import csv
import io
from typing import Any
from urllib.parse import quote

from flask import Response

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


# -- reading ------------------------------------------------------------------------------------
class UnreadableSheet(ValueError):
    def __init__(self, zh: str, en: str):
        super().__init__(en)
        self.zh, self.en = zh, en


MAX_COLUMNS = 64


def grid(filename: str, data: bytes, max_rows: int) -> list[list[Any]]:
    """The cells of a .csv (UTF-8, or GB18030 as Excel saves it in China; comma or tab) or of
    the first sheet of an .xlsx, row by row, at most ``max_rows`` rows."""
    name = (filename or "").lower()
    if name.endswith(".xlsx") or data[:4] == b"PK\x03\x04":
        return _xlsx_grid(data, max_rows)
    if name.endswith(".csv") or name.endswith(".txt"):
        return [row[:MAX_COLUMNS] for row in _csv_grid(data)[:max_rows]]
    raise UnreadableSheet("只支持 .csv 或 .xlsx 文件", "Only .csv and .xlsx files can be read.")


def _csv_grid(data: bytes) -> list[list[Any]]:
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            text = data.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:
        raise UnreadableSheet(
            "无法识别文件编码（请存为 UTF-8 或 GBK）", "Unknown text encoding (save as UTF-8 or GBK)."
        )
    first = text.split("\n", 1)[0]
    return list(
        csv.reader(io.StringIO(text), delimiter="\t" if first.count("\t") > first.count(",") else ",")
    )


def _xlsx_grid(data: bytes, max_rows: int) -> list[list[Any]]:
    from openpyxl import load_workbook

    try:
        wb = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception:  # openpyxl raises many kinds for a damaged or foreign file
        raise UnreadableSheet("无法读取该 XLSX 文件", "The XLSX file cannot be read.") from None
    try:
        ws = wb.worksheets[0]
        # a sheet may claim 16,384 columns; no list a city fills in has more than a few dozen
        return [list(r) for _, r in zip(range(max_rows), ws.iter_rows(values_only=True, max_col=MAX_COLUMNS))]
    finally:
        wb.close()
