"""A group's roster (issue 29): a spreadsheet of the class or team, read row by row.

The file is read as the activity import reads its lists (``shared.spreadsheets.grid``: .csv in
UTF-8 or GB18030, or an .xlsx's first sheet, within ``Limits``); a birth date cell is read by the
import's date reader (``catalogue.cells``).  Each row is checked as a real-name member is
(``access.identity.member``: the ID's format and check digit, a child's age without an ID), and
an ID twice in the roster is refused on both rows.  Errors are field rules keyed by the row's
number in the spreadsheet, so the page says "row 7, ID number: the check digit does not match".
Nothing here keeps a number: the preview shows masked names and IDs only.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from services.registration import vocabulary as v
from services.registration.access import identity
from services.registration.access.fair import ID_RULES
from services.registration.catalogue import cells
from shared import spreadsheets
from shared.masking import mask_id, mask_name

HEADER_ROWS = 5  # the header is one of the first rows (a title line may come before it)
# header words -> the member's field; compared without spaces, case or a trailing "*"
HEADERS = {
    "name": ("姓名", "名字", "学生姓名", "成员姓名", "name"),
    "id_type": ("证件类型", "idtype", "id_type"),
    "id_number": ("证件号码", "证件号", "身份证号", "身份证号码", "身份证", "idnumber", "id_number"),
    "birth_date": ("出生日期", "生日", "birthdate", "birth_date"),
    "nationality": ("国籍", "签发国", "nationality"),
}
ID_TYPE_WORDS = {
    "居民身份证": "resident_id",
    "身份证": "resident_id",
    "港澳居民来往内地通行证": "hk_macau_permit",
    "回乡证": "hk_macau_permit",
    "台湾居民来往大陆通行证": "taiwan_permit",
    "台胞证": "taiwan_permit",
    "护照": "passport",
    "外国人永久居留身份证": "foreign_permanent_id",
    "永居证": "foreign_permanent_id",
    "无": identity.NO_ID,
    "儿童": identity.NO_ID,
    "无证件": identity.NO_ID,
    **{t: t for t in (*identity.ID_TYPES, identity.NO_ID)},
}


@dataclass
class Roster:
    """The rows read: each member as the registration form takes it, with its spreadsheet row."""

    members: list[dict[str, Any]] = field(default_factory=list)
    rows: list[int] = field(default_factory=list)  # the spreadsheet row of each member
    errors: dict[str, dict[str, list[str]]] = field(default_factory=dict)  # row -> field -> [rule]

    def refuse(self, row: int, name: str, rule: str) -> None:
        self.errors.setdefault(str(row), {}).setdefault(name, []).append(rule)


def _key(header: Any) -> str:
    return re.sub(r"[\s*＊:：]", "", str(header or "")).lower()


def _columns(row: list[Any]) -> dict[str, int]:
    """The header row's columns by member field, or {} if the row has no name column."""
    found: dict[str, int] = {}
    for i, header in enumerate(row):
        k = _key(header)
        for name, words in HEADERS.items():
            if k in words and name not in found:
                found[name] = i
    return found if "name" in found else {}


def _cell(row: list[Any], columns: dict[str, int], name: str) -> Any:
    i = columns.get(name)
    value = row[i] if i is not None and i < len(row) else None
    return value.strip() if isinstance(value, str) else value


def read(filename: str, data: bytes, most: int, limits: spreadsheets.Limits) -> Roster:
    """The roster in a file: at most ``most`` people.  Raises ``spreadsheets.UnreadableSheet``
    (or ``SheetTooLarge``) for a file that is not a table; ``v.Refusal(roster_invalid)`` for a
    roster without a header, empty, or longer than ``most``."""
    grid = spreadsheets.grid(filename, data, most + HEADER_ROWS + 1, limits)
    top = next((i for i, row in enumerate(grid[:HEADER_ROWS]) if _columns(row)), None)
    if top is None:
        raise v.Refusal(v.ROSTER_INVALID, {"rules": {"file": [v.ROSTER_NO_HEADER]}})
    columns = _columns(grid[top])
    body = [(i + 1, row) for i, row in enumerate(grid) if i > top and any(c not in (None, "") for c in row)]
    if not body:
        raise v.Refusal(v.ROSTER_INVALID, {"rules": {"file": [v.ROSTER_EMPTY]}})
    if len(body) > most:
        raise v.Refusal(v.ROSTER_INVALID, {"rules": {"file": [v.ROSTER_TOO_MANY]}})
    roster = Roster()
    for number, row in body:
        roster.members.append({k: _cell(row, columns, k) for k in columns})
        roster.rows.append(number)
    return roster


def checked(roster: Roster, real_name: bool, on: date, today: date, child_max_age: int) -> list[dict]:
    """Each row checked; returns the members as the registration form takes them (real-name: with
    their ID type, number or a child's birth date; else names only) and records each row's errors
    in ``roster.errors``.  ``on``: the activity's day (a child's age is counted on it)."""
    policy = identity.ChildPolicy(child_max_age)
    out: list[dict[str, Any]] = []
    seen: dict[str, int] = {}
    for raw, row in zip(roster.members, roster.rows, strict=True):
        name = str(raw.get("name") or "").strip()
        if not name:
            roster.refuse(row, "name", v.ROSTER_NAME_EMPTY)
        if not real_name:
            out.append({"name": name})
            continue
        member = _member(raw, name)
        try:
            person = identity.member(b"roster", member, on, policy, today)
        except identity.IdInvalid as exc:
            roster.refuse(row, _field_of(exc.why, member), ID_RULES[exc.why])
        else:
            if person.id_hash and person.id_hash in seen:
                for twice in (seen[person.id_hash], row):
                    roster.refuse(twice, "id_number", v.ID_TWICE_IN_PARTY)
            seen.setdefault(person.id_hash or f"child{row}", row)
        out.append(member)
    return out


def _member(raw: dict[str, Any], name: str) -> dict[str, Any]:
    """A row as a real-name member: an ID type (a number without one: a resident ID card; no
    number but a birth date: a child), its number or birth date."""
    number = raw.get("id_number")
    number = "" if number is None else str(int(number) if isinstance(number, float) else number).strip()
    kind = ID_TYPE_WORDS.get(_key(raw.get("id_type")), "") if raw.get("id_type") else ""
    if not kind:
        kind = identity.NO_ID if not number and raw.get("birth_date") else "resident_id"
    if kind == identity.NO_ID:
        return {"name": name, "id_type": kind, "birth_date": _born(raw.get("birth_date"))}
    member = {"name": name, "id_type": kind, "id_number": number}
    if kind == "passport":
        member["nationality"] = str(raw.get("nationality") or "")
    return member


def _born(value: Any) -> date | None:
    if value in (None, ""):
        return None
    try:
        return cells.moments(value)[0].date()
    except (cells.CellError, IndexError):
        return None


def _field_of(why: str, member: dict[str, Any]) -> str:
    if member["id_type"] == identity.NO_ID:
        return "birth_date"
    return "nationality" if why == "nationality" else "id_type" if why == "unknown_type" else "id_number"


def preview(members: list[dict[str, Any]], rows: list[int]) -> list[dict[str, Any]]:
    """What the page shows of each row: its number, the masked name and ID, a child marked."""
    shown = []
    for raw, row in zip(members, rows, strict=True):
        item: dict[str, Any] = {"row": row, "name_masked": mask_name(raw.get("name") or "")}
        number = raw.get("id_number")
        if number:
            item["id_masked"] = mask_id(identity.normalize(raw["id_type"], number))
        if raw.get("id_type") == identity.NO_ID:
            item["child"] = True
        shown.append(item)
    return shown
