"""Cell values of a city's key-activity list: numbers, times, kinds, audiences, places.

Plain Python; each parser raises :class:`CellError` with a Chinese and an English reason that the
import report shows next to the row number and column.
"""

from __future__ import annotations

import re
from datetime import date, datetime, time, timedelta
from typing import NamedTuple

from services.registration.catalogue.activities import TZ
from services.registration.catalogue.kind_words import KIND_WORDS

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
# A date with or without its year ("2026.12.15", "12月20日", "12.20"), or, right after a range
# dash or 至, a day alone ("至20日"). Clock times ("19:00") never match: ":" is no date separator.
_DAY = re.compile(
    r"(?<![\d.])(?:(?P<y>\d{4})\s*[-/.年]\s*)?(?P<m>\d{1,2})\s*[-/.月]\s*(?P<d>\d{1,2})\s*[日号]?(?![\d:：])"
    r"|(?<=[-－—–~～至到])\s*(?P<dd>\d{1,2})\s*[日号]?(?![\d:：.月/时点-])"
)
# "19:00", "19：00:00", and as plans write it (seed 003): "9时30分", "9点半", "下午3时".
_CLOCK = re.compile(
    r"(?P<h>\d{1,2})\s*(?:[:：]\s*(?P<m>\d{2})(?:\s*[:：]\s*\d{2})?"
    r"|[时点](?:\s*(?P<m2>\d{1,2})\s*分|(?P<half>半))?)"
)
_AFTERNOON = re.compile("上午|早上|中午|下午|傍晚|晚上|晚")
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


def estimate(value) -> int:
    """A head count as cities estimate it: "300", "约300人", "300余人", "1000人次", "1.2万",
    "200-300" (the smaller: a capacity taken from an estimate should not overfill the hall)."""
    if isinstance(value, (int, float)) and not isinstance(value, bool) and value >= 0:
        return int(value)
    text = _text(value).replace(",", "").replace("，", "")
    counts = [float(n) * (10000 if wan else 1) for n, wan in re.findall(r"(\d+(?:\.\d+)?)\s*(万)?", text)]
    if not counts or not re.fullmatch(r"[约近超过逾大概共计\d.万\s余多左右人次位名个~～至到—–－-]*", text):
        raise CellError(
            f"看不出人数：“{text}”（如 300 或 约300人）", f"Not a head count: {text!r} (e.g. 300 or 约300人)."
        )
    return int(min(counts))


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
    return when(value, day, end_of_day).moments


class When(NamedTuple):
    moments: list  # datetimes, in Settings.timezone
    assumed: list  # what was not in the cell: "year", "opens" (the first day's start), "closes"


def when(
    value,
    day: date | None = None,
    end_of_day: bool = False,
    hours: tuple[time, time] | None = None,
    today: date | None = None,
) -> When:
    """The date-times in a cell, and what had to be assumed to get them.

    Dates may come as ranges in the spellings cities use: "2026.12.15-12.20",
    "2026年12月15日至20日", "12月15日—12月20日" (the year is then the next such date, counted
    from ``today`` less half a year). With ``hours`` (opens, closes), a cell of dates without
    times spans the first day's opening to the last day's closing; both are marked assumed.
    """
    typed = _typed(value, day, end_of_day)
    if typed is not None:
        return typed
    text = _text(value)
    try:
        dates, assumed = _dates(text, today or datetime.now(TZ).date())
    except ValueError:
        raise CellError(f"日期不存在：“{text}”", f"No such date: {text!r}.") from None
    dates = dates or ([day] if day else [])
    rest = _DAY.sub(" ", text)
    clocks = _clocks(rest)
    if not dates:
        raise CellError(
            f"看不出日期：“{text}”（如 2024-05-30 19:00）", f"No date in {text!r} (e.g. 2024-05-30 19:00)."
        )
    try:
        return _combined(dates, clocks, assumed, hours, end_of_day)
    except ValueError:
        raise CellError(f"日期或时间不存在：“{text}”", f"No such date or time: {text!r}.") from None


