"""Registration's field rules: why a field was refused, keyed by rule, not by marshmallow's wording.

A rule names a field's refusal (``PHONE_EMPTY``); its text is a msgid in the context ``field rule``
(the same English may say a reason too, in other words), said in the request's language from the
service's catalogue (docs/i18n.md) by :func:`rule_message`. ``services.registration.vocabulary``
re-exports every name here.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Final

from shared.msgid import NP_, text

CATALOGUE: Final = Path(__file__).parent / "translations"  # the texts in zh-CN

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
GUARDIAN_NOT_IN_PARTY: Final = "guardian_not_in_party"  # issue 26: a child's guardian
GUARDIAN_WITHOUT_ID: Final = "guardian_without_id"
# Issue 29: a group's roster (groups/roster.py), row by row.
ROSTER_NO_HEADER: Final = "roster_no_header"
ROSTER_EMPTY: Final = "roster_empty"
ROSTER_TOO_MANY: Final = "roster_too_many"
ROSTER_NAME_EMPTY: Final = "roster_name_empty"
ID_CHECK_REQUIRED: Final = "id_check_required"  # issue 29: the window checks the ID by eye

FIELD_RULES: Final[Mapping[str, str]] = {
    ORGANIZATION_REQUIRED: NP_("field rule", "Required for this activity's audience."),
    PARTY_OVER_LIMIT: NP_("field rule", "Party size exceeds this activity's limit."),
    PHONE_EMPTY: NP_("field rule", "Required."),
    PHONE_TOO_LONG: NP_("field rule", "Too long."),
    PHONE_CONTROL_CHARACTER: NP_("field rule", "Contains control characters."),
    PHONE_NOT_ASCII_DIGITS: NP_("field rule", "Use the digits 0-9 (ASCII)."),
    PHONE_NOT_MAINLAND_MOBILE: NP_("field rule", "Not a mainland mobile number."),
    NOT_THE_VERIFIED_PHONE: NP_("field rule", "Must be the verified phone."),
    CODE_SIX_DIGITS: NP_("field rule", "Enter the 6-digit code."),
    ID_UNKNOWN_TYPE: NP_("field rule", "Unknown ID type."),
    ID_EMPTY: NP_("field rule", "Give the ID number."),
    ID_CHARACTERS: NP_("field rule", "Letters and digits only."),
    ID_FORMAT: NP_("field rule", "The number does not have this document's format."),
    ID_CHECK_DIGIT: NP_("field rule", "The check digit does not match; check the number."),
    ID_BIRTH_DATE: NP_("field rule", "The birth date is not valid."),
    CHILD_TOO_OLD: NP_("field rule", "Too old to come without an ID; give one."),
    GUARDIAN_MISSING: NP_("field rule", "At least one adult must give an ID."),
    ID_TWICE_IN_PARTY: NP_("field rule", "The same ID appears twice."),
    MEMBERS_COUNT: NP_("field rule", "Give one member per person of the party."),
    NOT_BY_LOTTERY: NP_(
        "field rule", "Seats here are first come, first served; set allocation to lottery first."
    ),
    CONSENT_REQUIRED: NP_("field rule", "Read and tick your consent to how your data is handled."),
    NATIONALITY_INVALID: NP_(
        "field rule", "Give the passport's issuing country as its 3-letter code (e.g. CHN)."
    ),
    ID_NOT_CONFIRMED: NP_(
        "field rule", "The real-name check did not confirm this name and number; check them."
    ),
    GUARDIAN_NOT_IN_PARTY: NP_("field rule", "Choose another member of this party as the guardian."),
    GUARDIAN_WITHOUT_ID: NP_("field rule", "The guardian must be a member who gives an ID."),
    ROSTER_NO_HEADER: NP_("field rule", "No header row with a 姓名 (name) column in the first rows."),
    ROSTER_EMPTY: NP_("field rule", "The roster lists nobody."),
    ROSTER_TOO_MANY: NP_("field rule", "More people than one group may hold."),
    ROSTER_NAME_EMPTY: NP_("field rule", "Give the person's name."),
    ID_CHECK_REQUIRED: NP_("field rule", "Check each member's ID by eye and tick the box."),
}


def rule_message(rule: str, locale: str) -> str:
    return text(FIELD_RULES[rule], locale, CATALOGUE)


__all__ = [  # what the vocabulary re-exports
    "ORGANIZATION_REQUIRED",
    "PARTY_OVER_LIMIT",
    "PHONE_EMPTY",
    "PHONE_TOO_LONG",
    "PHONE_CONTROL_CHARACTER",
    "PHONE_NOT_ASCII_DIGITS",
    "PHONE_NOT_MAINLAND_MOBILE",
    "NOT_THE_VERIFIED_PHONE",
    "CODE_SIX_DIGITS",
    "ID_UNKNOWN_TYPE",
    "ID_EMPTY",
    "ID_CHARACTERS",
    "ID_FORMAT",
    "ID_CHECK_DIGIT",
    "ID_BIRTH_DATE",
    "CHILD_TOO_OLD",
    "GUARDIAN_MISSING",
    "ID_TWICE_IN_PARTY",
    "MEMBERS_COUNT",
    "CONSENT_REQUIRED",
    "NOT_BY_LOTTERY",
    "NATIONALITY_INVALID",
    "ID_NOT_CONFIRMED",
    "GUARDIAN_NOT_IN_PARTY",
    "GUARDIAN_WITHOUT_ID",
    "ROSTER_NO_HEADER",
    "ROSTER_EMPTY",
    "ROSTER_TOO_MANY",
    "ROSTER_NAME_EMPTY",
    "ID_CHECK_REQUIRED",
    "FIELD_RULES",
    "rule_message",
]
