"""Request locale and localized validation messages (zh-CN first, English second).

Validation messages come from one catalogue keyed by field rule (:data:`RULES`). Schemas name
the rule instead of writing a sentence: ``validate.Length(min=1, max=50, error=LENGTH_BETWEEN)``
formats to ``"length_between|min=1|max=50"``, and :func:`localize` renders that in the request's
language. Messages that are not rule keys (older schemas of other services) fall back to the
table of marshmallow's English wording below, for zh-CN only.
"""

from __future__ import annotations

import re
from typing import Any

from flask import has_request_context, request
from marshmallow import Schema, ValidationError
from werkzeug.exceptions import HTTPException
from werkzeug.wrappers import Response

from shared.msgid import N_, text
from shared.words import DEFAULT_LOCALE, ENGLISH, LOCALES

DEFAULT = DEFAULT_LOCALE
LANG_COOKIE_MAX_AGE_S = 365 * 86400  # a page's ?lang= is remembered for a year
SEP = "|"

# Field rules: key -> English text, with {placeholders} filled from the message's parameters; the
# other languages' texts are in shared/translations/ (docs/i18n.md).
RULES: dict[str, str] = {
    "required": N_("Required."),
    "null": N_("May not be empty."),
    "unknown": N_("Unknown field."),
    "invalid": N_("Not valid."),
    "invalid_input": N_("Invalid input type."),
    "invalid_string": N_("Must be text."),
    "invalid_integer": N_("Must be a whole number."),
    "invalid_boolean": N_("Must be true or false."),
    "invalid_datetime": N_("Not a valid time."),
    "invalid_mapping": N_("Must be an object."),
    "invalid_list": N_("Must be a list."),
    "invalid_email": N_("Not a valid email address."),
    "length_between": N_("Must be {min} to {max} characters long."),
    "length_max": N_("Must be at most {max} characters long."),
    "range_between": N_("Must be between {min} and {max}."),
    "one_of": N_("Not one of the allowed values."),
    "characters": N_("Contains characters that are not allowed."),
    # registration's own
    "mobile": N_("Not a valid mobile number."),
    "letters_only": N_("Use letters only."),
    # issue 17: the order of an activity's times, said in words (not field names)
    "after_start": N_("Must be after the start."),
    "after_registration_opens": N_("Must be after registration opens."),
    "not_after_start": N_("Must not be after the activity starts."),
    # issue 23: text that becomes a header (an email's subject) is one line
    "line_break": N_("Must be one line: no line breaks."),
    # issue 26: a lottery's times on the organizers' form, in words
    "after_entries_open": N_("Must be after entries open."),
    "not_before_entries_close": N_("Must not be before entries close."),
    # issue 29: seats kept for channels (quota) are counted in the capacity
    "quota_above_capacity": N_("The seats kept for channels must not be more than the capacity."),
    "seats_or_share": N_("Give the seats or the share, not both."),
    # issue 29 item 6: a party's wheelchair places and companion seats are people of the party
    "accessible_over_party": N_("Wheelchair places and companion seats cannot be more than the people."),
}
# The one table of every service (check-in and notify name their rules through Keyed and as_rule).
# What a schema passes as ``error=`` (marshmallow fills the {placeholders} it knows).
LENGTH_BETWEEN = "length_between|min={min}|max={max}"
LENGTH_MAX = "length_max|max={max}"
RANGE_BETWEEN = "range_between|min={min}|max={max}"
ONE_OF = "one_of"
# The rule of each of marshmallow's own field errors, by error name and by field class name.
FIELD_ERRORS = {"required": "required", "null": "null", "validator_failed": "invalid"}
TYPE_ERRORS = {
    "Email": "invalid_email",
    "String": "invalid_string",
    "Integer": "invalid_integer",
    "Boolean": "invalid_boolean",
    "DateTime": "invalid_datetime",
    "Nested": "invalid_mapping",
    "Dict": "invalid_mapping",
    "List": "invalid_list",
}
SCHEMA_ERRORS = {"unknown": "unknown", "type": "invalid_input"}


def rule(key: str, **params: object) -> str:
    """A message naming a rule: ``rule("letters_only")``; rendered later by :func:`localize`."""
    if key not in RULES:
        raise KeyError(f"undeclared field rule {key!r}")
    return SEP.join([key, *(f"{k}={v}" for k, v in params.items())])


