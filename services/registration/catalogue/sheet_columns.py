"""Which column of a key-activity list is which: header synonyms, the header row, the mapping.

Plain Python, no Flask. A header is recognised, in this order, by the mapping the organizer
chose for this upload, by the one they chose for an earlier file (remembered per organizer,
see ``import_mappings.py``), or by the synonyms below: what cities actually write, after
normalising (bracketed units such as "人数上限（人）" and "*" marks are dropped). A mapping to
``""`` means "ignore this column".
"""

from __future__ import annotations

import re
from datetime import date, datetime, time

COLUMNS = {  # canonical key -> accepted headers (after normalising)
    "title": (
        "活动名称",
        "名称",
        "活动主题",
        "项目名称",
        "活动项目",
        "活动项目名称",
        "科普活动名称",
        "name",
        "title",
    ),
    "title_en": ("英文名称", "name_en", "title_en"),
    "time": (
        "时间",
        "活动时间",
        "举办时间",
        "开展时间",
        "起止时间",
        "活动起止时间",
        "活动时间安排",
        "时间安排",
        "计划时间",
        "time",
    ),
    "date": ("日期", "活动日期", "举办日期", "开展日期", "date"),
    "starts_at": ("开始时间", "starts_at", "start"),
    "ends_at": ("结束时间", "ends_at", "end"),
    "duration": ("时长", "duration", "duration_minutes"),
    "place": (
        "地点",
        "活动地点",
        "举办地点",
        "开展地点",
        "活动场所",
        "举办场所",
        "活动场地",
        "place",
        "location",
    ),
    "venue": ("场馆", "场馆名称", "venue"),
    "venue_id": ("场馆编号", "venue_id"),
    "hall": ("厅室", "场地", "hall", "room"),
    "address": ("地址", "场馆地址", "详细地址", "address"),
    "organizer": (
        "主办单位",
        "举办单位",
        "承办单位",
        "组织单位",
        "主办方",
        "申报单位",
        "报送单位",
        "实施单位",
        "organizer",
    ),
    "kind": ("类型", "活动类型", "活动类别", "类别", "kind", "type"),
    # 活动形式 says how an activity is held (讲座, 展览展示, 科普影视…): the kind is guessed from it
    # and shown as an assumption for the organizer to confirm.
    "form": ("活动形式", "形式", "活动方式", "开展形式", "开展方式", "form"),
    "capacity": ("人数上限", "容量", "座位数", "名额", "限额", "可容纳人数", "capacity"),
    # An estimate is not a limit: the capacity is taken from it, marked as an assumption.
    "expected": (
        "预计参与人数",
        "预计参加人数",
        "预计人数",
        "参与人数",
        "参加人数",
        "预计受众人数",
        "受众人数",
        "活动规模",
        "预计规模",
        "规模",
        "expected",
        "expected_attendance",
    ),
    "max_party_size": ("每单人数", "每单最多人数", "每次报名人数", "max_party_size"),
    "registration_opens_at": ("报名开始", "报名开始时间", "registration_opens_at"),
    "registration_closes_at": ("报名截止", "报名截止时间", "registration_closes_at"),
    "audience": ("面向人群", "参与对象", "活动对象", "面向对象", "受众群体", "目标人群", "audience"),
    "description": ("活动简介", "简介", "主要内容", "活动内容", "内容简介", "description"),
    # issue 26: English names for the English pages (optional; brackets are dropped when headers
    # are read, so "场馆名称（英文）" would read as the Chinese name: these say 英文 in the words)
    "venue_en": ("场馆英文名称", "英文场馆名称", "venue_en", "venue_name_en"),
    "hall_en": ("厅室英文名称", "英文厅室名称", "hall_en", "room_en"),
    "address_en": ("英文地址", "场馆英文地址", "address_en"),
    # issue 29 item 6: seats kept for wheelchair users and their companions (quotas.*.seats)
    "wheelchair": ("轮椅位", "轮椅位数", "轮椅席位", "wheelchair_places", "wheelchair"),
    "companion": ("陪同座", "陪同座位", "陪同席位", "companion_seats", "companion"),
}
IGNORED = {
    "序号",
    "编号",
    "联系人",
    "联系方式",
    "联系电话",
    "联系人及电话",
    "备注",
    "no",
    "no.",
    "#",
    "contact",
    "phone",
    "notes",
    "remarks",
}
# The header of the list cities are asked for (seed 004, 附件2 “计划开展重点活动清单”).
TEMPLATE_004 = (
    "序号",
    "活动名称",
    "主办单位",
    "活动时间",
    "活动地点",
    "活动形式",
    "预计参与人数",
    "联系人",
    "联系电话",
)
# Without these an import cannot make an activity: each entry is satisfied by any one of its keys.
REQUIRED = (("title",), ("time", "starts_at"), ("place", "venue"), ("capacity", "expected"))
HEADER_ROWS = 10
_BRACKETS = re.compile(r"[（(\[【].*?[）)\]】]")
_ALIASES = {alias.lower(): key for key, aliases in COLUMNS.items() for alias in aliases}


def normalise(header) -> str:
    text = _BRACKETS.sub("", str(header or "")).replace("*", "").replace("＊", "")
    return re.sub(r"\s+", "", text).lower()


def key_of(header, chosen: dict, remembered: dict) -> tuple[str | None, str]:
    """(canonical key or None, how it was known: chosen | remembered | synonym | ignored | unknown).
    ``chosen`` and ``remembered`` map normalised headers to keys, ``""`` to ignore."""
    name = normalise(header)
    for source, mapping in (("chosen", chosen), ("remembered", remembered)):
        if name in mapping:
            return (mapping[name] or None), source
    if name in _ALIASES:
        return _ALIASES[name], "synonym"
    return None, ("ignored" if name in IGNORED else "unknown")


def header_row(grid: list[list], chosen: dict, remembered: dict) -> int | None:
    """The index of the header row among the first rows: the first naming the activity column;
    failing that, the first with three or more text cells and no dates or numbers (a header
    whose activity column the organizer has yet to map)."""
    for top, cells in enumerate(grid[:HEADER_ROWS]):
        if any(key_of(c, chosen, remembered)[0] == "title" for c in cells if c not in (None, "")):
            return top
    for top, cells in enumerate(grid[:HEADER_ROWS]):
        filled = [c for c in cells if c not in (None, "")]
        if len(filled) >= 3 and not any(isinstance(c, (int, float, date, datetime, time)) for c in filled):
            return top
    return None


def columns_of(cells: list, chosen: dict, remembered: dict) -> list[dict]:
    """One entry per non-empty header cell: ``{index, header, key, source}``; a key taken by an
    earlier column leaves the later one unmapped (source ``duplicate``)."""
    out, taken = [], set()
    for index, cell in enumerate(cells):
        header = str(cell if cell is not None else "").strip()
        if not header:
            continue
        key, source = key_of(header, chosen, remembered)
        if key and key in taken:
            key, source = None, "duplicate"
        taken.add(key)
        out.append({"index": index, "header": header, "key": key, "source": source})
    return out


def missing(columns: list[dict]) -> list[str]:
    """The first key of every required group no column maps to."""
    keys = {c["key"] for c in columns}
    return [group[0] for group in REQUIRED if not keys.intersection(group)]
