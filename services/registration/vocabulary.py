"""The registration service's words: statuses, reason codes and field rules.

Every status a registration or an activity can be in, and every reason the service refuses
with, is declared here once, with its zh-CN and English message and its HTTP status. The use
cases raise :class:`shared.refusal.Refusal` (a reason code and details, no HTTP status); the HTTP
edge (``services/registration/web/edge.py``) is the only reader of ``Reason.http``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Final

from shared.refusal import Refusal as Refusal  # every module raises v.Refusal
from shared.words import Reason, reasons

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
STANDBY_UNAVAILABLE: Final = "standby_unavailable"  # the check-in service did not answer the join
# Fair access (issue 14, docs/fair-access.md): verified phones, real-name members, bound keys.
PHONE_INVALID: Final = "phone_invalid"
PHONE_NOT_VERIFIED: Final = "phone_not_verified"
CODE_INVALID: Final = "code_invalid"
CODE_EXPIRED: Final = "code_expired"
TOO_MANY_ATTEMPTS: Final = "too_many_attempts"
CODE_COOLDOWN: Final = "code_cooldown"
DAILY_CAP_REACHED: Final = "daily_cap_reached"
SMS_UNAVAILABLE: Final = "sms_unavailable"
ID_INVALID: Final = "id_invalid"
ID_DUPLICATE: Final = "id_duplicate"
ID_LIMIT_REACHED: Final = "id_limit_reached"
IDEMPOTENCY_KEY_REUSED: Final = "idempotency_key_reused"
# Issue 23: real-name verification (realname.py): a member the authority did not confirm, and
# the authority not answering (never a silent pass).
ID_UNVERIFIED: Final = "id_unverified"
REALNAME_UNAVAILABLE: Final = "realname_unavailable"
# The real-name authority's answers (the provider's 一致 / 不一致 / 无此号; realname_http.py).
REALNAME_MATCH: Final = "match"
REALNAME_MISMATCH: Final = "mismatch"
REALNAME_NOT_FOUND: Final = "not_found"
REALNAME_RESULTS: Final = (REALNAME_MATCH, REALNAME_MISMATCH, REALNAME_NOT_FOUND)
# Issue 17: a party drops one member and keeps the rest.
REGISTRATION_CANCELLED: Final = "registration_cancelled"
PARTY_OF_ONE: Final = "party_of_one"
UNKNOWN_MEMBER: Final = "unknown_member"
# Issue 15 §1, the lottery wired end to end: how an activity's seats are allocated.
LOTTERY_ALLOCATION: Final = "lottery_allocation"  # a lottery activity is entered, never booked
# fcfs <-> lottery only while nothing was decided the other way (no registration / no lottery)
ALLOCATION_LOCKED: Final = "allocation_locked"
FCFS: Final = "fcfs"
LOTTERY: Final = "lottery"
ALLOCATIONS: Final = (FCFS, LOTTERY)
# Issue 23: an API call on the session cookie from another site; the SMS code path's caps beyond the
# phone and the address (a network prefix, the whole festival's hourly SMS spend).
CROSS_SITE_REQUEST: Final = "cross_site_request"
NETWORK_CAP_REACHED: Final = "network_cap_reached"
CODES_BUSY: Final = "codes_busy"

# What the list and the form show of a first-come activity (pages.state_of); a cancelled one shows
# ACTIVITY_CANCELLED, and the list's past activities ``ended``.
FORM_OPEN: Final = "open"
FORM_FULL_WAITLIST: Final = "full_waitlist"
FORM_FULL: Final = "full"
FORM_NOT_OPEN: Final = "not_open"
FORM_CLOSED: Final = "closed"
FORM_ENDED: Final = "ended"
FORM_STATES: Final = (FORM_OPEN, FORM_FULL_WAITLIST, FORM_FULL, FORM_NOT_OPEN, FORM_CLOSED, FORM_ENDED)

# -- the lottery's words (issue 15 §1; services/registration/lottery*.py and lottery_*.lua) ------
# A lottery's state (its meta hash's ``state``), and what the pages show of it: ``unopened`` while
# a lottery activity has no lottery yet; ``not_open`` / ``open`` / ``closed`` by the clock.
LOT_UNOPENED: Final = "unopened"
LOT_NOT_OPEN: Final = "not_open"
LOT_OPEN: Final = "open"
LOT_CLOSED: Final = "closed"
LOT_DRAWING: Final = "drawing"  # a lease is held: entries are frozen
LOT_DRAWN: Final = "drawn"
LOTTERY_STATES: Final = (LOT_UNOPENED, LOT_NOT_OPEN, LOT_OPEN, LOT_CLOSED, LOT_DRAWING, LOT_DRAWN)
# The activity list's badge of a lottery activity: its lottery's state, prefixed (pages.py).
LISTED_LOT_UNOPENED: Final = "lot_unopened"
LISTED_LOT_NOT_OPEN: Final = "lot_not_open"
LISTED_LOT_OPEN: Final = "lot_open"
LISTED_LOT_CLOSED: Final = "lot_closed"
LISTED_LOT_DRAWN: Final = "lot_drawn"
LISTED_LOTTERY: Final[Mapping[str, str]] = {
    LOT_UNOPENED: LISTED_LOT_UNOPENED,
    LOT_NOT_OPEN: LISTED_LOT_NOT_OPEN,
    LOT_OPEN: LISTED_LOT_OPEN,
    LOT_CLOSED: LISTED_LOT_CLOSED,
    LOT_DRAWN: LISTED_LOT_DRAWN,
}
# An entrant's outcome of the draw: a seat (``won``) or a place in the draw's waitlist.
WON: Final = "won"
LOTTERY_OUTCOMES: Final = (WON, WAITLISTED)
# Outcomes of the draw's scripts besides OK: the lease is another instance's (``busy``), the draw
# is not due, or the lease expired before the draw was stored (another instance stores it).
BUSY: Final = "busy"
TOO_EARLY: Final = "too_early"
LOST_LEASE: Final = "lost_lease"
DRAW_STEPS: Final = (BUSY, TOO_EARLY, LOST_LEASE, LOT_DRAWN)

# A standby number's status, as check-in answers it (services/checkin/vocabulary.py owns these
# words; tests/unit/test_vocabulary_registration.py keeps the two the same).
STANDBY_WAITING: Final = "waiting"
STANDBY_CALLED: Final = "called"
STANDBY_ADMITTED: Final = "admitted"
STANDBY_STATUSES: Final = (STANDBY_WAITING, STANDBY_CALLED, STANDBY_ADMITTED)


REASONS: Final[Mapping[str, Reason]] = reasons(
    *(
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
            LOTTERY_ALLOCATION,
            409,
            "本活动名额由摇号分配，请参加摇号",
            "Seats for this activity are drawn by lot: enter the lottery instead.",
        ),
        Reason(
            NOSHOW_LOCKED,
            409,
            "因多次爽约，报名功能暂停，请查看解除日期",
            "Registration is locked after repeated no-shows; see the date it ends.",
        ),
        Reason(UNKNOWN_MARK, 404, "没有这条爽约记录", "No such no-show mark."),
        Reason(NOTE_REQUIRED, 422, "请填写原谅的理由", "A note is required to forgive a mark."),
        Reason(PHONE_INVALID, 422, "请输入11位大陆手机号", "Enter an 11-digit mainland mobile number."),
        Reason(
            PHONE_NOT_VERIFIED, 401, "请先用短信验证码验证手机号", "Verify your phone with an SMS code first."
        ),
        Reason(CODE_INVALID, 422, "验证码不正确", "The code is not correct."),
        Reason(
            CODE_EXPIRED,
            422,
            "验证码已过期或未发送，请重新获取",
            "The code has expired or was never sent; ask for a new one.",
        ),
        Reason(
            TOO_MANY_ATTEMPTS,
            429,
            "验证码错误次数过多，请重新获取",
            "Too many wrong codes; ask for a new one.",
        ),
        Reason(
            CODE_COOLDOWN, 429, "验证码已发送，请稍后再试", "A code was just sent; wait before asking again."
        ),
        Reason(
            DAILY_CAP_REACHED,
            429,
            "今日获取验证码次数已达上限",
            "No more codes today for this phone or network.",
        ),
        Reason(
            STANDBY_UNAVAILABLE,
            503,
            "现场候补暂时无法登记，请稍后再试",
            "Standby cannot take your number right now; try again soon.",
        ),
        Reason(
            SMS_UNAVAILABLE,
            503,
            "短信暂时无法发送，请稍后再试",
            "SMS cannot be sent right now; try again soon.",
        ),
        Reason(ID_INVALID, 422, "证件号码不正确", "The ID number is not valid."),
        Reason(
            ID_DUPLICATE,
            409,
            "同一证件在本活动只能报名一次",
            "This ID is already registered for this activity.",
        ),
        Reason(
            ID_LIMIT_REACHED,
            409,
            "该证件的报名次数已达上限",
            "This ID has reached its limit of registrations.",
        ),
        Reason(
            ID_UNVERIFIED,
            422,
            "实名核验未通过：姓名与证件号码不一致或查无此证",
            "Real-name check failed: the name and ID number were not confirmed.",
        ),
        Reason(
            REALNAME_UNAVAILABLE,
            503,
            "实名核验服务暂时无法使用，请稍后再试",
            "The real-name check is unavailable right now; try again soon.",
        ),
        Reason(
            IDEMPOTENCY_KEY_REUSED,
            422,
            "该 Idempotency-Key 已用于另一个请求",
            "This Idempotency-Key was used for a different request.",
        ),
        # Issue 17: a party drops one member and keeps the rest.
        Reason(REGISTRATION_CANCELLED, 409, "该报名已取消", "This registration is cancelled."),
        Reason(
            ALLOCATION_LOCKED,
            409,
            "已有人报名或已开放摇号，不能再更改名额分配方式",
            "The allocation cannot change: people have registered, or the lottery is open.",
        ),
        Reason(
            PARTY_OF_ONE,
            409,
            "只剩一人，无法减员；如不能参加请取消报名",
            "Only one person is left: cancel the registration instead.",
        ),
        Reason(
            UNKNOWN_MEMBER,
            422,
            "没有这位参加者，或报名人本人不能被移除",
            "No such member (the registrant cannot be removed).",
        ),
        Reason(
            CROSS_SITE_REQUEST,
            403,
            "请求并非来自本站页面，已拒绝",
            "This request did not come from this site's pages; it was refused.",
        ),
        Reason(
            NETWORK_CAP_REACHED,
            429,
            "您所在网络获取验证码过于频繁，请稍后再试",
            "Too many codes were asked from your network; try again later.",
        ),
        Reason(
            CODES_BUSY,
            429,
            "验证码发送繁忙，请几分钟后再试",
            "Too many codes are being sent right now; try again in a few minutes.",
        ),
    )
)

# -- field rules (validation messages keyed by rule, not by marshmallow's wording) ------------
ORGANIZATION_REQUIRED: Final = "organization_required"
PARTY_OVER_LIMIT: Final = "party_over_limit"

# Fair access: why a phone, a code or a member was refused (shared/phone.py, identity.py).
PHONE_EMPTY: Final = "phone_empty"
PHONE_TOO_LONG: Final = "phone_too_long"
PHONE_CONTROL_CHARACTER: Final = "phone_control_character"
PHONE_NOT_ASCII_DIGITS: Final = "phone_not_ascii_digits"
PHONE_NOT_MAINLAND_MOBILE: Final = "phone_not_mainland_mobile"
NOT_THE_VERIFIED_PHONE: Final = "not_the_verified_phone"
CODE_SIX_DIGITS: Final = "code_six_digits"
ID_UNKNOWN_TYPE: Final = "id_unknown_type"
ID_EMPTY: Final = "id_empty"
ID_CHARACTERS: Final = "id_characters"
ID_FORMAT: Final = "id_format"
ID_CHECK_DIGIT: Final = "id_check_digit"
ID_BIRTH_DATE: Final = "id_birth_date"
CHILD_TOO_OLD: Final = "child_too_old"
GUARDIAN_MISSING: Final = "guardian_missing"
ID_TWICE_IN_PARTY: Final = "id_twice_in_party"
MEMBERS_COUNT: Final = "members_count"
CONSENT_REQUIRED: Final = "consent_required"  # the form's notice and consent (docs/privacy.md)
NOT_BY_LOTTERY: Final = "not_by_lottery"  # issue 15: a lottery is opened only where seats are drawn
NATIONALITY_INVALID: Final = "nationality_invalid"  # issue 23: a passport's issuing country
ID_NOT_CONFIRMED: Final = "id_not_confirmed"  # issue 23: the real-name check did not confirm

FIELD_RULES: Final[Mapping[str, tuple[str, str]]] = {
    ORGANIZATION_REQUIRED: ("本活动需填写工作单位", "Required for this activity's audience."),
    PARTY_OVER_LIMIT: ("人数超过本活动每单上限", "Party size exceeds this activity's limit."),
    PHONE_EMPTY: ("必填项", "Required."),
    PHONE_TOO_LONG: ("太长", "Too long."),
    PHONE_CONTROL_CHARACTER: ("含有不允许的字符（换行、制表符等）", "Contains control characters."),
    PHONE_NOT_ASCII_DIGITS: ("请用半角数字 0-9 填写", "Use the digits 0-9 (ASCII)."),
    PHONE_NOT_MAINLAND_MOBILE: ("请输入11位大陆手机号", "Not a mainland mobile number."),
    NOT_THE_VERIFIED_PHONE: ("须与已验证的手机号一致", "Must be the verified phone."),
    CODE_SIX_DIGITS: ("请输入6位数字验证码", "Enter the 6-digit code."),
    ID_UNKNOWN_TYPE: ("不支持的证件类型", "Unknown ID type."),
    ID_EMPTY: ("请填写证件号码", "Give the ID number."),
    ID_CHARACTERS: ("只能填写字母和数字", "Letters and digits only."),
    ID_FORMAT: ("证件号码格式不正确", "The number does not have this document's format."),
    ID_CHECK_DIGIT: ("校验位不正确，请核对号码", "The check digit does not match; check the number."),
    ID_BIRTH_DATE: ("出生日期不正确", "The birth date is not valid."),
    CHILD_TOO_OLD: ("超过免证件年龄，请填写证件", "Too old to come without an ID; give one."),
    GUARDIAN_MISSING: ("至少一位成人须填写证件", "At least one adult must give an ID."),
    ID_TWICE_IN_PARTY: ("同一证件不能重复填写", "The same ID appears twice."),
    MEMBERS_COUNT: ("请为每位参加者填写实名信息", "Give one member per person of the party."),
    NOT_BY_LOTTERY: (
        "本活动名额先到先得；请先把名额分配改为摇号",
        "Seats here are first come, first served; set allocation to lottery first.",
    ),
    CONSENT_REQUIRED: (
        "请阅读并勾选同意个人信息处理说明",
        "Read and tick your consent to how your data is handled.",
    ),
    NATIONALITY_INVALID: (
        "请填写护照签发国家/地区的三位字母代码（如 CHN）",
        "Give the passport's issuing country as its 3-letter code (e.g. CHN).",
    ),
    ID_NOT_CONFIRMED: (
        "姓名与证件号码未通过实名核验，请核对",
        "The real-name check did not confirm this name and number; check them.",
    ),
}


def rule_message(rule: str, locale: str) -> str:
    zh, en = FIELD_RULES[rule]
    return en if locale == "en" else zh


# Issue 23 (finding 4): a drawn party not made a registration because a member's ID reached a per-ID
# cap (day or festival) after it entered; lottery_register.lua skips it and the next drawn gets
# the seats.  An outcome of the script, and what the draw's settlement counts.
SKIPPED: Final = "skipped"
