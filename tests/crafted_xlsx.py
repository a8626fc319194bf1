"""Hand-built XLSX files: a city's key-activity list in the template shape of seed 004's 附件2,
and, for the import's bounds, shared strings that inflate far past the file's size, sheets with
more cells than a city list has, a part that declares XML entities."""

from __future__ import annotations

import io
import zipfile

NS = b'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"'
REL = b"http://schemas.openxmlformats.org/officeDocument/2006/relationships"
TYPES = (
    b'<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    b'<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    b'<Default Extension="xml" ContentType="application/xml"/>'
    b'<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
    b'<Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
    b'<Override PartName="/xl/sharedStrings.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/>'
    b"</Types>"
)


def xlsx(shared: list[bytes], rows: list[list[int]], prologue: bytes = b"") -> bytes:
    """A workbook whose one sheet holds ``rows`` of shared-string indexes."""
    sheet_rows = b"".join(
        b'<row r="%d">' % (r + 1)
        + b"".join(
            b'<c r="%s%d" t="s"><v>%d</v></c>' % (_col(c).encode(), r + 1, i) for c, i in enumerate(row)
        )
        + b"</row>"
        for r, row in enumerate(rows)
    )
    strings = b"".join(b"<si><t>" + s + b"</t></si>" for s in shared)
    parts = {
        "[Content_Types].xml": TYPES,
        "_rels/.rels": b'<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
        b'<Relationship Id="rId1" Type="'
        + REL
        + b'/officeDocument" Target="xl/workbook.xml"/></Relationships>',
        "xl/workbook.xml": b'<?xml version="1.0"?><workbook ' + NS + b' xmlns:r="' + REL + b'">'
        b'<sheets><sheet name="S" sheetId="1" r:id="rId1"/></sheets></workbook>',
        "xl/_rels/workbook.xml.rels": b'<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
        b'<Relationship Id="rId1" Type="' + REL + b'/worksheet" Target="worksheets/sheet1.xml"/>'
        b'<Relationship Id="rId2" Type="'
        + REL
        + b'/sharedStrings" Target="sharedStrings.xml"/></Relationships>',
        "xl/worksheets/sheet1.xml": b'<?xml version="1.0"?><worksheet '
        + NS
        + b"><sheetData>"
        + sheet_rows
        + b"</sheetData></worksheet>",
        "xl/sharedStrings.xml": b'<?xml version="1.0"?>'
        + prologue
        + b"<sst "
        + NS
        + b' count="%d">' % len(shared)
        + strings
        + b"</sst>",
    }
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as z:
        for name, data in parts.items():
            z.writestr(name, data)
    return out.getvalue()


def template_004(
    day, last, suffix: str = "", title_header: str = "活动名称", more: tuple = (), blank_rows: int = 0
) -> bytes:
    """附件2 as a city fills it in: a title line, a 填报单位 line, the header (with the activity
    column named ``title_header``), an evening talk on ``day`` and a fair from ``day`` to
    ``last`` written as a range of dates, estimates as people write them, the rows in ``more``,
    then ``blank_rows`` numbered empty rows as the template comes with."""
    from openpyxl import Workbook

    from services.registration.catalogue.sheet_columns import TEMPLATE_004

    wb = Workbook()
    ws = wb.active
    ws.append([f"{day.year} 年科普日计划开展重点活动清单"])
    ws.append(
        ["填报单位（盖章）：沈阳市科学技术协会", None, None, None, None, None, None, "填报日期：", None]
    )
    ws.append([title_header if h == "活动名称" else h for h in TEMPLATE_004])
    rows = [
        [
            1,
            f"科学之夜·天文观测{suffix}",
            "沈阳市科学技术协会",
            f"{day:%Y年%m月%d日} 19:00-21:00",
            "沈阳市科学宫 天文台",
            "科普讲座",
            "约80人",
            "王老师",
            "024-23221703",
        ],
        [
            2,
            f"机器人科普展{suffix}",
            "沈阳科学宫",
            f"{day.year}.{day.month}.{day.day}-{last.month}.{last.day}",
            "沈阳市科学宫 一楼展厅",
            "展览展示",
            500,
            "李老师",
            "15041455447",
        ],
        *more,
    ]
    for row in rows + [[n] for n in range(len(rows) + 1, len(rows) + 1 + blank_rows)]:
        ws.append(row)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def _col(index: int) -> str:
    name = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        name = chr(65 + rest) + name
    return name


def header_and_row() -> tuple[list[bytes], list[list[int]]]:
    shared = [
        "活动名称",
        "时间",
        "地点",
        "人数上限",
        "天文夜",
        "2026-12-15 19:00-21:00",
        "天文台 观测平台",
        "40",
    ]
    return [s.encode() for s in shared], [[0, 1, 2, 3], [4, 5, 6, 7]]


def inflating(strings: int = 34_000, width: int = 1000) -> bytes:
    """A readable list whose shared strings inflate to about ``strings * width`` bytes (34 MB by
    default) from a file of a few hundred KB."""
    shared, rows = header_and_row()
    return xlsx(shared + [b"%06d" % i + b"A" * width for i in range(strings)], rows)


def many_strings(strings: int) -> bytes:
    shared, rows = header_and_row()
    return xlsx(shared + [b"s%d" % i for i in range(strings)], rows)


def many_cells(rows: int, columns: int) -> bytes:
    shared, head = header_and_row()
    return xlsx(shared, head + [[4] * columns for _ in range(rows)])


def with_entities() -> bytes:
    shared, rows = header_and_row()
    prologue = b'<!DOCTYPE sst [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">]>'
    return xlsx(shared, rows, prologue)


def with_comment(size: int, part: str = "xl/worksheets/sheet1.xml", filler: bytes = b"A") -> bytes:
    """A readable list whose ``part`` opens with an XML comment of ``size`` bytes of ``filler``
    (issue 23: 15.9 MB of comment in a 19.7 KB file cost a worker 11 s of parsing)."""
    shared, rows = header_and_row()
    comment = b"<!--" + (filler * (size // len(filler) + 1))[:size] + b"-->"
    return _rewritten(xlsx(shared, rows), part, lambda data: data.replace(b"?>", b"?>" + comment, 1))


def with_long_text(size: int) -> bytes:
    """A readable list with one shared string of ``size`` bytes."""
    shared, rows = header_and_row()
    return xlsx(shared + [b"A" * size], rows)


def _rewritten(data: bytes, part: str, change) -> bytes:
    src, out = zipfile.ZipFile(io.BytesIO(data)), io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as z:
        for name in src.namelist():
            z.writestr(name, change(src.read(name)) if name == part else src.read(name))
    return out.getvalue()
