"""The registration service's seat use cases: plain functions over ports.

register, cancel (a registration), drop a member, and the reads the pages and the API share
(one's own registration, its ticket). The activity's use cases are in ``publishing.py``, the
checks before the seat in ``screening.py``, erasing personal data in ``erasure.py``.
Each takes plain values and a :class:`~services.registration.ports.Ports`; each refusal is a
:class:`~services.registration.vocabulary.Refusal` carrying a reason code and details. No
Flask here: the API views, the pages and the CLI call these, and only the HTTP edge
(``edge.py``) turns a reason into a status.

The seat decision itself stays in the atomic step behind ``ports.Seats`` (reserve.lua, cancel.lua,
capacity.lua in production); the checks here are the ones that need the activity document and
give the registrant a field-level answer before the atomic step is asked.
"""

from __future__ import annotations

import logging
import secrets
from collections.abc import Mapping
from typing import Any

from services.registration import vocabulary as v
from services.registration.access import fair as fair_access
from services.registration.catalogue import activities
from services.registration.ports import Doc, Ports
from services.registration.queue.token import check as queue_token_check
from services.registration.seats import accessible, registrations, screening
from services.registration.seats.checks import Checked
from services.registration.seats.publishing import REVISION_RETRIES

log = logging.getLogger("sciday.registration")


# -- registrations ---------------------------------------------------------------------------
def register(
    ports: Ports,
    activity_id: str,
    form: Mapping[str, Any],
    *,
    idem: str = "",
    locale: str = "zh-CN",
    client_address: str = "-",
    session_phone: str | None = None,
    session_ref: str | None = None,
    queue_token: str | None = None,
    channel: str = v.CH_ONLINE,
) -> Doc:
    """Register a party (one registrant plus companions) for an activity.

    ``form`` is the validated registration form (name, phone, party_size, email, organization,
    members); ``idem`` the digest of an Idempotency-Key or ""; ``session_phone`` the phone the
    request's verified session stands for (fair access, when ``ports.fair`` is set: the phone is
    the session's, real-name members are checked, and limits count per phone and per ID), or
    ``session_ref`` the session's reference (verification.token_ref), looked up here.
    Returns the registration record as first decided: a retry with the same key returns the
    first outcome, never a second party. ``channel``: a use case's (issue 29, seats/quota.lua).

    Before the seat script, two round trips at most (checks.py): the session, the address's
    limit and the marks of the phone the body names; then the verified phone's and the IDs'
    limits and the other holders' marks. The refusals come in the same order as if each were
    asked on its own.
    """
    _refuse_from_memory(ports, activity_id, form, idem, channel)  # after the last seat
    asked = screening.count_address(ports, form, client_address, session_ref)
    if session_ref is not None:
        session_phone = asked.session_phone
    doc = _first_come_activity(ports, activity_id)
    form, prepared = screening.prepared_form(ports, form, doc, session_phone)
    if prepared is not None and ports.fair is not None:  # issue 29: 代预约, for the person who goes
        prepared = fair_access.for_someone_else(form, prepared, ports.secret, ports.fair)
    _admitted(ports, doc, form["phone"], queue_token)  # issue 28: the queue's token, the phone's
    _screen_person(ports, form, doc, prepared, asked, channel)
    reg = registrations.new_record(
        dict(form), doc, locale, ports.signer, ports.base_url, opens_before_min=ports.checkin_opens_before_min
    )
    accessible.apply(form, reg, ports.companions_per_wheelchair)  # issue 29: wheelchair places
    reg.update({"channel": channel} if channel != v.CH_ONLINE else {})  # quota.lua's (a group's)
    fair: dict[str, Any] = {}
    if prepared is not None:
        reg.update(prepared.record)
        fair = {"fair": prepared.fair, "owner_ref": prepared.owner_ref}
    outcome, rid, position = ports.seats.reserve(reg, idem, ports.clock.now(), **fair)
    # The phone is logged for support; the logging filter masks it (138****5678).
    log.info(
        "registration %s %s activity=%s party=%d phone=%s",
        rid,
        outcome,
        activity_id,
        form["party_size"],
        form["phone"],
    )
    if outcome == v.REPLAY:
        return first_outcome(ports, rid)
    return dict(reg, status=outcome, initial_status=outcome, initial_position=position)


