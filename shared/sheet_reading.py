"""Reading uploaded tables (the activity import): CSV or XLSX into a grid of cells, within limits
checked before anything is unpacked (``Limits``, ``inspect_xlsx``).  ``shared.spreadsheets``
re-exports these names."""

from __future__ import annotations

import csv
import io
import re
import zipfile
from dataclasses import dataclass
from typing import Any


class UnreadableSheet(ValueError):
    def __init__(self, zh: str, en: str):
        super().__init__(en)
        self.zh, self.en = zh, en


class SheetTooLarge(UnreadableSheet):
    """The file would make the server read more than :class:`Limits` allow."""


@dataclass(frozen=True)
class Limits:
    """What one upload may make the server read (settings ``import_max_*``)."""

    rows: int = 2000
    columns: int = 64
    cells: int = 100_000
    shared_strings: int = 50_000
    inflated_bytes: int = 16 * 1024 * 1024
    # issue 23: one part, and one token of it (a text, a tag, a comment, a CDATA section, a
    # processing instruction), inflated: a 15.9 MB comment under the total cost a worker 11 s.
    part_bytes: int = 8 * 1024 * 1024
    token_bytes: int = 256 * 1024

    @classmethod
    def of(cls, settings: Any) -> Limits:
        return cls(
            rows=settings.import_max_rows,
            columns=settings.import_max_columns,
            cells=settings.import_max_cells,
            shared_strings=settings.import_max_shared_strings,
            inflated_bytes=settings.import_max_inflated_bytes,
            part_bytes=settings.import_max_part_bytes,
            token_bytes=settings.import_max_token_bytes,
        )


CHUNK = 64 * 1024
MAX_ZIP_PARTS = 512  # a workbook a person saves has a few dozen


def grid(filename: str, data: bytes, max_rows: int, limits: Limits | None = None) -> list[list[Any]]:
    """The cells of a .csv (UTF-8, or GB18030 as Excel saves it in China; comma or tab) or of
    the first sheet of an .xlsx, row by row, at most ``max_rows`` rows of ``limits.columns``."""
    limits = limits or Limits()
    name = (filename or "").lower()
    if name.endswith(".xlsx") or data[:4] == b"PK\x03\x04":
        inspect_xlsx(data, limits)
        return _xlsx_grid(data, max_rows, limits.columns)
    if name.endswith(".csv") or name.endswith(".txt"):
        grid = _csv_grid(data, max_rows, limits.columns)
        if sum(len(row) for row in grid) > limits.cells:
            raise _too_large(f"单元格超过 {limits.cells} 个", f"more than {limits.cells} cells")
        return grid
    raise UnreadableSheet("只支持 .csv 或 .xlsx 文件", "Only .csv and .xlsx files can be read.")


def _csv_grid(data: bytes, max_rows: int, columns: int) -> list[list[Any]]:
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
    reader = csv.reader(io.StringIO(text), delimiter="\t" if first.count("\t") > first.count(",") else ",")
    try:
        return [row[:columns] for _, row in zip(range(max_rows), reader)]
    except csv.Error:  # e.g. one field longer than the csv module's limit
        raise UnreadableSheet("无法读取该 CSV 文件", "The CSV file cannot be read.") from None


def inspect_xlsx(data: bytes, limits: Limits) -> None:
    """Refuse an XLSX before parsing it if it inflates past ``limits``: every part is inflated
    in chunks, counting bytes, and the shared strings' and the sheets' opening tags are counted
    as the bytes go by, so a crafted file stops costing at the first cap it crosses. (A tag
    inside a comment counts too: the count can only err towards refusing.) No part may inflate
    past ``limits.part_bytes``, nor hold a token longer than ``limits.token_bytes``."""
    try:
        book = zipfile.ZipFile(io.BytesIO(data))
        parts = book.infolist()
    except (zipfile.BadZipFile, ValueError, OSError):
        raise UnreadableSheet("无法读取该 XLSX 文件", "The XLSX file cannot be read.") from None
    if len(parts) > MAX_ZIP_PARTS:
        raise _too_large(f"{len(parts)} 个部件", f"{len(parts)} parts")
    budget = [limits.inflated_bytes]
    try:
        for part in parts:
            name = part.filename
            if name == "xl/sharedStrings.xml":
                data = _scan(
                    book,
                    part,
                    budget,
                    limits.part_bytes,
                    _STRING_TAG,
                    limits.shared_strings,
                    ("共享字符串", "shared strings"),
                )
            elif name.startswith("xl/worksheets/") and name.endswith(".xml"):
                data = _scan(
                    book, part, budget, limits.part_bytes, _CELL_TAG, limits.cells, ("单元格", "cells")
                )
            else:
                data = _scan(book, part, budget, limits.part_bytes)
            if _longest_token(data) > limits.token_bytes:
                raise _too_large(
                    f"单项内容超过 {limits.token_bytes} 字节",
                    f"one item is longer than {limits.token_bytes} bytes",
                )
    except (zipfile.BadZipFile, EOFError, OSError, NotImplementedError, RuntimeError):
        raise UnreadableSheet("无法读取该 XLSX 文件", "The XLSX file cannot be read.") from None


