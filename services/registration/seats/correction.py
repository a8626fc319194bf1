"""Correcting a member of a real-name party after booking (issue 26).

A misspelled name is corrected: the person types the member's ID number again, which must be the
one booked (its keyed hash is compared; the number itself is never stored), and the new name is
checked with it by the real-name authority, as at booking. The number cannot change: another
number is another person, so it is a new member in this member's place, and only when asked for
(``replace``; else ``member_id_changed``). Its per-ID limits are the booking's, in Lua
(correct_member.lua with fair.lua): once per activity, per day, per festival; and only before
the activity starts (``registration_closed``), so no one joins a party, or takes a no-show mark
off another, once the doors are open. A child (no ID) has only its name corrected and keeps its
guardian.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from datetime import date
from typing import Any

from services.registration import vocabulary as v
from services.registration.access import fair as fair_access
from services.registration.access import identity, realname
from services.registration.catalogue import activities
from services.registration.ports import Doc, Ports
from services.registration.seats.usecases import own_registration
from shared.masking import mask_name

log = logging.getLogger("sciday.registration")


def correct_member(
    ports: Ports, registration_id: str, token: str | None, member: int, form: Mapping[str, Any]
) -> Doc:
    """``form``: ``name``, and for a member with an ID ``id_type``, ``id_number`` (a passport
    ``nationality``), ``replace`` (another number puts a new member in this one's place).
    Returns the registration as it now stands."""
    reg = own_registration(ports, registration_id, token)
    if reg["status"] == v.CANCELLED:
        raise v.Refusal(v.REGISTRATION_CANCELLED, {"registration_id": registration_id})
    members = reg.get("members") or []
    if not 0 <= member < len(members):
        raise v.Refusal(v.UNKNOWN_MEMBER, {"member": member})
    old = members[member]
    doc = ports.seats.activity_doc(reg["activity_id"]) or {}
    new, new_hash = _new_member(ports, doc, old, member, form)
    if new_hash and new_hash != _old_hash(reg, member):
        if not form.get("replace"):
            raise v.Refusal(v.MEMBER_ID_CHANGED, {"member": member})
        if ports.clock.now() >= activities.parse(doc["starts_at"]):  # no new member once it began
            raise v.Refusal(v.REGISTRATION_CLOSED, {"member": member})
    policy = ports.fair or fair_access.FairPolicy()
    ports.seats.correct_member(
        reg["activity_id"],
        registration_id,
        member_at=member + 1,
        hash_at=_hash_place(members, member),
        seen=old,
        new=new,
        new_hash=new_hash,
        limits=(policy.id_per_day, policy.id_per_festival),
        now=ports.clock.now(),
    )
    log.info("registration %s corrected member %d (%s)", registration_id, member, new["id_masked"] or "child")
    return own_registration(ports, registration_id, token)


def _hash_place(members: list[Doc], member: int) -> int:
    """The member's place in ``id_hashes`` (only members with an ID, in member order), from 1; 0
    for a child without one."""
    if not members[member].get("id_masked"):
        return 0
    return sum(1 for m in members[: member + 1] if m.get("id_masked"))


def _old_hash(reg: Doc, member: int) -> str:
    place = _hash_place(reg.get("members") or [], member)
    hashes = reg.get("id_hashes") or []
    return hashes[place - 1] if 0 < place <= len(hashes) else ""


def _new_member(ports: Ports, doc: Doc, old: Doc, member: int, form: Mapping[str, Any]) -> tuple[Doc, str]:
    """The member as it will be stored, and its ID hash ("" for a child)."""
    name = str(form.get("name") or "").strip()
    if old.get("id_type") == identity.NO_ID:  # a child: the name only
        if not name:
            raise v.Refusal(v.ID_INVALID, {"rules": {"members": {str(member): {"name": [v.ID_EMPTY]}}}})
        return {**old, "name_masked": mask_name(name)}, ""
    raw = {k: form.get(k) for k in ("id_type", "id_number", "nationality")} | {"name": name}
    policy = ports.fair or fair_access.FairPolicy()
    today = ports.clock.now().date()
    on: date = fair_access.festival_day(doc, policy.timezone)
    try:
        person = identity.member(
            ports.secret, raw, on, identity.ChildPolicy(policy.child_max_age_without_id), today
        )
    except identity.IdInvalid as exc:
        field = "nationality" if exc.why == "nationality" else "id_number"
        rules = {"members": {str(member): {field: [fair_access.ID_RULES[exc.why]]}}}
        raise v.Refusal(v.ID_INVALID, {"rules": rules}) from None
    try:
        flags = realname.check(ports.realname, doc, [raw])
    except v.Refusal as exc:  # the authority's answer, on this member's place
        if exc.reason == v.ID_UNVERIFIED:
            raise v.Refusal(
                v.ID_UNVERIFIED, {"rules": {"members": {str(member): {"id_number": [v.ID_NOT_CONFIRMED]}}}}
            ) from None
        raise
    shown = fair_access.door_hashes([person], [raw], doc, ports.door_id_key)[0]
    realname.record([shown], flags)
    return shown, person.id_hash
