"""What fair access adds to registering: the verified phone, the real-name members, the limits
per phone, per ID and per address, and the request fingerprint of an Idempotency-Key.

Plain functions: :func:`prepare` takes the parsed body, the activity document and the verified
phone and returns what the record carries and what reserve.lua checks (fair.lua), or raises
:class:`Refusal`. The seat script stays the one atomic step: an ID at most once per activity and
the per-ID limits are decided there, with the seat.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from services.registration import vocabulary as v
from services.registration.access import identity
from services.registration.ports import Doc
from services.registration.seats import idempotency
from services.registration.vocabulary import Refusal
from shared import door_id
from shared.config import Settings
from shared.keyfile import keyed

# identity.py's why -> the field rule the person reads
ID_RULES = {
    "unknown_type": v.ID_UNKNOWN_TYPE,
    "empty": v.ID_EMPTY,
    "characters": v.ID_CHARACTERS,
    "format": v.ID_FORMAT,
    "check_digit": v.ID_CHECK_DIGIT,
    "birth_date": v.ID_BIRTH_DATE,
    "child_too_old": v.CHILD_TOO_OLD,
    "guardian_missing": v.GUARDIAN_MISSING,
    "duplicate_in_party": v.ID_TWICE_IN_PARTY,
    "nationality": v.NATIONALITY_INVALID,
    "guardian_not_in_party": v.GUARDIAN_NOT_IN_PARTY,
    "guardian_without_id": v.GUARDIAN_WITHOUT_ID,
}
GUARDIAN_RULES = ("guardian_not_in_party", "guardian_without_id")


@dataclass(frozen=True)
class FairPolicy:
    require_verified_phone: bool = True
    child_max_age_without_id: int = 14
    id_per_day: int = 2
    id_per_festival: int = 5
    rate_limit_phone_per_min: int = 6
    rate_limit_id_per_min: int = 6
    timezone: str = "Asia/Shanghai"
    proxy_max_persons: int = 4  # issue 29: people one phone may book for in the festival (0: off)

    @classmethod
    def from_settings(cls, s: Settings) -> FairPolicy:
        return cls(
            bool(s.require_verified_phone),
            s.child_max_age_without_id,
            s.id_per_day,
            s.id_per_festival,
            s.rate_limit_phone_per_min,
            s.rate_limit_id_per_min,
            s.timezone,
            s.proxy_max_persons_per_festival,
        )


@dataclass(frozen=True)
class Prepared:
    phone: str
    record: Doc  # added to the registration record: members (masked), id_hashes, festival_day
    fair: Doc  # ARGV for fair.lua
    owner_ref: str  # the verified phone's keyed hash: the "我的报名" index
    # (name, subject, max, window_s): per phone and per ID (per address: before)
    limits: list[tuple[str, str, int, int]]


def festival_day(doc: Doc, tz: str) -> date:
    return datetime.fromisoformat(doc["starts_at"]).astimezone(ZoneInfo(tz)).date()


def owner_ref(secret: bytes, phone: str) -> str:
    return keyed(secret, "owner", phone)


def verified(session_phone: str | None, body_phone: str | None, policy: FairPolicy) -> str:
    """The phone the registration is made with. With verification on, the session's: a body
    phone must be the same number (it is only a convenience for API clients)."""
    if session_phone is None:
        if policy.require_verified_phone:
            raise Refusal(v.PHONE_NOT_VERIFIED)
        if not body_phone:  # verification off: the number is a required field
            raise Refusal(v.PHONE_INVALID, {"rules": {"phone": [v.PHONE_EMPTY]}})
        return body_phone
    if body_phone and body_phone != session_phone:
        raise Refusal(v.PHONE_NOT_VERIFIED, {"rules": {"phone": [v.NOT_THE_VERIFIED_PHONE]}})
    return session_phone


def members(
    body: Mapping[str, Any], doc: Doc, secret: bytes, policy: FairPolicy, today: date
) -> list[identity.Member]:
    """The party's members, checked, or [] when the activity is not real-name and none are given."""
    raws = body.get("members") or []
    if not doc.get("real_name") and not raws:
        return []
    if len(raws) != body["party_size"]:
        raise Refusal(v.ID_INVALID, {"rules": {"members": [v.MEMBERS_COUNT]}})
    on = festival_day(doc, policy.timezone)
    try:
        return identity.party(secret, raws, on, identity.ChildPolicy(policy.child_max_age_without_id), today)
    except identity.IdInvalid as exc:
        index = getattr(exc, "index", 0)
        if exc.why in GUARDIAN_RULES:  # issue 26: its own reason, on the child's guardian field
            rules = {"members": {str(index): {"guardian": [ID_RULES[exc.why]]}}}
            raise Refusal(v.GUARDIAN_INVALID, {"rules": rules}) from None
        field = (
            "birth_date"
            if exc.why in ("birth_date", "child_too_old") and raws[index].get("id_type") == identity.NO_ID
            else "nationality"
            if exc.why == "nationality"
            else "id_number"
        )
        raise Refusal(
            v.ID_INVALID, {"rules": {"members": {str(index): {field: [ID_RULES[exc.why]]}}}}
        ) from None