_STRING_TAG = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?si[\s>/]")
_CELL_TAG = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?c[\s>/]")
_TAIL = 64  # bytes carried over between chunks, so a tag cut in two is still seen


def _scan(
    book: zipfile.ZipFile,
    part: zipfile.ZipInfo,
    budget: list[int],
    part_bytes: int,
    tag: re.Pattern[bytes] | None = None,
    cap: int = 0,
    what: tuple[str, str] = ("", ""),
) -> bytes:
    """The part's inflated bytes, read in chunks and refused at the first cap crossed."""
    seen, tail, chunks, size = 0, b"", [], 0
    with book.open(part) as stream:
        while chunk := stream.read(CHUNK):
            budget[0] -= len(chunk)
            size += len(chunk)
            if budget[0] < 0:
                raise _too_large("解压后超过上限", "it inflates past the limit")
            if size > part_bytes:
                raise _too_large(
                    f"单个部件解压后超过 {part_bytes} 字节", f"one part inflates past {part_bytes} bytes"
                )
            chunks.append(chunk)
            window = tail + chunk
            if b"<!ENTITY" in window:  # no spreadsheet part declares entities
                raise UnreadableSheet("无法读取该 XLSX 文件", "The XLSX file cannot be read.")
            if tag is not None:  # tags wholly inside the carried-over tail were counted before
                seen += len(tag.findall(window)) - len(tag.findall(tail))
                if seen > cap:
                    raise _too_large(f"{what[0]}超过 {cap} 个", f"more than {cap} {what[1]}")
            tail = window[-_TAIL:]
    return b"".join(chunks)


# A comment, a CDATA section and a processing instruction may hold "<"; each ends at its own mark.
_SPECIAL_ENDS = {b"<!--": b"-->", b"<![CDATA[": b"]]>", b"<?": b"?>"}
_SPECIAL = re.compile(rb"<!--|<!\[CDATA\[|<\?")


def _longest_token(data: bytes) -> int:
    """The length of the longest token of an XML part, in linear time: no text, tag or attribute
    can hold a "<", so the longest run between two "<" bounds them all; comments, CDATA sections and
    processing instructions are measured from their start to their end mark (an unended one runs
    to the end of the part)."""
    longest = max(map(len, data.split(b"<")))
    for found in _SPECIAL.finditer(data):
        start, mark = found.start(), _SPECIAL_ENDS[found.group()]
        end = data.find(mark, found.end())
        longest = max(longest, (len(data) if end < 0 else end + len(mark)) - start)
    return longest


def _too_large(zh: str, en: str) -> SheetTooLarge:
    return SheetTooLarge(f"文件过大：{zh}", f"The file is too large: {en}.")


def _xlsx_grid(data: bytes, max_rows: int, columns: int) -> list[list[Any]]:
    from openpyxl import load_workbook

    try:
        wb = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception:  # openpyxl raises many kinds for a damaged or foreign file
        raise UnreadableSheet("无法读取该 XLSX 文件", "The XLSX file cannot be read.") from None
    try:
        ws = wb.worksheets[0]
        # a sheet may claim 16,384 columns; no list a city fills in has more than a few dozen
        return [list(r) for _, r in zip(range(max_rows), ws.iter_rows(values_only=True, max_col=columns))]
    except Exception:  # a damaged sheet part
        raise UnreadableSheet("无法读取该 XLSX 文件", "The XLSX file cannot be read.") from None
    finally:
        wb.close()
