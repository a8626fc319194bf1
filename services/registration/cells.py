"""Cell values of a city's key-activity list: numbers, times, kinds, audiences, places.

Plain Python; each parser raises :class:`CellError` with a Chinese and an English reason that the
import report shows next to the row number and column.
"""

from __future__ import annotations

import re
from datetime import date, datetime, time

from services.registration.activities import TZ

KINDS = (
    ("imax", ("巨幕", "imax")),
    ("dome", ("球幕", "dome")),
    ("lecture", ("讲座", "报告会", "讲堂", "lecture")),
    ("exhibition", ("展览", "exhibition")),
)
AUDIENCES = {
    "科技工作者及家属": "sci_workers_and_families",
    "科技工作者及其家属": "sci_workers_and_families",
    "科技工作者": "sci_workers_and_families",
    "sci_workers_and_families": "sci_workers_and_families",
    "公众": "public",
    "社会公众": "public",
    "面向公众": "public",
    "public": "public",
}
_DATE = re.compile(r"(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?")
_CLOCK = re.compile(r"(\d{1,2})\s*[:：]\s*(\d{2})(?:\s*[:：]\s*\d{2})?")
# Full ISO 8601 only with a "T" or seconds: "2024-05-30 19:00-20:30" is a range, not an offset.
_ISO = re.compile(
    r"\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d+)?)?|[ T]\d{2}:\d{2}:\d{2}(\.\d+)?)(Z|[+-]\d{2}:?\d{2})?"
)


class CellError(ValueError):
    def __init__(self, zh: str, en: str):
        super().__init__(en)
        self.zh, self.en = zh, en


def _clean(value):
    return value.strip() if isinstance(value, str) else value


# -- cells ------------------------------------------------------------------------------------
def _text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


def whole_number(value) -> int:
    if isinstance(value, (int, float)) and not isinstance(value, bool) and float(value).is_integer():
        return int(value)
    m = re.fullmatch(r"(\d+)\s*(人|位|座|个)?", _text(value))
    if not m:
        raise CellError(f"应为整数，而不是“{_text(value)}”", f"Must be a whole number, not {_text(value)!r}.")
    return int(m.group(1))


def minutes(value) -> int:
    text = _text(value)
    m = re.fullmatch(r"(\d+(?:\.\d+)?)\s*(分钟|分|min|minutes|小时|h|hours)?", text, re.I)
    if not m:
        raise CellError(
            f"时长格式不对：“{text}”（如 90 或 1.5小时）", f"Not a duration: {text!r} (e.g. 90 or 1.5小时)."
        )
    n = float(m.group(1))
    return int(round(n * 60 if (m.group(2) or "").lower() in ("小时", "h", "hours") else n))


def moments(value, day: date | None = None, end_of_day: bool = False) -> list[datetime]:
    """Every date-time in a cell, in Settings.timezone: "2024-05-30 19:00-20:30" gives two."""
    if isinstance(value, datetime):
        return [value if value.tzinfo else value.replace(tzinfo=TZ)]
    if isinstance(value, date):
        return [datetime.combine(value, time(23, 59) if end_of_day else time(0, 0), tzinfo=TZ)]
    if isinstance(value, time) and day:
        return [datetime.combine(day, value, tzinfo=TZ)]
    text = _text(value)
    if _ISO.fullmatch(text):
        try:
            parsed = datetime.fromisoformat(text)
            return [parsed if parsed.tzinfo else parsed.replace(tzinfo=TZ)]
        except ValueError:
            pass
    try:
        dates = [date(int(y), int(mo), int(d)) for y, mo, d in _DATE.findall(text)] or ([day] if day else [])
    except ValueError:
        raise CellError(f"日期不存在：“{text}”", f"No such date: {text!r}.") from None
    rest = _DATE.sub(" ", text)
    clocks = [
        (int(h) + (12 if int(h) < 12 and re.search("下午|晚", text) else 0), int(mi))
        for h, mi in _CLOCK.findall(rest)
    ]
    if not dates:
        raise CellError(
            f"看不出日期：“{text}”（如 2024-05-30 19:00）", f"No date in {text!r} (e.g. 2024-05-30 19:00)."
        )
    try:
        if not clocks:
            return [datetime.combine(dates[0], time(23, 59) if end_of_day else time(0, 0), tzinfo=TZ)]
        return [
            datetime.combine(dates[min(i, len(dates) - 1)], time(h, mi), tzinfo=TZ)
            for i, (h, mi) in enumerate(clocks)
        ]
    except ValueError:
        raise CellError(f"日期或时间不存在：“{text}”", f"No such date or time: {text!r}.") from None


def kind_of(value, title: str) -> str:
    text = (_text(value) or title).lower()
    return next((k for k, words in KINDS if any(w in text for w in words)), "other")


def audience_of(value) -> str:
    text = re.sub(r"\s+", "", _text(value)).lower()
    if not text:
        return "public"
    if text not in AUDIENCES:
        raise CellError(
            "面向人群应为“科技工作者及家属”或“公众”",
            "Audience must be 科技工作者及家属 (sci workers and families) or 公众 (public).",
        )
    return AUDIENCES[text]


def split_place(text: str) -> tuple[str, str]:
    """ "辽宁省科学技术馆 巨幕影院" -> (venue, hall); separators: spaces, ·, /, ，"""
    parts = [p for p in re.split(r"[\s\u3000·/，,]+", text, maxsplit=1) if p]
    return (parts[0], parts[1]) if len(parts) == 2 else (text, "")


# -- ids --------------------------------------------------------------------------------------
