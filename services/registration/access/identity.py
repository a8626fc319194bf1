"""Real-name identity documents: what a valid number looks like, its keyed hash, its masked form.

Five document types (the ones Chinese venues take, 中国科技馆/国博 practice):

=========================  ==============================================================
``resident_id``            居民身份证 (GB 11643-1999): 6-digit region (first digit 1–8), birth
                           date YYYYMMDD, 3-digit sequence, ISO 7064 MOD 11-2 check digit
                           (0–9 or X). Also the form of 港澳台居民居住证 (regions 81/82/83).
``hk_macau_permit``        港澳居民来往内地通行证 (回乡证): H or M and 8 digits (2013 card), or
                           10 digits after the letter (older cards).
``taiwan_permit``          台湾居民来往大陆通行证 (台胞证): 8 digits (2015 card), or the older
                           10-character numbers (digits, possibly ending in a letter).
``passport``               护照: ICAO 9303 document number and the issuing country (``nationality``,
                           ISO 3166-1 alpha-3); the number has that country's shape where it is
                           known (passports.py: CHN E + 8 digits, E + letter + 7, G + 8...), else
                           5–9 letters and digits with at least one digit.
``foreign_permanent_id``   外国人永久居留身份证: the 2023 card is 18 digits beginning with 9
                           (same MOD 11-2 check and birth date as the resident ID); the 2004
                           card is 3 letters (nationality) and 12 digits.
=========================  ==============================================================

The same number under two types that share a number space (the travel documents: a Taiwan
permit's 8 digits are also a passport number, a home-return permit's H12345678 too) is the same
person: :func:`id_hash` keys those three by the number alone, so the per-ID limits, "once per
activity" and "no one twice in a party" hold across the types.  A resident ID and a permanent
resident card (18 characters, disjoint first digits) keep their own type in the hash.

Permissive but structured: spaces are dropped and letters upper-cased, every other deviation is
refused with ``id_invalid`` and a ``why``.  Nothing here stores a number: the caller keeps
:func:`id_hash` (an HMAC with a server secret, for "at most once per activity") and
:func:`mask_id` (``2101**********123X``, for the door).  The clear number is never stored; see
docs/fair-access.md for why the door does not need it.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import unicodedata
from dataclasses import dataclass, replace
from datetime import date

from services.registration.access import passports
from services.registration.ports import Doc
from shared.masking import mask_id, mask_name
from shared.msgid import N_

ID_TYPES = ("resident_id", "hk_macau_permit", "taiwan_permit", "passport", "foreign_permanent_id")
# A child under the policy's age may come with the party without a document: id_type "none".
NO_ID = "none"
# The form's names of the ID types: msgids, shown in the page's language (docs/i18n.md).
LABELS = {
    "resident_id": N_("Resident ID card"),
    "hk_macau_permit": N_("Mainland Travel Permit for HK/Macao residents"),
    "taiwan_permit": N_("Mainland Travel Permit for Taiwan residents"),
    "passport": N_("Passport"),
    "foreign_permanent_id": N_("Foreign Permanent Resident ID card"),
    NO_ID: N_("Child (no ID, with a guardian)"),
}

_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_CHECK = "10X98765432"
_PATTERNS = {
    "resident_id": re.compile(r"[1-8][0-9]{16}[0-9X]\Z", re.ASCII),
    "hk_macau_permit": re.compile(r"[HM](?:[0-9]{8}|[0-9]{10})\Z", re.ASCII),
    "taiwan_permit": re.compile(r"(?:[0-9]{8}|[0-9]{10}|[0-9]{9}[A-Z])\Z", re.ASCII),
    "passport": passports.GENERIC,
    "foreign_permanent_id": re.compile(r"(?:9[0-9]{16}[0-9X]|[A-Z]{3}[0-9]{12})\Z", re.ASCII),
}


class IdInvalid(ValueError):
    """``why``: unknown_type, empty, characters, format, check_digit, birth_date, nationality."""

    def __init__(self, why: str):
        super().__init__(why)
        self.why = why
        self.index = 0  # the member at fault, set by party()


def check_digit(first17: str) -> str:
    """The GB 11643 (ISO 7064 MOD 11-2) check character of the first 17 digits."""
    return _CHECK[sum(int(d) * w for d, w in zip(first17, _WEIGHTS, strict=True)) % 11]


def _birth_date(number: str, today: date) -> date:
    try:
        born = date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
    except ValueError:
        raise IdInvalid("birth_date") from None
    if born.year < 1900 or born > today:
        raise IdInvalid("birth_date")
    return born


def normalize(id_type: str, text: object) -> str:
    """Spaces dropped, letters upper-cased; other scripts' digits, full-width letters and control
    characters refused (no NFKC folding: a number is typed in ASCII or it is refused)."""
    if id_type not in ID_TYPES:
        raise IdInvalid("unknown_type")
    if not isinstance(text, str) or not text.strip():
        raise IdInvalid("empty")
    if len(text) > 40:
        raise IdInvalid("format")
    out = []
    for ch in text:
        if unicodedata.category(ch) == "Zs":
            continue
        if not ch.isascii() or not ch.isalnum():
            raise IdInvalid("characters")
        out.append(ch.upper())
    return "".join(out)


def validate(id_type: str, text: object, today: date | None = None, nationality: str | None = None) -> str:
    """The normalized number, or :class:`IdInvalid`.  A passport is checked against its issuing
    country's shape (``nationality``; None: the generic shape)."""
    number = normalize(id_type, text)
    if id_type == "passport" and nationality is not None and not passports.valid_nationality(nationality):
        raise IdInvalid("nationality")
    shaped = (
        passports.fits(nationality, number) if id_type == "passport" else _PATTERNS[id_type].fullmatch(number)
    )
    if not shaped:
        raise IdInvalid("format")
    if len(number) == 18 and number[0].isdigit():  # resident ID and the 2023 permanent-resident card
        if check_digit(number[:17]) != number[17]:
            raise IdInvalid("check_digit")
        _birth_date(number, today or date.today())
    return number


