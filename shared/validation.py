"""Validation errors in the request's language, from one catalogue keyed by field rule.

A 422 from flask-smorest carries the schema and the marshmallow error.  For each field in error,
:func:`rules` finds *which rule* failed from the schema itself (a key of the field's own
``error_messages``, the schema's ``unknown``, or the validator that refuses the value), never by
reading marshmallow's English sentence; :data:`CATALOGUE` says it in zh-CN or en.

Installed per app with :func:`install` (the check-in and notify services); it answers in the one
error shape (``shared/errors.py``).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from typing import Any

from flask import Flask, Response, request
from marshmallow import Schema, ValidationError, fields, validate

from shared.errors import COMMON_REASONS, error_response
from shared.i18n import request_locale

# rule -> (zh-CN, en); ``{min}`` / ``{max}`` come from the validator.
CATALOGUE: Mapping[str, tuple[str, str]] = {
    "required": ("必填项", "Required."),
    "null": ("不能为空", "May not be empty."),
    "unknown": ("不认识的字段", "Unknown field."),
    "invalid": ("格式不正确", "Not valid."),
    "invalid_string": ("应为文本", "Must be text."),
    "invalid_integer": ("应为整数", "Must be a whole number."),
    "invalid_number": ("应为数字", "Must be a number."),
    "invalid_boolean": ("应为是/否", "Must be true or false."),
    "invalid_datetime": ("时间格式不正确", "Not a valid time."),
    "invalid_awareness": ("时间须带时区", "The time must carry its time zone."),
    "invalid_mapping": ("应为对象", "Must be an object."),
    "invalid_list": ("应为列表", "Must be a list."),
    "invalid_email": ("邮箱格式不正确", "Not a valid email address."),
    "length_between": ("长度应在 {min} 到 {max} 个字符之间", "Must be {min} to {max} characters long."),
    "length_min": ("至少 {min} 个字符", "Must be at least {min} characters long."),
    "length_max": ("最多 {max} 个字符", "Must be at most {max} characters long."),
    "range_between": ("应在 {min} 到 {max} 之间", "Must be between {min} and {max}."),
    "range_min": ("不能小于 {min}", "Must be at least {min}."),
    "range_max": ("不能大于 {max}", "Must be at most {max}."),
    "pattern": ("格式不正确", "Not in the expected format."),
    "one_of": ("取值不在允许范围内", "Not one of the allowed values."),
    "characters": ("含有不允许的字符", "Contains characters that are not allowed."),
}

_TYPES: list[tuple[type[fields.Field[Any]], str]] = [
    (fields.Email, "invalid_email"),
    (fields.String, "invalid_string"),
    (fields.Integer, "invalid_integer"),
    (fields.Number, "invalid_number"),
    (fields.Boolean, "invalid_boolean"),
    (fields.DateTime, "invalid_datetime"),
    (fields.Dict, "invalid_mapping"),
    (fields.List, "invalid_list"),
]


# Plain function validators, by name.
_NAMED = {"no_controls": "characters"}


def say(rule: str, locale: str, **values: object) -> str:
    zh, en = CATALOGUE.get(rule, CATALOGUE["invalid"])
    return (en if locale == "en" else zh).format(**values)


def _validator_rule(v: Callable[[Any], Any]) -> tuple[str, dict[str, object]]:
    if isinstance(v, validate.Length):
        if v.min is not None and v.max is not None:
            return "length_between", {"min": v.min, "max": v.max}
        return ("length_min", {"min": v.min}) if v.min is not None else ("length_max", {"max": v.max})
    if isinstance(v, validate.Range):
        if v.min is not None and v.max is not None:
            return "range_between", {"min": v.min, "max": v.max}
        return ("range_min", {"min": v.min}) if v.min is not None else ("range_max", {"max": v.max})
    if isinstance(v, validate.Regexp):
        return "pattern", {}
    if isinstance(v, validate.OneOf):
        return "one_of", {}
    return _NAMED.get(getattr(v, "__name__", ""), "invalid"), {}


def _own_key(field: fields.Field[Any], message: str) -> str | None:
    """The key of the field's own ``error_messages`` whose template produced ``message``."""
    # The most literal template first: "Not a valid {awareness} {obj_type}." before "Not a valid {obj_type}."
    own = sorted(field.error_messages.items(), key=lambda kv: -len(re.sub(r"\{\w+\}", "", str(kv[1]))))
    for key, template in own:
        if isinstance(template, str):
            pattern = re.sub(r"\\\{\w+\\\}", ".*", re.escape(template))
            if re.fullmatch(pattern, message):
                return str(key)
    return None


def field_rule(field: fields.Field[Any], value: object, messages: list[str]) -> tuple[str, dict[str, object]]:
    """Which rule of ``field`` refused ``value``, found from the field's own definitions."""
    for msg in messages:
        key = _own_key(field, msg)
        if key in ("required", "null"):
            return key, {}
        if key == "invalid_awareness":
            return key, {}
        if key in ("invalid", "invalid_utf8", "format"):
            return next((rule for cls, rule in _TYPES if isinstance(field, cls)), "invalid"), {}
    for v in field.validators:
        try:
            v(value)
        except ValidationError:
            return _validator_rule(v)
        except Exception:  # a validator that cannot judge this value: not the one that refused it
            continue
    return "invalid", {}


def rules(
    schema: Schema, data: Mapping[str, Any], errors: Mapping[str, Any]
) -> dict[str, tuple[str, dict[str, object]]]:
    """Field (as the client named it) -> (rule, values) for every field in ``errors``."""
    by_key = {(f.data_key or name): f for name, f in schema.fields.items()}
    out: dict[str, tuple[str, dict[str, object]]] = {}
    for key, messages in errors.items():
        msgs = messages if isinstance(messages, list) else [str(messages)]
        field = by_key.get(key)
        if field is None:
            out[key] = ("unknown", {})
        else:
            out[key] = field_rule(field, data.get(key), [m for m in msgs if isinstance(m, str)])
    return out


def _input(location: str) -> Mapping[str, Any]:
    if location == "query":
        return request.args
    data = request.get_json(silent=True)
    return data if isinstance(data, dict) else {}


def answer(exc: Any) -> Response:
    """A 422 in the request's language; anything else falls back to the shared handler's shape."""
    data = getattr(exc, "data", None) or {}
    schema, messages, locale = data.get("schema"), data.get("messages") or {}, request_locale()
    errors: dict[str, list[str]] = {}
    if isinstance(schema, Schema) and isinstance(messages, dict):
        for location, fields_in_error in messages.items():
            if not isinstance(fields_in_error, dict):
                continue
            for key, (rule, values) in rules(schema, _input(location), fields_in_error).items():
                errors[key] = [say(rule, locale, **values)]
    message = COMMON_REASONS["validation_failed"][1] if locale == "en" else "部分字段填写有误。"
    resp: Response = error_response("validation_failed", message, 422, errors)
    return resp


def install(app: Flask) -> None:
    """Answer this app's 422s from the catalogue (Flask prefers a code's handler to a class's)."""
    app.register_error_handler(422, answer)
