"""When the QR cannot be read (issue 17): find the party by the last 4 digits of the phone (or of
an ID) plus the registrant's name, then admit it through the same rules and the same atomic step
as a scan (``usecases.judge``), so a party found by hand is never admitted twice either.

Only masked values leave here: the steward sees ``张*``, ``138****5678`` and masked IDs.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import datetime, timedelta

from services.checkin import vocabulary as V
from services.checkin.door import cards as door_cards
from services.checkin.door.usecases import Party, Refusal, Scan, Staff, TimePolicy, judge, new_checkin_id
from services.checkin.ports import Activities, Directory, Doc, Door, Ids
from shared.clock import SYSTEM_CLOCK, Clock
from shared.masking import mask_name

MAX_MATCHES = 10
RECENT = timedelta(days=1)  # activities that ended longer ago are not searched
LAST4 = re.compile(r"^[0-9]{3}[0-9Xx]$")


@dataclass(frozen=True)
class Lookup:
    last4: str  # of the phone, or of an ID number (its check character may be X)
    name: str  # the registrant's name as the steward hears it


def _norm(name: str) -> str:
    """Names compare without spaces, width or case: "Li  Ming" = "li ming", "张三" = "张 三"."""
    return "".join(unicodedata.normalize("NFKC", name).casefold().split())


def _same_name(stored: str, heard: str) -> bool:
    """The projection keeps the name masked (issue 16: 张*, 欧***), so the heard name is masked the
    same way before comparing; a record from before that keeps the whole name."""
    if "*" in stored:  # the first character, and the length with or without the heard spaces
        squeezed, stripped = _norm(heard), unicodedata.normalize("NFKC", heard).strip().casefold()
        return (
            bool(squeezed)
            and _norm(stored[:1]) == squeezed[:1]
            and len(stored.strip()) in (len(squeezed), len(stripped))
        )
    return _norm(stored) == _norm(heard)


def find(query: Lookup, staff: Staff, *, directory: Directory, clock: Clock = SYSTEM_CLOCK) -> list[Doc]:
    """The confirmed or cancelled registrations of the staff's recent activities that match.

    A cancelled one is listed too, so the steward hears the same "ticket cancelled" as a scan.
    Nothing matches a last4 that is not 4 digits or an empty name."""
    last4, name = query.last4.strip().upper(), query.name
    if not LAST4.match(last4) or not _norm(name):  # the API's schema refuses these first
        return []
    since = clock.now() - RECENT
    found: list[Doc] = []
    for aid in directory.activity_ids():
        act = directory.activity(aid)
        if act is None or not staff.may_access(act["venue"]["id"]):
            continue
        if datetime.fromisoformat(act["ends_at"]) < since:
            continue
        for reg in directory.registrations(aid):
            if reg.get("status") == V.WAITLISTED or not _same_name(reg.get("name", ""), name):
                continue
            if _matches(reg, last4):
                found.append(_shown(act, reg))
    found.sort(key=lambda m: m["starts_at"])
    return found[:MAX_MATCHES]


def _matches(reg: Doc, last4: str) -> bool:
    if (reg.get("phone_masked") or "")[-4:] == last4:
        return True
    return any((m.get("id_masked") or "")[-4:].upper() == last4 for m in reg.get("members") or [])


def _shown(act: Doc, reg: Doc) -> Doc:
    return {
        "registration_id": reg["registration_id"],
        "activity_id": act["id"],
        "activity_title": act["title"],
        "hall": act.get("hall", ""),
        "starts_at": act["starts_at"],
        "name_masked": mask_name(reg.get("name", "")),
        "phone_masked": reg.get("phone_masked", ""),
        "party_size": int(reg.get("party_size") or 1),
        "members": door_cards.shown(reg.get("members")),
        "status": reg.get("status", V.CONFIRMED),
        "wheelchairs": int(reg.get("wheelchairs") or 0),  # issue 29 item 6: 轮椅位
    }


def admit_found(
    activity_id: str,
    registration_id: str,
    scan: Scan,
    staff: Staff,
    *,
    activities: Activities,
    door: Door,
    clock: Clock = SYSTEM_CLOCK,
    ids: Ids = new_checkin_id,
    cards: door_cards.Cards | None = None,
    policy: TimePolicy = TimePolicy(),
) -> Doc:
    """Admit a party the steward found: the same verdicts as a scan of its ticket."""
    activity, reg = activities.activity_and_registration(activity_id, registration_id)
    if reg is None or reg.get("status") == V.WAITLISTED:
        raise Refusal(V.UNKNOWN_REGISTRATION)
    if activity is None:
        raise Refusal(V.UNKNOWN_ACTIVITY)
    party = Party(activity_id, registration_id, reg["venue_id"], int(reg["party_size"]), None)
    return judge(
        party, scan, staff, activities=activities, door=door, clock=clock, ids=ids, cards=cards, policy=policy
    )