def keyed(field: Any) -> None:
    """Make a marshmallow field report its own errors as rule keys."""
    for cls in type(field).__mro__:
        if cls.__name__ in TYPE_ERRORS:
            field.error_messages["invalid"] = TYPE_ERRORS[cls.__name__]
            break
    field.error_messages.update(FIELD_ERRORS)
    if "invalid_awareness" in field.error_messages:  # AwareDateTime given a naive time
        field.error_messages["invalid_awareness"] = field.error_messages["invalid"]


class Keyed(Schema):
    """A schema whose every error is a field-rule key, rendered per language by :func:`localize`."""

    error_messages = SCHEMA_ERRORS

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            keyed(field)


def as_rule(check: Any, key: str) -> Any:
    """A validator that reports ``check``'s refusal as the field rule ``key``."""

    def validate(value: Any) -> None:
        try:
            check(value)
        except ValidationError:
            raise ValidationError(rule(key)) from None

    validate.__name__ = getattr(check, "__name__", key)
    return validate


def render(message: str, locale: str) -> str | None:
    """The text of a rule-key message in ``locale``, or None when it names no rule."""
    key, *pairs = message.split(SEP)
    if key not in RULES:
        return None
    params = dict(p.split("=", 1) for p in pairs if "=" in p)
    said = text(RULES[key], locale)
    try:
        return said.format(**params)
    except (KeyError, IndexError):
        return said


# marshmallow's English messages, translated like the rules. Messages with numbers are matched by prefix.
MARSHMALLOW = (
    N_("Missing data for required field."),
    N_("Not a valid string."),
    N_("Not a valid integer."),
    N_("Not a valid boolean."),
    N_("Not a valid email address."),
    N_("Not a valid datetime."),
    N_("Not a valid mapping type."),
    N_("Not a valid list."),
    N_("Unknown field."),
    N_("Field may not be null."),
    N_("Invalid input type."),
    N_("Shorter than minimum length"),
    N_("Longer than maximum length"),
    N_("Must be greater than or equal to"),
    N_("Must be less than or equal to"),
    N_("Must be one of"),
    N_("String does not match expected pattern."),
    N_("Not a valid mobile number."),
    N_("Required for this activity's audience."),
    N_("Party size exceeds this activity's limit."),
    N_("Not an aware datetime."),
    N_("Must be between 2000 and 2100."),
    N_("Contains characters that are not allowed."),
    N_("Use letters only."),
)


def request_locale(body_locale: str | None = None) -> str:
    if body_locale in LOCALES:
        return body_locale
    if has_request_context():
        if request.is_json:
            try:
                data = request.get_json(silent=True)
            except HTTPException:  # e.g. a body over the size limit: answer without reading it
                data = None
            if isinstance(data, dict) and data.get("locale") in LOCALES:
                return str(data["locale"])
        q = request.args.get("lang")
        if q in LOCALES:
            return q
        best = request.accept_languages.best_match([DEFAULT, "zh", ENGLISH])
        if best == ENGLISH:
            return ENGLISH
    return DEFAULT


def lang() -> str:
    """A page's language: its ``?lang=``, else the ``lang`` cookie a page set; zh-CN unless "en"."""
    chosen = request.args.get("lang") or request.cookies.get("lang")
    return ENGLISH if chosen == ENGLISH else DEFAULT


def remember_lang(resp: Response) -> Response:
    """Keep a page's ``?lang=`` in the ``lang`` cookie, so the next page speaks it too."""
    if request.args.get("lang") in LOCALES:
        resp.set_cookie("lang", request.args["lang"], samesite="Lax", max_age=LANG_COOKIE_MAX_AGE_S)
    return resp


# "Must be greater than or equal to 1 and less than or equal to 10." names both ends.
_RANGE = re.compile(r"^Must be greater than or equal to (\S+) and less than or equal to (\S+?)\.?$")


def _one(message: str) -> str:
    if message in MARSHMALLOW:
        return text(message, DEFAULT)
    both = _RANGE.match(message)
    if both:
        return render(rule("range_between", min=both.group(1), max=both.group(2)), DEFAULT) or message
    for en in MARSHMALLOW:
        if message.startswith(en.rstrip(".")):
            return text(en, DEFAULT)
    return message


def localize(messages: Any, locale: str) -> Any:
    """Render a marshmallow error tree in ``locale``: rule keys from the catalogue, other
    (English) messages translated by their wording for zh-CN."""
    if isinstance(messages, dict):
        return {k: localize(v, locale) for k, v in messages.items()}
    if isinstance(messages, list):
        return [localize(m, locale) for m in messages]
    if isinstance(messages, str):
        rendered = render(messages, locale)
        if rendered is not None:
            return rendered
        return messages if locale == "en" else _one(messages)
    return messages
