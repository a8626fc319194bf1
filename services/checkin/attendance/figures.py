"""What each attendance figure means: the one home of 未到, 未到率, 到场率 and 待入场 (issue 26).

The dashboards (``festival.py``, ``api.py``), the summary and its workbook (``summary.py``,
``summary_workbook.py``) and the pages' notes all take their figures and their definitions from
here, so a figure has one meaning wherever it is shown:

- **未到 / no-shows**: registered people not checked in, at activities that have *ended* (standby
  walk-ins are not registrants, so they neither add nor subtract). Nothing before the end.
- **未到率 / no-show rate**: 未到 ÷ the people registered for those ended activities.
- **到场率 / attendance rate**: registrants checked in ÷ registered, over ended activities only
  (a festival's rate once counted activities that had not happened: 27.8%).
- **待入场 / still to come**: registered people not yet in, at activities that have not ended.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime
from pathlib import Path

from marshmallow import Schema, fields

from shared.msgid import N_, text

CATALOGUE = Path(__file__).resolve().parent.parent / "translations"

NO_SHOWS = "no_shows"
NO_SHOW_RATE = "no_show_rate"
ATTENDANCE_RATE = "attendance_rate"
TO_COME = "to_come"

# The definitions, said on the pages and in the exports (the checkin catalogue holds the Chinese).
DEFINITIONS: Mapping[str, str] = {
    NO_SHOWS: N_(
        "No-shows = registered − checked in, at activities that have ended (walk-ins from standby apart)"
    ),
    NO_SHOW_RATE: N_("No-show rate = no-shows ÷ registered, over the activities that have ended"),
    ATTENDANCE_RATE: N_("Attendance rate = checked in ÷ registered, over the activities that have ended"),
    TO_COME: N_("Still to come = registered and not yet in, at activities that have not ended"),
}


def definition(figure: str, locale: str) -> str:
    """One figure's definition in ``locale`` (zh-CN unless "en")."""
    return text(DEFINITIONS[figure], locale, CATALOGUE)


def definitions(locale: str) -> list[str]:
    """Every definition, in the order the pages and the workbook's notes show them."""
    return [definition(f, locale) for f in (NO_SHOWS, NO_SHOW_RATE, ATTENDANCE_RATE, TO_COME)]


class ClosingOut(Schema):
    """One activity's figures that :func:`closing` gives (OpenAPI of the attendance answers)."""

    ended = fields.Boolean()
    no_shows = fields.Integer(allow_none=True, metadata={"description": "once ended: confirmed − checked in"})
    no_show_rate = fields.Float(allow_none=True, metadata={"description": "once ended: no_shows / confirmed"})
    attended = fields.Integer(
        metadata={"description": "registrants checked in (walk-ins from standby apart)"}
    )
    attendance_rate = fields.Float(
        allow_none=True, metadata={"description": "once ended: attended / confirmed"}
    )
    to_come = fields.Integer(metadata={"description": "until the end: confirmed − attended; 0 once ended"})


def _rate(part: int, whole: int) -> float | None:
    return part / whole if whole else None


def closing(ends_at: str, registered: int, attended: int, now: datetime) -> dict:
    """One activity's closing figures: ``ended``, ``no_shows``, ``no_show_rate``,
    ``attendance_rate`` (the last three None until it has ended) and ``remaining`` (still to come:
    0 once it has ended). ``attended``: registrants checked in (walk-ins apart)."""
    ended = now >= datetime.fromisoformat(ends_at)
    left = max(registered - attended, 0)
    if not ended:
        return {
            "ended": False,
            "no_shows": None,
            "no_show_rate": None,
            "attendance_rate": None,
            "to_come": left,
        }
    return {
        "ended": True,
        "no_shows": left,
        "no_show_rate": left / registered if registered else 0.0,
        "attendance_rate": _rate(attended, registered),
        "to_come": 0,
    }


def over_ended(rows: Iterable[Mapping], registered: str = "confirmed", attended: str = "attended") -> dict:
    """Totals of a group of activities (cancelled ones already left out): no-shows and the two
    rates over those that have *ended* only (None when none has), and who is still to come at
    the others. ``registered``/``attended`` name the rows' fields (the dashboards say
    ``confirmed``, the summary ``registered``)."""
    rows = list(rows)
    ended = [r for r in rows if r["ended"]]
    reg = sum(r[registered] for r in ended)
    came = sum(r[attended] for r in ended)
    no_shows = sum(r["no_shows"] for r in ended)
    return {
        "ended": len(ended),
        "no_shows": no_shows if ended else None,
        "no_show_rate": _rate(no_shows, reg),
        "attendance_rate": _rate(came, reg),
        "to_come": sum(r["to_come"] for r in rows if not r["ended"]),
    }
