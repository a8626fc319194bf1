"""The festival summary (活动总结) as a workbook: ``GET /api/v1/summary.xlsx`` (``summary.py``).

One sheet per activity and one per venue, kind and day, each with the notes that say how the
figures are counted; the figures are ``summary.build``'s, in the request's language.
"""

from __future__ import annotations

from collections.abc import Callable

from services.checkin import vocabulary as V
from services.checkin.attendance import figures
from services.checkin.door import admission
from shared import spreadsheets

KINDS = {
    "imax": ("巨幕影院", "IMAX"),
    "dome": ("球幕影院", "Dome"),
    "lecture": ("科普讲座", "Lecture"),
    "exhibition": ("展览", "Exhibition"),
    "other": ("其他活动", "Other"),
    "screening": ("观影放映", "Screening"),
}
# issue 15: seats filled from on-site standby and the lottery's figures (0 where there is none)
ALLOCATION = ("standby_admitted", "lottery_entries", "lottery_winners", "lottery_waitlisted")
UNKNOWN_NOTE = (
    "候补需求未知：报名服务暂不可用，未能取得“名额已满未能报名”的人数。",
    "Waitlist demand unknown: the registration service did not answer, so the people turned away "
    "are not known.",
)
NUMBERED = (
    "capacity",
    "registered",
    "attended",
    "attendance_rate",
    "waitlisted",
    "turned_away",
    "waitlist_demand",
    "no_shows",
    "no_show_rate",
    *ALLOCATION,
)


def pick(locale: str, zh: str, en: str) -> str:
    return en if locale == "en" else zh


def _cell(value, locale):
    return pick(locale, "未知", "unknown") if value is None else value


def workbook(summary: dict, locale: str) -> bytes:
    t = lambda zh, en: pick(locale, zh, en)  # noqa: E731
    notes = _notes(summary, t, locale)
    figures = _figure_heads(t)
    kind = lambda k: pick(locale, *KINDS.get(k, KINDS["other"]))  # noqa: E731
    head = [
        t("活动编号", "Activity"),
        t("日期", "Date"),
        t("开始", "Starts"),
        t("活动名称", "Title"),
        t("类型", "Kind"),
        t("场馆", "Venue"),
        t("厅室", "Hall"),
        t("状态", "Status"),
        *figures,
    ]
    acts = [_activity_row(r, locale, kind) for r in summary["activities"]]
    total_row = lambda label: [label, summary["totals"]["activities"], *_numbers(summary["totals"], locale)]  # noqa: E731
    group_head = lambda name: [name, t("活动数", "Activities"), *figures]  # noqa: E731
    sheets = [spreadsheets.Sheet(t("分活动", "Activities"), head, acts, notes, percent_columns=(11, 16))]
    for name, label, groups in (
        (
            t("按场馆", "By venue"),
            t("场馆", "Venue"),
            [(pick(locale, v["label"], v.get("label_en") or v["label"]), v) for v in summary["by_venue"]],
        ),
        (t("按类型", "By kind"), t("类型", "Kind"), [(kind(k["key"]), k) for k in summary["by_kind"]]),
        (t("按日期", "By day"), t("日期", "Date"), [(d["key"], d) for d in summary["by_day"]]),
    ):
        rows = [[k, grp["activities"], *_numbers(grp, locale)] for k, grp in groups] + [
            total_row(t("合计", "Total"))
        ]
        sheets.append(spreadsheets.Sheet(name, group_head(label), rows, notes, percent_columns=(5, 10)))
    return spreadsheets.xlsx_bytes(sheets)


def _notes(summary: dict, t: Callable[[str, str], str], locale: str) -> list[str]:
    """The notes above every sheet: when it was made, how the figures count, what is unknown."""
    notes = [
        t(
            f"活动总结数据 · 生成于 {summary['generated_at'][:19].replace('T', ' ')}（北京时间）",
            f"Festival summary · generated {summary['generated_at'][:19].replace('T', ' ')} ({admission.TZ.key})",
        ),
        *figures.definitions(locale),  # the pages say the same (attendance/figures.py)
        t(
            "候补需求 = 候补人数 + 名额已满未能报名人数；已取消的活动不计入合计。",
            "Waitlist demand = waitlisted + turned away; cancelled activities are left out of the totals.",
        ),
    ]
    if not summary["waitlist_demand_known"]:
        notes.append(t(*UNKNOWN_NOTE))
    return notes


def _figure_heads(t: Callable[[str, str], str]) -> list[str]:
    """The figures' column heads, in ``NUMBERED``'s order."""
    return [
        t("容量", "Capacity"),
        t("报名人数", "Registered"),
        t("到场人数", "Attended"),
        t("到场率", "Attendance rate"),
        t("候补人数", "Waitlisted"),
        t("名额已满未能报名", "Turned away"),
        t("候补需求", "Waitlist demand"),
        t("未到人数", "No-shows"),
        t("未到率", "No-show rate"),
        t("现场候补入场", "Filled from standby"),
        t("摇号报名", "Lottery entries"),
        t("摇号中签", "Lottery winners"),
        t("摇号后候补", "Waitlisted by the draw"),
    ]


def _numbers(r: dict, locale: str) -> list:
    """One row's (an activity's or a group's) figures, in ``NUMBERED``'s order."""
    cells = []
    for f in NUMBERED:
        if r[f] is None and f in ("no_shows", "no_show_rate", "attendance_rate"):
            # not "unknown": an activity not ended yet; a group none of whose activities has ended,
            # or nobody registered
            cells.append(pick(locale, "未结束", "not ended") if r.get("ended") is False else "—")
        else:
            cells.append(_cell(r[f], locale))
    return cells


def _activity_row(r: dict, locale: str, kind: Callable[[str], str]) -> list:
    """One activity on the first sheet: what it is, its status, its figures."""
    t = lambda zh, en: pick(locale, zh, en)  # noqa: E731
    title = (r["title"].get("en") if locale == "en" else None) or r["title"].get("zh", "")
    return [
        r["activity_id"],
        r["day"],
        r["starts_at"][11:16],
        title,
        kind(r["kind"]),
        pick(locale, r["venue"]["name"], r["venue"].get("name_en") or r["venue"]["name"]),  # issue 26
        pick(locale, r["hall"], r.get("hall_en") or r["hall"]),
        t("已取消", "cancelled")
        if r["status"] == V.CANCELLED
        else (t("已结束", "ended") if r["ended"] else t("未结束", "not ended")),
        *_numbers(r, locale),
    ]