def _refuse_from_memory(
    ports: Ports, activity_id: str, form: Mapping[str, Any], idem: str, channel: str
) -> None:
    """``sold_out`` from the open booking's memory (soldout.py); a channel's kept seats (a group's,
    issue 29) and a wheelchair place (kept apart) are asked of the script."""
    if channel == v.CH_ONLINE and accessible.wanted(form) == (0, 0):
        ports.seats.refuse_from_memory(activity_id, form["party_size"], idem)


def _first_come_activity(ports: Ports, activity_id: str) -> Doc:
    """The activity's document: ``unknown_activity``, or ``lottery_allocation`` when its seats
    are drawn (issue 15: entered through the lottery, lottery/entry.py)."""
    doc = ports.seats.activity_doc(activity_id)
    if doc is None:
        raise v.Refusal(v.UNKNOWN_ACTIVITY, {"activity_id": activity_id})
    if activities.by_lottery(doc):
        raise v.Refusal(v.LOTTERY_ALLOCATION, {"activity_id": activity_id})
    return doc


def _admitted(ports: Ports, doc: Doc, phone: str, queue_token: str | None) -> None:
    """An activity that opens through its queue takes the phone's admission token (queue/token.py)."""
    ref = fair_access.owner_ref(ports.secret, phone)
    queue_token_check(ports.signer, doc, ref, queue_token, ports.clock.now().timestamp())


def _screen_person(
    ports: Ports,
    form: Mapping[str, Any],
    doc: Doc,
    prepared: fair_access.Prepared | None,
    asked: Checked,
    channel: str = v.CH_ONLINE,
) -> None:
    """Round two of the checks before the seat, in this order: the phone's and the IDs' limits
    (with the no-show marks), the form's rules, the no-show lock, the real-name members."""
    holders: list[str] = []
    if ports.noshow is not None:  # repeated no-shows lock registration festival-wide
        holders = screening.noshow_holders(ports, form["phone"], prepared.fair["ids"] if prepared else [])
    marks = screening.count_person(ports, form, prepared, holders, asked)
    screening.check_form(form, doc, ports.group_size_limit if channel == v.CH_GROUP else None)
    screening.ensure_unlocked(ports, holders, marks)
    screening.verify_members(ports, form, doc, prepared)


def first_outcome(ports: Ports, registration_id: str) -> Doc:
    """The registration a retried Idempotency-Key first made (also the window's, window.py)."""
    first = ports.seats.get_registration(registration_id)
    if first is None:  # cannot happen: the atomic step saw it
        raise v.Refusal(v.UNKNOWN_REGISTRATION, {"registration_id": registration_id})
    return first


def own_registration(ports: Ports, registration_id: str, token: str | None) -> Doc:
    """The registration whose manage token is ``token``: ``unauthorized`` / ``unknown_registration``."""
    if not token:
        raise v.Refusal(v.UNAUTHORIZED)
    reg = ports.seats.get_registration(registration_id) if len(registration_id) <= 32 else None
    if reg is None or not secrets.compare_digest(reg["manage_token"].encode(), token.encode()):
        raise v.Refusal(v.UNKNOWN_REGISTRATION, {"registration_id": registration_id})
    return reg


def registration_view(ports: Ports, reg: Doc) -> Doc:
    """One's own registration as the manage page and the API show it."""
    got = ports.seats.get_activity(reg["activity_id"])
    shown = activities.view(*got) if got else None
    position = (
        ports.seats.waitlist_position(reg["activity_id"], reg["registration_id"])
        if reg["status"] == v.WAITLISTED
        else None
    )
    return registrations.full_view(reg, ports.base_url, position, shown)