def door_hashes(
    people: list[identity.Member], raws: list[dict[str, Any]], doc: dict[str, Any], door_key: bytes
) -> list[dict[str, Any]]:
    """Each member as the door sees it, with the door hash of its number under the activity's key
    (issue 23, shared/door_id.py): the door matches the card it reads against it. A child booked
    without a document has none. Never the number itself."""
    key = door_id.activity_key(door_key, doc["id"]) if door_key else b""
    shown = []
    for person, raw in zip(people, raws, strict=True):
        public = person.public()
        if key and person.id_hash:
            number = identity.normalize(raw["id_type"], raw.get("id_number"))
            public["door_hash"] = door_id.door_hash(key, number)
        shown.append(public)
    return shown


def prepare(
    body: Mapping[str, Any],
    doc: Doc,
    *,
    session_phone: str | None,
    secret: bytes,
    policy: FairPolicy,
    today: date | None = None,
    door_key: bytes = b"",
) -> Prepared:
    phone = verified(session_phone, body.get("phone"), policy)
    people = members(body, doc, secret, policy, today or date.today())
    ids = [m.id_hash for m in people if m.id_hash]
    day = festival_day(doc, policy.timezone).isoformat()
    record: Doc = {"festival_day": day}
    if people:
        record["members"] = door_hashes(people, body.get("members") or [], doc, door_key)
        record["id_hashes"] = ids
    canonical_body = {k: val for k, val in body.items() if k != "locale"}
    fair = {
        "ids": ids,
        "fp": idempotency.fingerprint(canonical_body, phone),
        "day": day,
        "per_day": policy.id_per_day,
        "per_festival": policy.id_per_festival,
    }
    limits = [("phone", phone, policy.rate_limit_phone_per_min, 60)] + [
        ("id", h, policy.rate_limit_id_per_min, 60) for h in ids
    ]
    return Prepared(phone, record, fair, owner_ref(secret, phone), limits)


def for_someone_else(
    body: Mapping[str, Any], prepared: Prepared, secret: bytes, policy: FairPolicy
) -> Prepared:
    """Issue 29, 代预约: the verified phone books for someone else, the party's registrant at the
    door (the form's name; on a real-name activity the first member, whose ID the door checks).

    ``for_someone_else`` (or an ``attendee_phone``, which says the same) adds to the record the
    person who goes as a keyed hash (``proxy_person``: their ID, else their phone, else their name)
    and their phone, sealed like the registrant's (privacy/personal.py: the one-per-phone index
    then counts it), and to fair.lua's argument the helper's cap on people booked for
    (``proxy_limit_reached``). A booking for oneself is returned unchanged."""
    phone = body.get("attendee_phone")
    if not (body.get("for_someone_else") or phone):
        return prepared
    ids = prepared.fair["ids"]
    # the hash's input, not a no-show holder (noshow/record.py writes those)
    who = f"id={ids[0]}" if ids else f"phone={phone}" if phone else f"name={body['name']}"
    person = keyed(secret, "proxy", who)
    record = {**prepared.record, "proxy_person": person, **({"attendee_phone": phone} if phone else {})}
    fair = {**prepared.fair, "proxy": {"person": person, "max": policy.proxy_max_persons}}
    return replace(prepared, record=record, fair=fair)
