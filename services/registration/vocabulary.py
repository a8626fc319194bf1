"""The registration service's words: statuses, reason codes and field rules.

Every status a registration or an activity can be in, and every reason the service refuses
with, is declared here once, with its zh-CN and English message and its HTTP status. The use
cases raise :class:`Refusal` (a reason code and details, no HTTP status); the HTTP edge
(``services/registration/edge.py``) is the only reader of ``http_status``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Final

# -- statuses --------------------------------------------------------------------------------
# A registration (one party's booking).
CONFIRMED: Final = "confirmed"
WAITLISTED: Final = "waitlisted"
CANCELLED: Final = "cancelled"
REGISTRATION_STATUSES: Final = (CONFIRMED, WAITLISTED, CANCELLED)
STATUS_ZH: Final[Mapping[str, str]] = {CONFIRMED: "已确认", WAITLISTED: "候补", CANCELLED: "已取消"}
# An activity.
SCHEDULED: Final = "scheduled"
ACTIVITY_CANCELLED: Final = "cancelled"
ACTIVITY_STATUSES: Final = (SCHEDULED, ACTIVITY_CANCELLED)

# Outcomes of the seat scripts besides a registration status.
REPLAY: Final = "replay"  # the same Idempotency-Key or id was seen: the first outcome stands
REFUSED: Final = "refused"
ALREADY: Final = "already"  # cancelling a cancelled registration
OK: Final = "ok"

# How a party may be written into the seat state ("create" refuses an existing activity).
CREATE: Final = "create"
UPDATE: Final = "update"

# -- reason codes ----------------------------------------------------------------------------
UNKNOWN_ACTIVITY: Final = "unknown_activity"
ACTIVITY_CANCELLED_REASON: Final = "activity_cancelled"
REGISTRATION_NOT_OPEN: Final = "registration_not_open"
REGISTRATION_CLOSED: Final = "registration_closed"
PARTY_TOO_LARGE: Final = "party_too_large"
ALREADY_REGISTERED: Final = "already_registered"
SOLD_OUT: Final = "sold_out"
ACTIVITY_EXISTS: Final = "activity_exists"
REVISION_CONFLICT: Final = "revision_conflict"
CAPACITY_BELOW_TAKEN: Final = "capacity_below_taken"
UNKNOWN_REGISTRATION: Final = "unknown_registration"
NO_TICKET: Final = "no_ticket"
VALIDATION_FAILED: Final = "validation_failed"
UNAUTHORIZED: Final = "unauthorized"
INVALID_SPREADSHEET: Final = "invalid_spreadsheet"
IMPORT_HAS_ERRORS: Final = "import_has_errors"
SPREADSHEET_TOO_LARGE: Final = "spreadsheet_too_large"
IMPORT_UNCONFIRMED: Final = "import_unconfirmed"
NOTIFY_UNAVAILABLE: Final = "notify_unavailable"
# Issue 15: the lottery and the no-show record.
LOTTERY_NOT_OPEN: Final = "lottery_not_open"
LOTTERY_CLOSED: Final = "lottery_closed"
ALREADY_ENTERED: Final = "already_entered"
DRAW_NOT_DUE: Final = "draw_not_due"
DRAW_IN_PROGRESS: Final = "draw_in_progress"
NOT_A_WINNER: Final = "not_a_winner"
CONFIRM_EXPIRED: Final = "confirm_expired"
UNKNOWN_ENTRY: Final = "unknown_entry"
NOSHOW_LOCKED: Final = "noshow_locked"
UNKNOWN_MARK: Final = "unknown_mark"
NOTE_REQUIRED: Final = "note_required"


@dataclass(frozen=True)
class Reason:
    code: str
    http_status: int
    zh: str
    en: str

    def message(self, locale: str) -> str:
        return self.en if locale == "en" else self.zh


REASONS: Final[Mapping[str, Reason]] = {
    r.code: r
    for r in (
        Reason(UNKNOWN_ACTIVITY, 404, "没有这个活动", "No such activity."),
        Reason(ACTIVITY_CANCELLED_REASON, 409, "活动已取消", "The activity was cancelled."),
        Reason(REGISTRATION_NOT_OPEN, 409, "报名尚未开始", "Registration has not opened yet."),
        Reason(REGISTRATION_CLOSED, 409, "报名已截止", "Registration has closed."),
        Reason(PARTY_TOO_LARGE, 422, "人数超过上限", "Party size exceeds this activity's limit."),
        Reason(
            ALREADY_REGISTERED,
            409,
            "该手机号已报名本活动",
            "This phone already has a registration for this activity.",
        ),
        Reason(SOLD_OUT, 409, "名额已满", "No seats left and the waitlist is full or off."),
        Reason(ACTIVITY_EXISTS, 409, "活动编号已存在", "An activity with this id exists."),
        Reason(
            REVISION_CONFLICT,
            409,
            "活动已被他人修改，请刷新",
            "The activity changed meanwhile; reload and retry.",
        ),
        Reason(
            CAPACITY_BELOW_TAKEN,
            409,
            "容量不能低于已报名人数",
            "Capacity cannot go below the seats already taken.",
        ),
        Reason(UNKNOWN_REGISTRATION, 404, "没有这个报名", "No such registration."),
        Reason(NO_TICKET, 409, "没有有效门票", "There is no valid ticket (waitlisted or cancelled)."),
        Reason(VALIDATION_FAILED, 422, "部分字段填写有误。", "Some fields are not valid."),
        Reason(UNAUTHORIZED, 401, "需要管理链接中的令牌", "The manage token is required."),
        Reason(INVALID_SPREADSHEET, 422, "无法读取该表格文件", "The spreadsheet cannot be read."),
        Reason(
            IMPORT_HAS_ERRORS,
            422,
            "表格有错误，未导入任何活动",
            "Some rows have errors; nothing was imported.",
        ),
        Reason(
            SPREADSHEET_TOO_LARGE, 413, "表格超出导入上限", "The spreadsheet is over the import's bounds."
        ),
        Reason(
            IMPORT_UNCONFIRMED,
            422,
            "请先核对并确认预览中的默认值",
            "Check and confirm the assumed values in the preview first.",
        ),
        Reason(
            NOTIFY_UNAVAILABLE,
            503,
            "通知服务暂不可用，请稍后再试",
            "The notify service is unavailable; try again later.",
        ),
        # Issue 15: the lottery and the no-show record.
        Reason(LOTTERY_NOT_OPEN, 409, "摇号报名尚未开始", "Entries for this lottery have not opened yet."),
        Reason(LOTTERY_CLOSED, 409, "摇号报名已截止", "Entries for this lottery have closed."),
        Reason(ALREADY_ENTERED, 409, "该手机号或证件已参加本次摇号", "This phone or ID has already entered."),
        Reason(DRAW_NOT_DUE, 409, "尚未到摇号时间", "The draw is not due yet."),
        Reason(DRAW_IN_PROGRESS, 409, "正在摇号，请稍候", "The draw is running; try again shortly."),
        Reason(NOT_A_WINNER, 409, "该报名未中签", "This entry did not win a seat."),
        Reason(CONFIRM_EXPIRED, 409, "确认时限已过，名额已转给候补", "The time to confirm has passed."),
        Reason(UNKNOWN_ENTRY, 404, "没有这个摇号报名", "No such lottery entry."),
        Reason(
            NOSHOW_LOCKED,
            409,
            "因多次爽约，报名功能暂停，请查看解除日期",
            "Registration is locked after repeated no-shows; see the date it ends.",
        ),
        Reason(UNKNOWN_MARK, 404, "没有这条爽约记录", "No such no-show mark."),
        Reason(NOTE_REQUIRED, 422, "请填写原谅的理由", "A note is required to forgive a mark."),
    )
}

# -- field rules (validation messages keyed by rule, not by marshmallow's wording) ------------
ORGANIZATION_REQUIRED: Final = "organization_required"
PARTY_OVER_LIMIT: Final = "party_over_limit"

FIELD_RULES: Final[Mapping[str, tuple[str, str]]] = {
    ORGANIZATION_REQUIRED: ("本活动需填写工作单位", "Required for this activity's audience."),
    PARTY_OVER_LIMIT: ("人数超过本活动每单上限", "Party size exceeds this activity's limit."),
}


class Refusal(Exception):
    """A domain refusal: a stable reason code and details, never an HTTP status."""

    def __init__(self, reason: str, details: Mapping[str, object] | None = None) -> None:
        if reason not in REASONS:
            raise ValueError(f"undeclared reason code {reason!r}")
        super().__init__(reason)
        self.reason = reason
        self.details: dict[str, object] = dict(details or {})

    def message(self, locale: str) -> str:
        return REASONS[self.reason].message(locale)


def rule_message(rule: str, locale: str) -> str:
    zh, en = FIELD_RULES[rule]
    return en if locale == "en" else zh