def cancel(ports: Ports, registration_id: str, token: str | None) -> Doc:
    """Cancel, or leave the waitlist: frees the seats, revokes the ticket, promotes the waitlist.

    Idempotent: cancelling a cancelled registration changes nothing. Returns the registration.
    """
    reg = own_registration(ports, registration_id, token)
    ports.seats.cancel(reg["activity_id"], registration_id, ports.clock.now())
    if ports.door is not None:  # before the answer: the door refuses the ticket from now on
        ports.door.revoke(reg["activity_id"], registration_id)
    return own_registration(ports, registration_id, token)


def drop_member(ports: Ports, registration_id: str, token: str | None, member: int | None = None) -> Doc:
    """A party gives back one member's seat and keeps the rest (issue 17).

    ``member``: the place (from 0) in a real-name party's ``members``; the registrant (0) stays.
    A party without names drops one companion (``member`` is then ignored). The seat is given
    back in one atomic step with the event and a promotion of the waitlist; the party gets a new
    ticket for its new size, and the door admits no more than that size on either code.
    Refusals: ``party_of_one`` (cancel instead), ``unknown_member``, ``registration_cancelled``.
    """
    for _attempt in range(REVISION_RETRIES):
        reg = own_registration(ports, registration_id, token)
        if reg["status"] == v.CANCELLED:
            raise v.Refusal(v.REGISTRATION_CANCELLED, {"registration_id": registration_id})
        size = int(reg["party_size"])
        if size <= 1:
            raise v.Refusal(v.PARTY_OF_ONE, {"registration_id": registration_id})
        member_at, hash_at = _member_places(reg.get("members") or [], member)
        doc = ports.seats.activity_doc(reg["activity_id"])
        if doc is None:
            raise v.Refusal(v.UNKNOWN_ACTIVITY, {"activity_id": reg["activity_id"]})
        valid_from, valid_until = activities.ticket_window(doc, ports.checkin_opens_before_min)
        code = ports.signer.sign(
            registration_id=registration_id,
            activity_id=reg["activity_id"],
            venue_id=reg["venue_id"],
            party_size=size - 1,
            valid_from=valid_from,
            valid_until=valid_until,
        )
        try:
            ports.seats.drop_member(
                reg["activity_id"],
                registration_id,
                seen=size,
                member_at=member_at,
                hash_at=hash_at,
                code=code,
                now=ports.clock.now(),
            )
        except v.Refusal as exc:
            if exc.reason == v.REVISION_CONFLICT:  # another drop got there first: read again
                continue
            raise
        log.info("registration %s dropped a member: party %d -> %d", registration_id, size, size - 1)
        return own_registration(ports, registration_id, token)
    raise v.Refusal(v.REVISION_CONFLICT, {"registration_id": registration_id})


def _member_places(members: list[Doc], member: int | None) -> tuple[int, int]:
    """(place in ``members``, place in ``id_hashes``), from 1; 0 where there is none.

    ``id_hashes`` lists only the members who gave an ID (a child may not), in member order."""
    if not members:
        return 0, 0
    if member is None or not 1 <= member < len(members):
        raise v.Refusal(v.UNKNOWN_MEMBER, {"member": member})
    hash_at = 0
    if members[member].get("id_masked"):
        hash_at = sum(1 for m in members[: member + 1] if m.get("id_masked"))
    return member + 1, hash_at


def ticket(ports: Ports, registration_id: str, token: str | None) -> Doc:
    """The registration, if it holds a valid ticket: ``no_ticket`` while waitlisted or cancelled."""
    reg = own_registration(ports, registration_id, token)
    if reg["status"] != v.CONFIRMED:
        raise v.Refusal(v.NO_TICKET, {"status": reg["status"]})
    return reg
