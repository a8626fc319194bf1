"""The checks before the seat, shared by registering and entering a lottery (lottery/entry.py).

The form rules that need the activity, the consent and fair access's preparation of the form,
the two counting rounds (checks.py: the address, then the phone and the IDs, with the no-show
marks read alongside), the no-show lock and the real-name members. Each refuses with
:class:`~services.registration.vocabulary.Refusal`; the seat itself is the atomic step's.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from services.registration import vocabulary as v
from services.registration.access import fair as fair_access
from services.registration.access import realname
from services.registration.noshow import record as noshow
from services.registration.ports import Doc, Ports
from services.registration.privacy import consent
from services.registration.seats.checks import Checked, OneByOne

ORGANIZATION_AUDIENCE = "sci_workers_and_families"  # the audience that must name an employer


def check_form(form: Mapping[str, Any], doc: Doc, party_limit: int | None = None) -> None:
    """The form rules that need the activity (the schema did the rest): ``validation_failed``.
    ``party_limit``: a channel's own limit instead of the activity's max_party_size (a group's)."""
    errors: dict[str, list[str]] = {}
    if doc["audience"] == ORGANIZATION_AUDIENCE and not (form.get("organization") or "").strip():
        errors["organization"] = [v.ORGANIZATION_REQUIRED]
    if form["party_size"] > (party_limit or int(doc["max_party_size"])):
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
