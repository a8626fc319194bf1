"""Rule 7 of the door's table: the atomic steps and their answers.

``admit.lua`` judges a registration's ticket (revoked, released, reduced, already inside, the
party admitted in steps, a card matched to a member); ``standby_admit.lua`` a called walk-in's
standby ticket.  ``usecases.judge`` builds the step here once rules 2-6 have passed (or carries
their refusal into it, so the gate is judged first and the refusal recorded in the same step),
and turns the step's result into the admission or its :class:`Refusal`.
"""

from __future__ import annotations

import json
from datetime import datetime

from services.checkin import vocabulary as V
from services.checkin.door import admission
from services.checkin.door import cards as door_cards
from services.checkin.door.cards import Cards
from services.checkin.door.checks import Seen
from services.checkin.door.scans import Party, Scan, Staff
from services.checkin.ports import AdmitStep, Doc, Door
from shared.masking import mask_name
from shared.refusal import Refusal


def admit_step(
    party: Party,
    scan: Scan,
    staff: Staff,
    seen: Seen,
    checkin_id: str,
    later: Refusal | None,
    cards: Cards | None,
) -> AdmitStep:
    """Rule 7's atomic step (``admit.lua``), carrying the refusal rules 4-6 gave, if any."""
    aid = party.activity_id
    return AdmitStep(
        checkin_id=checkin_id,
        activity_id=aid,
        registration_id=party.registration_id,
        venue_id=seen.venue,
        party_size=seen.party_size,
        admit=scan.admit,
        gate=scan.gate,
        at_iso=seen.at.isoformat(),
        bucket=admission.bucket(seen.at),
        nonce=scan.nonce,
        staff=staff.name,
        occurred_at=seen.now.isoformat(),
        refusal=later.reason if later else "",  # rule 3 first, in the same step (recorded there)
        # issue 23: the card read, matched to a member in the same step (admit.lua)
        card=scan.id_hash or (cards.read(aid, scan.id_number) if cards else ""),
        card_required=bool(cards and cards.required),
        peek=scan.peek,
        ticks=ticks_json(scan),
    )


def ticks_json(scan: Scan) -> str:
    """Issue 26: the ticked members as ``admit.lua`` reads them ("" for a head count or one card)."""
    if not scan.members:
        return ""
    return json.dumps([{"member": place, "id_hash": h} for place, h in scan.members])


def summary(party: Party, seen: Seen, result: Doc) -> Doc:
    """The party as the steward sees it after the atomic step."""
    reg = seen.reg
    return {
        "id": party.registration_id,
        "activity_id": party.activity_id,
        "activity_title": (seen.activity or {}).get("title", {}),
        "name_masked": mask_name(reg.get("name", "")) if reg else "",  # none once erased
        # real-name parties: each member's masked name and ID, for the steward (issue 14), and
        # whether each came in on their card (issue 23); never a door hash
        "members": door_cards.shown((reg or {}).get("members"), list(result.get("members_in") or []) or None),
        "party_size": seen.party_size,
        "admitted_total": result.get("admitted_total", 0),
        "wheelchairs": int((reg or {}).get("wheelchairs") or 0),  # issue 29 item 6: 轮椅位
    }


def admitted(result: Doc, summary: Doc) -> Doc:
    """The atomic step's answer: the admission, or its refusal (``already_checked_in``, ...)."""
    if result["status"] == V.DENIED:
        named = {"member": int(result["member"])} if result.get("member") else {}  # issue 26: who
        if result["reason"] == V.ALREADY_CHECKED_IN:
            raise Refusal(
                V.ALREADY_CHECKED_IN,
                {
                    "first_checked_in_at": result["first_at"],
                    "first_gate": result["first_gate"],
                    "registration": summary,
                    **named,
                },
            )
        raise Refusal(result["reason"], {"registration": summary, **named})
    return {
        "status": V.OK,
        "checkin_id": result["checkin_id"],
        "admitted": result["admitted"],
        "remaining": result["remaining"],
        "registration": summary,
        "checked_in_at": result["at"],
        "gate": result["gate"],
        "replayed": bool(result.get("replayed")),
        "member": int(result.get("member") or 0),  # issue 23: the place of the member whose card matched
        "members": [int(m) for m in result.get("members") or []],  # issue 26: the members let in now
    }


def peeked(result: Doc, summary: Doc) -> Doc:
    """Issue 26: the verdict a scan would get (``admit.lua`` judging only): nobody admitted yet;
    ``admitted`` is who the scan would take, ``remaining`` the people still to come (a repeated
    nonce: its first admission's figures)."""
    return {
        "status": V.OK,
        "admitted": int(result["admitted"]),
        "remaining": int(result["remaining"]),
        "admitted_total": int(result["admitted_total"]),
        "party_size": int(result["party_size"]),
        "registration": summary,
    }


def peek_standby(party: Party) -> Doc:
    """A called walk-in's standby ticket comes in whole on its scan (``standby_admit.lua``, no count
    asked): judging only answers rules 1-6 and leaves the standby list's own step to the scan."""
    size = party.party_size
    summary: Doc = {
        "id": f"standby:{party.activity_id}:{party.standby_number}",
        "activity_id": party.activity_id,
        "party_size": size,
        "admitted_total": 0,
        "standby_number": party.standby_number,
    }
    return {
        "status": V.OK,
        "admitted": size,
        "remaining": size,
        "admitted_total": 0,
        "party_size": size,
        "registration": summary,
    }


def admit_standby(
    number: int, party: Party, scan: Scan, activity: Doc | None, at: datetime, door: Door
) -> Doc:
    """Rule 7 of a standby ticket: the standby list's own atomic step (no seat given twice)."""
    result = door.admit_standby(party.activity_id, number, scan.gate, at.isoformat(), scan.nonce)
    size = int(result.get("party_size") or party.party_size)
    summary: Doc = {
        "id": f"standby:{party.activity_id}:{number}",
        "activity_id": party.activity_id,
        "activity_title": (activity or {}).get("title", {}),
        "name_masked": "",
        "members": [],
        "party_size": size,
        "admitted_total": size if result["status"] == V.OK or result["reason"] == V.ALREADY_CHECKED_IN else 0,
        "standby_number": number,
    }
    if result["status"] == V.DENIED:
        if result["reason"] == V.ALREADY_CHECKED_IN:
            first = {"first_checked_in_at": result.get("first_at"), "first_gate": result.get("first_gate")}
            raise Refusal(V.ALREADY_CHECKED_IN, {**first, "registration": summary})
        raise Refusal(result["reason"], {"registration": summary, "standby_number": number})
    return {
        "status": V.OK,
        "checkin_id": "",
        "admitted": size,
        "remaining": 0,
        "registration": summary,
        "checked_in_at": result["at"],
        "gate": result["gate"],
        "replayed": bool(result.get("replayed")),
    }