def birth_date(id_type: str, number: str) -> date | None:
    """The birth date an 18-digit card carries (None for documents that carry none)."""
    if len(number) == 18 and number[0].isdigit() and id_type in ("resident_id", "foreign_permanent_id"):
        return _birth_date(number, date.max)
    return None


# Types whose numbers can be the same string: one person's number under either is one identity.
SHARED_NUMBER_SPACE = ("hk_macau_permit", "taiwan_permit", "passport")
TRAVEL = "travel"


def id_space(id_type: str) -> str:
    """The namespace of a type's numbers in :func:`id_hash`."""
    return TRAVEL if id_type in SHARED_NUMBER_SPACE else id_type


def id_hash(secret: bytes, id_type: str, number: str) -> str:
    """HMAC-SHA256 of the normalized number with a server secret: equal numbers give equal hashes,
    and a stolen database cannot be matched against the (small) space of valid ID numbers.  Keyed
    by :func:`id_space`, not the type: a passport and a Taiwan permit with one number are one ID."""
    mac = hmac.new(secret, f"id:{id_space(id_type)}:{number}".encode(), hashlib.sha256)
    return mac.hexdigest()[:32]


def age_on(born: date, on: date) -> int:
    return on.year - born.year - ((on.month, on.day) < (born.month, born.day))


@dataclass(frozen=True)
class Member:
    """One person of a party as stored: never the clear number."""

    name: str
    id_type: str
    id_hash: str  # "" for a child without a document
    id_masked: str
    name_masked: str
    nationality: str = ""  # a passport's issuing country (ISO 3166-1 alpha-3)
    guardian: Doc | None = None  # a child's: its guardian's masked name and number (issue 26)

    def public(self) -> Doc:
        """What a ticket, "我的报名" and the door see."""
        shown: Doc = {"name_masked": self.name_masked, "id_type": self.id_type, "id_masked": self.id_masked}
        if self.guardian:
            shown["guardian"] = self.guardian
        return {**shown, "nationality": self.nationality} if self.nationality else shown


