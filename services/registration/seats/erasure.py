"""Erasing a registration's personal data (issue 16): by the registrant, and by the retention sweep.

A registration still ahead is cancelled first (its seat and ticket go); then the atomic step
(erase.lua) erases name, phone, email, members and the manage token, and statistics stay.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from datetime import timedelta

from services.registration import vocabulary as v
from services.registration.access import fair as fair_access
from services.registration.catalogue import activities
from services.registration.ports import Doc, Ports
from services.registration.seats.usecases import own_registration
from shared import events

log = logging.getLogger("sciday.registration")


def erase(ports: Ports, registration_id: str, token: str | None) -> Doc:
    """The registrant erases their data: a registration still ahead is cancelled first (its seat
    and ticket go), then name, phone, email, members and the manage token are erased. Idempotent
    only while the token works: after erasure the token itself is gone (``unknown_registration``).
    """
    reg = own_registration(ports, registration_id, token)
    return erase_registration(ports, reg, events.ERASED_BY_REGISTRANT)


def erase_registration(ports: Ports, reg: Doc, cause: str) -> Doc:
    """Erase one registration; returns what stays: id, activity, status, party size, times."""
    aid, rid, now = reg["activity_id"], reg["registration_id"], ports.clock.now()
    doc = ports.seats.activity_doc(aid)
    ended = doc is not None and activities.parse(doc["ends_at"]) <= now
    if reg["status"] != v.CANCELLED and not ended:
        ports.seats.cancel(aid, rid, now)
    owner = fair_access.owner_ref(ports.secret, reg["phone"]) if ports.secret and reg.get("phone") else ""
    fields = ports.seats.erase(aid, rid, now, cause, owner)
    log.info("registration %s erased (%s, %d fields)", rid, cause, fields)
    kept = ports.seats.get_registration(rid) or {}
    return {k: kept.get(k) for k in ("registration_id", "activity_id", "status", "party_size", "erased_at")}


def erase_expired(ports: Ports, regs_by_activity: Mapping[str, list[Doc]], retention_days: int) -> int:
    """The retention sweep: erase every registration of an activity that ended more than
    ``retention_days`` ago; statistics stay. Returns how many were erased."""
    erased = 0
    for aid, regs in regs_by_activity.items():
        doc = ports.seats.activity_doc(aid)
        if doc is None or not past_retention(ports, doc, retention_days):
            continue
        for reg in regs:
            if not reg.get("erased_at"):
                erase_registration(ports, reg, events.ERASED_BY_RETENTION)
                erased += 1
    return erased


def past_retention(ports: Ports, doc: Doc, retention_days: int) -> bool:
    """Whether the activity ended more than ``retention_days`` days ago."""
    return activities.parse(doc["ends_at"]) + timedelta(days=retention_days) <= ports.clock.now()