def _clocks(text: str) -> list[tuple[int, int]]:
    """The clock times in ``text``: an hour is in the afternoon after 下午, 傍晚 or 晚(上), until
    上午 or 早上 says otherwise ("上午9时至下午3时" is 9:00 and 15:00)."""
    out = []
    for m in _CLOCK.finditer(text):
        marks = _AFTERNOON.findall(text, 0, m.start())
        hour, late = int(m["h"]), bool(marks) and marks[-1] not in ("上午", "早上", "中午")
        minute = int(m["m"] or m["m2"] or (30 if m["half"] else 0))
        out.append((hour + 12 if late and hour < 12 else hour, minute))
    return out


def _typed(value, day: date | None, end_of_day: bool) -> When | None:
    """A cell the spreadsheet already typed (a date-time, a date, a time on ``day``), or ISO
    text; None for text to be read."""
    if isinstance(value, datetime):
        return When([value if value.tzinfo else value.replace(tzinfo=TZ)], [])
    if isinstance(value, date):
        return When([datetime.combine(value, time(23, 59) if end_of_day else time(0, 0), tzinfo=TZ)], [])
    if isinstance(value, time) and day:
        return When([datetime.combine(day, value, tzinfo=TZ)], [])
    text = _text(value)
    if _ISO.fullmatch(text):
        try:
            parsed = datetime.fromisoformat(text)
            return When([parsed if parsed.tzinfo else parsed.replace(tzinfo=TZ)], [])
        except ValueError:
            pass
    return None


def _combined(
    dates: list[date],
    clocks: list[tuple[int, int]],
    assumed: list[str],
    hours: tuple[time, time] | None,
    end_of_day: bool,
) -> When:
    """The dates and the clock times of a cell as date-times; ValueError for a time that does
    not exist."""
    if hours and not clocks:
        at = [
            datetime.combine(dates[0], hours[0], tzinfo=TZ),
            datetime.combine(dates[-1], hours[1], tzinfo=TZ),
        ]
        return When(at, assumed + ["opens", "closes"])
    if hours and len(clocks) == 1 and len(dates) > 1:
        opening = datetime.combine(dates[0], time(*clocks[0]), tzinfo=TZ)
        return When([opening, datetime.combine(dates[-1], hours[1], tzinfo=TZ)], assumed + ["closes"])
    if not clocks:
        return When(
            [datetime.combine(dates[0], time(23, 59) if end_of_day else time(0, 0), tzinfo=TZ)], assumed
        )
    if len(dates) > 1 and len(clocks) == 2:  # "12.15-12.20 9:00-17:00": daily hours, first to last day
        pairs = [(dates[0], clocks[0]), (dates[-1], clocks[1])]
    else:
        pairs = [(dates[min(i, len(dates) - 1)], c) for i, c in enumerate(clocks)]
    return When([datetime.combine(d, time(h, mi), tzinfo=TZ) for d, (h, mi) in pairs], assumed)


def _dates(text: str, today: date) -> tuple[list[date], list[str]]:
    """The dates in ``text``, each later one borrowing the year (and month) it leaves out from the
    one before; raises ValueError for a date that does not exist."""
    found = [
        (m["y"], m["m"], m["d"]) if m["dd"] is None else (None, None, m["dd"]) for m in _DAY.finditer(text)
    ]
    if not found:
        return [], []
    years = [int(y) for y, _, _ in found if y]
    assumed = [] if years else ["year"]
    out: list[date] = []
    for y, mo, d in found:
        if not out:
            first_month = int(mo or 1)
            year = int(y) if y else (years[0] if years else _next_year_of(first_month, int(d), today))
            out.append(date(year, first_month, int(d)))
            continue
        prev = out[-1]
        got = date(int(y) if y else prev.year, int(mo) if mo else prev.month, int(d))
        if got < prev and not y:  # "12月30日—1月2日", "12月30日至2日"
            got = (
                date(got.year + 1, got.month, got.day)
                if mo
                else date(prev.year + prev.month // 12, prev.month % 12 + 1, got.day)
            )
        out.append(got)
    return out, assumed


def _next_year_of(month: int, day: int, today: date) -> int:
    """The year of a date written without one: the first one not half a year past."""
    year = today.year
    return year + 1 if date(year, month, day) < today - timedelta(days=183) else year


def kind_of(value, title: str) -> str:
    """The kind the words of the kind (or form) cell choose, else those of the title, else other."""
    for text in (_text(value).lower(), _text(title).lower()):
        found = next((k for k, words in KIND_WORDS if any(w in text for w in words)), None)
        if found:
            return found
    return "other"


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
