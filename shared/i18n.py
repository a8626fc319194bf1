"""Request locale and localized validation messages (zh-CN first, English second)."""

from __future__ import annotations

import re
from typing import Any

from flask import has_request_context, request

DEFAULT = "zh-CN"

# marshmallow's English messages -> Chinese. Messages with numbers are matched by prefix.
_ZH = {
    "Missing data for required field.": "必填项",
    "Not a valid string.": "应为文本",
    "Not a valid integer.": "应为整数",
    "Not a valid boolean.": "应为是/否",
    "Not a valid email address.": "邮箱格式不正确",
    "Not a valid datetime.": "时间格式不正确",
    "Not a valid mapping type.": "应为对象",
    "Not a valid list.": "应为列表",
    "Unknown field.": "不认识的字段",
    "Field may not be null.": "不能为空",
    "Invalid input type.": "输入类型不正确",
    "Shorter than minimum length": "太短",
    "Longer than maximum length": "太长",
    "Must be greater than or equal to": "数值太小",
    "Must be less than or equal to": "数值太大",
    "Must be one of": "取值不在允许范围内",
    "String does not match expected pattern.": "格式不正确",
    "Not a valid mobile number.": "请输入11位大陆手机号",
    "Required for this activity's audience.": "本活动需填写工作单位",
    "Party size exceeds this activity's limit.": "人数超过本活动每单上限",
    "Not an aware datetime.": "时间须带时区",
    "Must be between 2000 and 2100.": "年份应在 2000 到 2100 之间",
    "Contains characters that are not allowed.": "含有不允许的字符",
    "Use letters only.": "只能填写文字",
}


def request_locale(body_locale: str | None = None) -> str:
    if body_locale in ("zh-CN", "en"):
        return body_locale
    if has_request_context():
        if request.is_json:
            data = request.get_json(silent=True)
            if isinstance(data, dict) and data.get("locale") in ("zh-CN", "en"):
                return str(data["locale"])
        q = request.args.get("lang")
        if q in ("zh-CN", "en"):
            return q
        best = request.accept_languages.best_match(["zh-CN", "zh", "en"])
        if best == "en":
            return "en"
    return DEFAULT


# "Must be greater than or equal to 1 and less than or equal to 10." names both ends.
_RANGE = re.compile(r"^Must be greater than or equal to (\S+) and less than or equal to (\S+?)\.?$")


def _one(message: str) -> str:
    if message in _ZH:
        return _ZH[message]
    both = _RANGE.match(message)
    if both:
        return f"应在 {both.group(1)} 到 {both.group(2)} 之间"
    for en, zh in _ZH.items():
        if message.startswith(en.rstrip(".")):
            return zh
    return message


def localize(messages: Any, locale: str) -> Any:
    """Translate a marshmallow error tree into ``locale`` (English is returned as is)."""
    if locale == "en":
        return messages
    if isinstance(messages, dict):
        return {k: localize(v, locale) for k, v in messages.items()}
    if isinstance(messages, list):
        return [localize(m, locale) for m in messages]
    if isinstance(messages, str):
        return _one(messages)
    return messages
