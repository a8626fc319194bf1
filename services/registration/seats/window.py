"""Booking at the staffed window and on the phone line (issue 29 item 4, docs/quota.md).

A steward (a token scoped to the activity's venue, as the scanner's are) or an organizer books on
someone's behalf: name, phone (optional: a walk-in without one gets a printed ticket), the party,
and on a real-name activity the box "ID checked by eye" (who checked is recorded, never the ID in
a log).  The registration's ``channel`` is ``window``: reserve.lua takes the window's kept seats
first (quota.lua), else the general seats by the normal rules; when both are gone, ``sold_out``.
The steward's token id (its hash's first characters) is kept with the registration.

What stays as online: the activity's form rules, the consent, the real-name members and their
per-ID limits (fair.lua, in the seat script), the no-show lock, one party per phone.  What a
staff booking skips: the SMS-verified session (the steward saw the person), the rate limits per
address and phone (the token is the staff member's), the release queue and the sold-out memory
(the online crowd's).
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from services.registration import vocabulary as v
from services.registration.access import fair as fair_access
from services.registration.catalogue import activities
from services.registration.ports import Doc, Ports
from services.registration.privacy import consent
from services.registration.seats import registrations, screening, usecases
from services.registration.seats.checks import OneByOne
from shared.errors import FORBIDDEN

log = logging.getLogger("sciday.registration")
TOKEN_ID_CHARS = 12  # the part of a token's SHA-256 kept as its id (never the token itself)


@dataclass(frozen=True)
class Booker:
    """Who books: ``venue`` None for an organizer (every venue)."""

    role: str
    venue: str | None
    name: str
    token_hash: str

    @property
    def token_id(self) -> str:
        return self.token_hash[:TOKEN_ID_CHARS]

    def record(self) -> Doc:
        return {"token_id": self.token_id, "role": self.role, "name": self.name}


def window_activity(ports: Ports, activity_id: str, booker: Booker) -> Doc:
    """The activity a booker may book at: ``unknown_activity``, ``lottery_allocation`` (its seats
    are drawn), ``forbidden`` (a steward of another venue)."""
    doc = ports.seats.activity_doc(activity_id)
    if doc is None:
        raise v.Refusal(v.UNKNOWN_ACTIVITY, {"activity_id": activity_id})
    if booker.venue is not None and booker.venue != doc["venue"]["id"]:
        raise v.Refusal(FORBIDDEN, {"activity_id": activity_id})
    if activities.by_lottery(doc):
        raise v.Refusal(v.LOTTERY_ALLOCATION, {"activity_id": activity_id})
    return doc


def book(
    ports: Ports,
    activity_id: str,
    form: Mapping[str, Any],
    booker: Booker,
    *,
    idem: str = "",
    locale: str = "zh-CN",
) -> Doc:
    """Book a party at the window; returns the record as first decided (a retry with the same
    Idempotency-Key returns the first outcome)."""
    doc = window_activity(ports, activity_id, booker)
    id_checked = bool(form.get("id_checked"))
    if doc.get("real_name") and not id_checked:
        raise v.Refusal(v.VALIDATION_FAILED, {"rules": {"id_checked": [v.ID_CHECK_REQUIRED]}})
    given = {k: val for k, val in form.items() if k != "id_checked"}
    given["phone"] = given.get("phone") or ""
    body, prepared = _prepared(ports, given, doc)
    _screen(ports, body, doc, prepared)
    reg = registrations.new_record(
        dict(body), doc, locale, ports.signer, ports.base_url, opens_before_min=ports.checkin_opens_before_min
    )
    reg.update(channel=v.CH_WINDOW, booked_by=booker.record())
    if id_checked:
        reg["id_checked"] = {"by": booker.token_id, "at": activities.iso(ports.clock.now())}
    fair: dict[str, Any] = {}
    if prepared is not None:
        reg.update(prepared.record)
        fair = {"fair": prepared.fair, "owner_ref": prepared.owner_ref if body["phone"] else ""}
    outcome, rid, position = ports.seats.reserve(reg, idem, ports.clock.now(), **fair)
    log.info(  # no phone, name or ID here: the booker's token id only
        "window registration %s %s activity=%s party=%d by=%s",
        rid,
        outcome,
        activity_id,
        body["party_size"],
        booker.token_id,
    )
    if outcome == v.REPLAY:
        return usecases.first_outcome(ports, rid)
    return dict(reg, status=outcome, initial_status=outcome, initial_position=position)


def _prepared(
    ports: Ports, body: dict[str, Any], doc: Doc
) -> tuple[Mapping[str, Any], fair_access.Prepared | None]:
    """The consent's proof and fair access's preparation, the phone being the one the person gave
    the steward (no SMS session at the window)."""
    if body.get("consent") is False or (ports.consent_required and not body.get("consent")):
        raise v.Refusal(v.VALIDATION_FAILED, {"rules": {"consent": [v.CONSENT_REQUIRED]}})
    if ports.fair is None:
        return consent.recorded(body, ports.clock.now(), doc), None
    prepared = fair_access.prepare(
        body,
        doc,
        session_phone=body["phone"],
        secret=ports.secret,
        policy=ports.fair,
        today=ports.clock.now().date(),
        door_key=ports.door_id_key,
    )
    return consent.recorded(body, ports.clock.now(), doc), prepared


def _screen(ports: Ports, body: Mapping[str, Any], doc: Doc, prepared: fair_access.Prepared | None) -> None:
    """The form's rules, the no-show lock of the phone and the IDs, the real-name members."""
    screening.check_form(body, doc)
    if ports.noshow is not None:  # the holders' marks, one round (checks.py), no rate limit
        ids = prepared.fair["ids"] if prepared else []
        holders = screening.noshow_holders(ports, body["phone"], ids)[0 if body["phone"] else 1 :]
        found = (ports.checks or OneByOne(ports)).run(limits=[], holders=holders)
        screening.ensure_unlocked(ports, holders, found.marks)
    screening.verify_members(ports, body, doc, prepared)
