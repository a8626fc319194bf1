"""Reason codes of fair access (verified phones, real-name members, limits, idempotency).

Each reason: (HTTP status at the edge, zh-CN message, en message). The use-case code raises
:class:`Refusal` with a reason and never an HTTP status; the views turn it into the one error shape
with :func:`api_error`. (To be folded into services/registration/vocabulary.py.)
"""

from __future__ import annotations

from shared.errors import ApiError

REASONS: dict[str, tuple[int, str, str]] = {
    "phone_invalid": (422, "请输入11位大陆手机号", "Enter an 11-digit mainland mobile number."),
    "phone_not_verified": (
        401,
        "请先用短信验证码验证手机号",
        "Verify your phone with an SMS code first.",
    ),
    "code_invalid": (422, "验证码不正确", "The code is not correct."),
    "code_expired": (
        422,
        "验证码已过期或未发送，请重新获取",
        "The code has expired or was never sent; ask for a new one.",
    ),
    "too_many_attempts": (
        429,
        "验证码错误次数过多，请重新获取",
        "Too many wrong codes; ask for a new one.",
    ),
    "code_cooldown": (429, "验证码已发送，请稍后再试", "A code was just sent; wait before asking again."),
    "daily_cap_reached": (
        429,
        "今日获取验证码次数已达上限",
        "No more codes today for this phone or network.",
    ),
    "sms_unavailable": (503, "短信暂时无法发送，请稍后再试", "SMS cannot be sent right now; try again soon."),
    "id_invalid": (422, "证件号码不正确", "The ID number is not valid."),
    "id_duplicate": (
        409,
        "同一证件在本活动只能报名一次",
        "This ID is already registered for this activity.",
    ),
    "id_limit_reached": (
        409,
        "该证件的报名次数已达上限",
        "This ID has reached its limit of registrations.",
    ),
    "idempotency_key_reused": (
        422,
        "该 Idempotency-Key 已用于另一个请求",
        "This Idempotency-Key was used for a different request.",
    ),
}

# Why a field was refused, for the errors map (zh-CN, en).
WHY = {
    "empty": ("必填项", "Required."),
    "too_long": ("太长", "Too long."),
    "control_character": ("含有不允许的字符（换行、制表符等）", "Contains control characters."),
    "not_ascii_digits": ("请用半角数字 0-9 填写", "Use the digits 0-9 (ASCII)."),
    "not_mainland_mobile": ("请输入11位大陆手机号", "Not a mainland mobile number."),
    "unknown_type": ("不支持的证件类型", "Unknown ID type."),
    "characters": ("只能填写字母和数字", "Letters and digits only."),
    "format": ("证件号码格式不正确", "The number does not have this document's format."),
    "check_digit": ("校验位不正确，请核对号码", "The check digit does not match; check the number."),
    "birth_date": ("出生日期不正确", "The birth date is not valid."),
    "child_too_old": (
        "超过免证件年龄，请填写证件",
        "Too old to come without an ID; give one.",
    ),
    "guardian_missing": ("至少一位成人须填写证件", "At least one adult must give an ID."),
    "duplicate_in_party": ("同一证件不能重复填写", "The same ID appears twice."),
    "members_count": ("请为每位参加者填写实名信息", "Give one member per person of the party."),
    "not_the_verified_phone": ("须与已验证的手机号一致", "Must be the verified phone."),
    "six_digits": ("请输入6位数字验证码", "Enter the 6-digit code."),
}


class Refusal(Exception):
    """A domain refusal: a stable reason code and details (field errors, retry time…)."""

    def __init__(self, reason: str, **details):
        super().__init__(reason)
        self.reason, self.details = reason, details


def why(code: str, locale: str) -> str:
    zh, en = WHY.get(code, (code, code))
    return en if locale == "en" else zh


def api_error(refusal: Refusal, locale: str) -> ApiError:
    status, zh, en = REASONS[refusal.reason]
    details = dict(refusal.details)
    headers = {}
    retry_ms = details.pop("retry_ms", None)
    if retry_ms is not None:
        headers["Retry-After"] = str(max(1, -(-int(retry_ms) // 1000)))
    errors = {
        field: [why(m, locale) if m in WHY else m for m in msgs] if isinstance(msgs, list) else msgs
        for field, msgs in details.pop("errors", {}).items()
    }
    return ApiError(
        refusal.reason,
        en if locale == "en" else zh,
        status_code=status,
        errors=errors,
        headers=headers,
        extra={"detail": details} if details else None,
    )
