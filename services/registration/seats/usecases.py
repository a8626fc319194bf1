"""The registration service's use cases: plain functions over ports.

register, cancel (a registration), publish / change / cancel an activity, promote the waitlist,
and the reads the pages and the API share (an activity, one's own registration, its ticket).
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
from datetime import timedelta
from typing import Any

from services.registration import vocabulary as v
from services.registration.access import fair as fair_access
from services.registration.access import realname
from services.registration.catalogue import activities
from services.registration.noshow import record as noshow
from services.registration.ports import Counts, Doc, Ports
from services.registration.privacy import consent
from services.registration.seats import registrations
from services.registration.seats.checks import Checked, OneByOne
from shared import events

log = logging.getLogger("sciday.registration")

ORGANIZATION_AUDIENCE = "sci_workers_and_families"  # the audience that must name an employer
REVISION_RETRIES = 5  # a change re-reads and retries when another organizer wrote meanwhile


# -- activities ------------------------------------------------------------------------------
def activity(ports: Ports, activity_id: str) -> tuple[Doc, Counts]:
    """The activity and its counts, or ``unknown_activity``."""
    got = ports.seats.get_activity(activity_id)
    if got is None:
        raise v.Refusal(v.UNKNOWN_ACTIVITY, {"activity_id": activity_id})
    return got


def publish_activity(ports: Ports, doc: Doc, mode: str = v.CREATE) -> Doc:
    """Create an activity (``activity_exists`` if its id is taken); returns its view."""
    ports.seats.put_activity(
        doc,
        mode=mode,
        expected_rev=None,
        event_type=events.ACTIVITY_PUBLISHED,
        event_data={"activity": activities.snapshot(doc)},
        now=ports.clock.now(),
    )
    return activities.view(*activity(ports, doc["id"]))


def change_activity(ports: Ports, activity_id: str, patch: Mapping[str, Any]) -> Doc:
    """Change an activity; a capacity raise promotes the waitlist in the same atomic step."""
    for _attempt in range(REVISION_RETRIES):
        doc, counts = activity(ports, activity_id)
        if doc["status"] == v.ACTIVITY_CANCELLED:
            raise v.Refusal(v.ACTIVITY_CANCELLED_REASON, {"activity_id": activity_id})
        new = activities.merge(doc, dict(patch))
        errors = activities.validate_times(new)
        if errors:
            raise v.Refusal(v.VALIDATION_FAILED, {"errors": errors})
        changed = activities.changed(doc, new)
        if not changed:
            return activities.view(doc, counts)
        if activities.by_lottery(new) != activities.by_lottery(doc):
            ensure_allocation_may_change(ports, activity_id, doc, counts)
        if _write_revision(
            ports,
            new,
            int(counts["rev"]),
            events.ACTIVITY_CHANGED,
            {"activity": activities.snapshot(new), "changed": changed},
        ):
            return activities.view(*activity(ports, activity_id))
    raise v.Refusal(v.REVISION_CONFLICT, {"activity_id": activity_id})


def ensure_allocation_may_change(ports: Ports, activity_id: str, doc: Doc, counts: Counts) -> None:
    """``allocation_locked`` once anything was decided the current way: a registration (or a
    waitlist place) under first come, first served; an opened lottery (its committed seed, its
    entries) under a lottery.  Checked before the write, among organizer actions: a registration
    landing in between keeps its seat, and a draw confirms a winner only into seats still free."""
    if activities.by_lottery(doc):
        if ports.lottery_opened is not None and ports.lottery_opened(activity_id):
            raise v.Refusal(v.ALLOCATION_LOCKED, {"activity_id": activity_id})
    elif int(counts.get("taken", 0)) > 0 or int(counts.get("waitlist_people", 0)) > 0:
        raise v.Refusal(v.ALLOCATION_LOCKED, {"activity_id": activity_id})


def cancel_activity(ports: Ports, activity_id: str, reason: str = "") -> Doc:
    """Cancel an activity (idempotent): every ticket of it is refused at the door from then on."""
    for _attempt in range(REVISION_RETRIES):
        doc, counts = activity(ports, activity_id)
        if doc["status"] == v.ACTIVITY_CANCELLED:
            return activities.view(doc, counts)
        new = dict(doc, status=v.ACTIVITY_CANCELLED, cancel_reason=reason)
        if _write_revision(
            ports,
            new,
            int(counts["rev"]),
            events.ACTIVITY_CANCELLED,
            {"activity": activities.snapshot(new), "reason": reason},
        ):
            return activities.view(*activity(ports, activity_id))
    raise v.Refusal(v.REVISION_CONFLICT, {"activity_id": activity_id})


def _write_revision(ports: Ports, new: Doc, rev: int, event_type: str, data: Doc) -> bool:
    """Write ``new`` over revision ``rev``; False when another writer got there first."""
    try:
        ports.seats.put_activity(
            new,
            mode=v.UPDATE,
            expected_rev=rev,
            event_type=event_type,
            event_data=data,
            now=ports.clock.now(),
        )
    except v.Refusal as exc:
        if exc.reason == v.REVISION_CONFLICT:
            return False
        raise
    return True


def promote(ports: Ports, activity_id: str) -> int:
    """Move waitlisted parties into free seats, first come first served, all or nothing."""
    activity(ports, activity_id)
    return ports.seats.promote(activity_id, ports.clock.now())


# -- registrations ---------------------------------------------------------------------------
def check_form(form: Mapping[str, Any], doc: Doc) -> None:
    """The form rules that need the activity (the schema did the rest): ``validation_failed``."""
    errors: dict[str, list[str]] = {}
    if doc["audience"] == ORGANIZATION_AUDIENCE and not (form.get("organization") or "").strip():
        errors["organization"] = [v.ORGANIZATION_REQUIRED]
    if form["party_size"] > int(doc["max_party_size"]):
        errors["party_size"] = [v.PARTY_OVER_LIMIT]
    if errors:
        raise v.Refusal(v.VALIDATION_FAILED, {"rules": errors})


def prepared_form(
    ports: Ports, form: Mapping[str, Any], doc: Doc, session_phone: str | None
) -> tuple[Mapping[str, Any], fair_access.Prepared | None]:
    """The form with the verified session's phone, and fair access's preparation of it (None when
    fair access is off, where the form must carry a phone).  Shared by registering and entering a
    lottery (lottery_entry.py).  The consent the form carries becomes its proof (consent.py)."""
    given = form.get("consent")
    if given is False or (ports.consent_required and not given):
        raise v.Refusal(v.VALIDATION_FAILED, {"rules": {"consent": [v.CONSENT_REQUIRED]}})
    if ports.fair is None:
        if not form.get("phone"):
            raise v.Refusal(v.PHONE_INVALID, {"rules": {"phone": [v.PHONE_EMPTY]}})
        return consent.recorded(form, ports.clock.now(), doc), None
    prepared = fair_access.prepare(
        form,
        doc,
        session_phone=session_phone,
        secret=ports.secret,
        policy=ports.fair,
        today=ports.clock.now().date(),
        door_key=ports.door_id_key,
    )
    # after prepare: the Idempotency-Key's fingerprint binds ``consent: true``, not its time
    return consent.recorded(dict(form, phone=prepared.phone), ports.clock.now(), doc), prepared


def noshow_holders(ports: Ports, phone: str, id_hashes: list[str]) -> list[str]:
    """Whom a no-show lock is looked up for: the phone, and each member's ID (fair_access's hashes)."""
    return noshow.holders(ports.noshow_pepper, phone, id_hashes)


def count_address(
    ports: Ports, form: Mapping[str, Any], client_address: str, session_ref: str | None = None
) -> Checked:
    """Round one before the seat (checks.py): every attempt counts against its address, verified
    or not; the session is looked up; and a phone the body names has its no-show marks read at
    once (it must be the session's, fair_access.verified, so the read is never for someone else)."""
    phone = form.get("phone")
    early = [] if ports.noshow is None or not phone else noshow_holders(ports, phone, [])
    return (ports.checks or OneByOne(ports)).run(
        limits=[("ip", client_address, ports.ip_per_min, 60)], holders=early, session_ref=session_ref
    )


def count_person(
    ports: Ports,
    form: Mapping[str, Any],
    prepared: fair_access.Prepared | None,
    holders: list[str],
    asked: Checked,
) -> dict[str, list[noshow.Mark]]:
    """Round two, once the phone is known: its limits and the IDs', and the marks of the
    ``holders`` round one did not read. Returns every holder's marks."""
    more = [h for h in holders if h not in asked.marks]
    second = (ports.checks or OneByOne(ports)).run(limits=form_limits(ports, form, prepared), holders=more)
    return {**asked.marks, **second.marks}


def ensure_unlocked(ports: Ports, holders: list[str], marks: dict[str, list[noshow.Mark]]) -> None:
    """``noshow_locked`` if any holder is locked now (no check without a no-show record)."""
    if ports.noshow is not None:
        policy = ports.noshow_policy or noshow.Policy()  # the record without a policy: the defaults
        noshow.ensure_unlocked(marks, holders, now=ports.clock.now().timestamp(), policy=policy)


def verify_members(
    ports: Ports, form: Mapping[str, Any], doc: Doc, prepared: fair_access.Prepared | None
) -> None:
    """Real-name members confirmed by the authority (realname.py), after the limits and the
    no-show lock have counted the attempt and before the seat script: ``id_unverified`` or
    ``realname_unavailable``.  Nothing is asked for an activity that is not real-name."""
    if prepared is None or "members" not in prepared.record:
        return
    flags = realname.check(ports.realname, doc, form.get("members") or [])
    realname.record(prepared.record["members"], flags)


def form_limits(
    ports: Ports, form: Mapping[str, Any], prepared: fair_access.Prepared | None
) -> list[tuple[str, str, int, int]]:
    """The limits counted once the phone is known: fair access's (per phone, per ID), else per phone."""
    return prepared.limits if prepared is not None else [("phone", form["phone"], ports.phone_per_min, 60)]


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
) -> Doc:
    """Register a party (one registrant plus companions) for an activity.

    ``form`` is the validated registration form (name, phone, party_size, email, organization,
    members); ``idem`` the digest of an Idempotency-Key or ""; ``session_phone`` the phone the
    request's verified session stands for (fair access, when ``ports.fair`` is set: the phone is
    the session's, real-name members are checked, and limits count per phone and per ID), or
    ``session_ref`` the session's reference (verification.token_ref), looked up here.
    Returns the registration record as first decided: a retry with the same key returns the
    first outcome, never a second party.

    Before the seat script, two round trips at most (checks.py): the session, the address's
    limit and the marks of the phone the body names; then the verified phone's and the IDs'
    limits and the other holders' marks. The refusals come in the same order as if each were
    asked on its own.
    """
    ports.seats.refuse_from_memory(activity_id, form["party_size"], idem)  # after the last seat
    asked = count_address(ports, form, client_address, session_ref)
    if session_ref is not None:
        session_phone = asked.session_phone
    doc = ports.seats.activity_doc(activity_id)
    if doc is None:
        raise v.Refusal(v.UNKNOWN_ACTIVITY, {"activity_id": activity_id})
    if activities.by_lottery(doc):  # issue 15: entered through the lottery (lottery_entry.py)
        raise v.Refusal(v.LOTTERY_ALLOCATION, {"activity_id": activity_id})
    form, prepared = prepared_form(ports, form, doc, session_phone)
    fair: dict[str, Any] = {}
    if prepared is not None:
        fair = {"fair": prepared.fair, "owner_ref": prepared.owner_ref}
    holders: list[str] = []
    if ports.noshow is not None:  # repeated no-shows lock registration festival-wide
        holders = noshow_holders(ports, form["phone"], prepared.fair["ids"] if prepared else [])
    marks = count_person(ports, form, prepared, holders, asked)
    check_form(form, doc)
    ensure_unlocked(ports, holders, marks)
    verify_members(ports, form, doc, prepared)
    reg = registrations.new_record(
        dict(form), doc, locale, ports.signer, ports.base_url, opens_before_min=ports.checkin_opens_before_min
    )
    if prepared is not None:
        reg.update(prepared.record)
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
        first = ports.seats.get_registration(rid)
        if first is None:  # cannot happen: the atomic step saw it
            raise v.Refusal(v.UNKNOWN_REGISTRATION, {"registration_id": rid})
        return first
    return dict(reg, status=outcome, initial_status=outcome, initial_position=position)


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


# -- personal data (issue 16) ----------------------------------------------------------------
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