@dataclass(frozen=True)
class ChildPolicy:
    """Children younger than ``max_age_without_id`` on the activity's day may come without an ID,
    listed under a guardian who has one."""

    max_age_without_id: int = 14


def member(secret: bytes, raw: Doc, on: date, policy: ChildPolicy, today: date | None = None) -> Member:
    """One member from ``{name, id_type, id_number}`` (a passport also ``nationality``) or
    ``{name, id_type: "none", birth_date}``."""
    name, id_type = raw["name"], raw["id_type"]
    if id_type == NO_ID:
        born = raw.get("birth_date")
        if not isinstance(born, date):
            raise IdInvalid("birth_date")
        if born > (today or date.today()) or age_on(born, on) >= policy.max_age_without_id:
            raise IdInvalid("child_too_old")
        return Member(name, NO_ID, "", "", mask_name(name))
    given = raw.get("nationality") if id_type == "passport" else None
    nationality = given.strip().upper() if isinstance(given, str) else ""
    number = validate(id_type, raw.get("id_number"), today)  # a passport: the generic shape first
    if id_type == "passport":  # then its issuing country, and that country's shape
        if not passports.valid_nationality(nationality):
            raise IdInvalid("nationality")
        number = validate(id_type, number, today, nationality)
    masked = mask_id(number)
    return Member(name, id_type, id_hash(secret, id_type, number), masked, mask_name(name), nationality)


def party(
    secret: bytes, raws: list[Doc], on: date, policy: ChildPolicy, today: date | None = None
) -> list[Member]:
    """Every member checked; the party needs one adult with a document, and no document twice.

    Raises :class:`IdInvalid` with ``index`` set to the member at fault.
    """
    members = []
    for i, raw in enumerate(raws):
        try:
            members.append(member(secret, raw, on, policy, today))
        except IdInvalid as exc:
            exc.index = i
            raise
    if all(m.id_type == NO_ID for m in members):
        raise IdInvalid("guardian_missing")
    members = with_guardians(members, [raw.get("guardian") for raw in raws])
    seen: dict[str, int] = {}
    for i, m in enumerate(members):
        if m.id_hash and m.id_hash in seen:
            duplicate = IdInvalid("duplicate_in_party")
            duplicate.index = i
            raise duplicate
        if m.id_hash:
            seen[m.id_hash] = i
    return members


def guardian_of(members: list[Member], child: int, named: object) -> int:
    """The place of ``members[child]``'s guardian: the member ``named`` (its place, from 0), or the
    first member with an ID when none is named (API bodies from before issue 26). Raises
    :class:`IdInvalid` ``guardian_not_in_party`` (no such other member) or ``guardian_without_id``."""
    if named is None:
        return next(i for i, m in enumerate(members) if m.id_type != NO_ID)
    if (
        not isinstance(named, int)
        or isinstance(named, bool)
        or not 0 <= named < len(members)
        or named == child
    ):
        raise IdInvalid("guardian_not_in_party")
    if members[named].id_type == NO_ID:
        raise IdInvalid("guardian_without_id")
    return named


def with_guardians(members: list[Member], named: list[object]) -> list[Member]:
    """Each child (no document) with its guardian's masked name and number; the others as they are."""
    out = []
    for i, m in enumerate(members):
        if m.id_type != NO_ID:
            out.append(m)
            continue
        try:
            g = members[guardian_of(members, i, named[i])]
        except IdInvalid as exc:
            exc.index = i
            raise
        out.append(replace(m, guardian={"name_masked": g.name_masked, "id_masked": g.id_masked}))
    return out
