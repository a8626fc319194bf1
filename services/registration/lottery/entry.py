"""The lottery as a person meets it: entering with the verified phone and a real-name party, and
the draw becoming registrations (issue 15 §1).

Plain functions over the registration :class:`~services.registration.ports.Ports` and the
``lotteries`` port (``lottery_store.LotteryStore``; tests: an in-memory fake), raising
:class:`~services.registration.vocabulary.Refusal`; no Flask here.

- :func:`enter` checks the form as ``usecases.register`` does (fair access: the session's phone,
  real-name members, the per-phone and per-ID rate limits; the no-show lock), then makes one entry
  whose holders are the phone's key and each member's ``id:<hash>``: neither enters twice.
- :func:`register_outcomes` turns the draw into registrations: seated parties confirmed, with
  their members and signed tickets; the rest waitlisted in drawn order, so promotion works as for
  any registration.  With ``confirm_hours`` > 0 a winner becomes a registration once confirmed,
  and the waiting parties once every seat is settled (confirmed; forfeits passed on).  Each
  registration's id is derived from its entry id and written by one atomic script
  (``lottery_register.lua``), so retries, racing schedulers and a rerun after a crash write each
  party once and never oversell.
"""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from services.registration import vocabulary as v
from services.registration.catalogue import activities
from services.registration.lottery import draw as lot
from services.registration.lottery import specification
from services.registration.ports import Doc, Ports
from services.registration.seats import registrations, screening
from services.registration.seats.keys import NO_FAIR
from shared.tickets import RID_BYTES

ENTRY_FIELDS = ("name", "phone", "email", "organization", "party_size", "token", "consent")


def registration_id(aid: str, entry_id: str) -> str:
    """The registration a drawn entry becomes: the same id however often it is written."""
    raw = hashlib.sha256(f"lottery:{aid}:{entry_id}".encode()).digest()[:RID_BYTES]
    return base64.b32encode(raw).decode().lower()


def lottery_of(ports: Ports, lotteries: lot.Lotteries, aid: str) -> tuple[Doc, lot.Lottery | None]:
    """The activity (``unknown_activity`` unless its seats are drawn) and its lottery, once opened."""
    doc = ports.seats.activity_doc(aid)
    if doc is None or not activities.by_lottery(doc):
        raise v.Refusal(v.UNKNOWN_ACTIVITY, {"activity_id": aid})
    return doc, lotteries.settings(aid)


def enter(
    ports: Ports,
    lotteries: lot.Lotteries,
    aid: str,
    form: Mapping[str, Any],
    *,
    locale: str = "zh-CN",
    client_address: str = "-",
    session_phone: str | None = None,
) -> Doc:
    """Enter a whole party, as a registration would be made; returns ``{entry_id, draw_at}``."""
    asked = screening.count_address(ports, form, client_address)  # as registering does
    doc, lottery = lottery_of(ports, lotteries, aid)
    if lottery is None:
        raise v.Refusal(v.LOTTERY_NOT_OPEN, {"activity_id": aid})
    entry, holders = screened(ports, doc, form, asked, session_phone)
    now = ports.clock.now().timestamp()
    entry.update(locale=locale, manage_url=f"{ports.base_url}/me")
    entry_id = lot.enter(lotteries, aid, holders=holders, entry=entry, now=now, owner_ref=entry["owner_ref"])
    return {"entry_id": entry_id, "activity_id": aid, "draw_at": lottery.draw_at}


def screened(
    ports: Ports, doc: Doc, form: Mapping[str, Any], asked: Any, session_phone: str | None
) -> tuple[dict[str, Any], list[str]]:
    """Every check of entering before the entry is written, as registering checks (fair access:
    the session's phone, real-name members, the per-phone and per-ID rate limits; the no-show
    lock), for ``doc``: the entry's fields and its holders (the phone's key and each member's ID).
    v1 entries and v2 group entries (groups.py) both go through it; ``asked`` is
    ``screening.count_address``'s, counted before."""
    entry: dict[str, Any] = {"fair": dict(NO_FAIR), "owner_ref": ""}
    form, prepared = screening.prepared_form(ports, form, doc, session_phone)
    ids: list[str] = []
    if prepared is not None:
        ids = prepared.fair["ids"]
        entry.update(record=prepared.record, fair=prepared.fair, owner_ref=prepared.owner_ref)
    holders = screening.noshow_holders(ports, form["phone"], ids)
    marks = screening.count_person(ports, form, prepared, holders if ports.noshow is not None else [], asked)
    screening.check_form(form, doc)
    screening.ensure_unlocked(ports, holders, marks)  # the same lock as registering
    screening.verify_members(ports, form, doc, prepared)  # the same real-name check (issue 23)
    entry.update({k: form.get(k) for k in ENTRY_FIELDS})
    return entry, holders


def to_register(d: specification.Draw, lottery: lot.Lottery) -> list[tuple[str, str]]:
    """``(entry id, confirmed | waitlisted)`` in drawn order: what the draw makes registrations of
    now.  Without confirmation: every seated party, then every waiting one.  With it: the seated
    parties that confirmed; the waiting ones once no seated party is still to confirm."""
    if not lottery.confirm_hours:
        seated = d.seated
    else:
        seated = [e for e in d.seated if e in d.confirmed]
        if len(seated) < len(d.seated):
            return [(e, v.CONFIRMED) for e in seated]
    return [(e, v.CONFIRMED) for e in seated] + [(e, v.WAITLISTED) for e in d.waiting]


def settle(ports: Ports, lotteries: lot.Lotteries, aid: str) -> bool:
    """The scheduler's step after a draw: write what can be written now; True once every party
    has its registration (nothing is left to confirm)."""
    register_outcomes(ports, lotteries, aid)
    d, lottery = lotteries.get_draw(aid), lotteries.settings(aid)
    return (
        d is not None
        and lottery is not None
        and len(to_register(d, lottery)) == len(d.seated) + len(d.waiting)
    )


def register_outcomes(ports: Ports, lotteries: lot.Lotteries, aid: str, chunk: int = 500) -> dict[str, int]:
    """Write the draw's registrations (idempotent: an entry already registered is a replay), in
    drawn order, ``chunk`` parties per round trip. Returns the counts by outcome of this call."""
    d, lottery = lotteries.get_draw(aid), lotteries.settings(aid)
    doc = ports.seats.activity_doc(aid)
    if d is None or lottery is None or doc is None:
        raise v.Refusal(v.UNKNOWN_ACTIVITY, {"activity_id": aid})
    todo, counts = to_register(d, lottery), dict[str, int]()
    for start in range(0, len(todo), chunk):
        part = todo[start : start + chunk]
        rids = [registration_id(aid, e) for e, _want in part]
        there = lotteries.registered(aid, rids)  # skip the signing for those already written
        if there:
            counts[v.REPLAY] = counts.get(v.REPLAY, 0) + len(there)
        part = [(e, want) for (e, want), rid in zip(part, rids, strict=True) if rid not in there]
        items = []
        for (entry_id, want), entry in zip(
            part, lotteries.entries_by_id(aid, [e for e, _ in part]), strict=True
        ):
            if entry is None:  # cannot happen: entries are frozen at the draw
                raise v.Refusal(v.UNKNOWN_ENTRY, {"entry_id": entry_id})
            rid = registration_id(aid, entry_id)
            reg = registrations.new_record(
                entry,
                doc,
                entry.get("locale", "zh-CN"),
                ports.signer,
                ports.base_url,
                rid=rid,
                opens_before_min=ports.checkin_opens_before_min,
            )
            reg.update(entry.get("record") or {}, lottery_entry_id=entry_id)
            items.append((reg, want, entry.get("fair") or NO_FAIR, entry.get("owner_ref", "")))
        for outcome, _rid, _position in lotteries.register_many(items, ports.clock.now()) if items else []:
            counts[outcome] = counts.get(outcome, 0) + 1
    return counts


def my_entries(ports: Ports, lotteries: lot.Lotteries, owner_ref: str) -> list[Doc]:
    """我的报名's lottery part: each entry of the verified phone, with the draw time and, once
    drawn, its outcome (``won`` / ``waitlisted``, the position) and the registration it became."""
    out = []
    for aid, entry_id in lotteries.entries_of(owner_ref):
        lottery, entry = lotteries.settings(aid), lotteries.entry(aid, entry_id)
        if lottery is None or entry is None:
            continue
        d = lotteries.get_draw(aid)
        doc = ports.seats.activity_doc(aid) or {}
        item: dict[str, Any] = {
            "entry_id": entry_id,
            "activity_id": aid,
            "title": doc.get("title") or {"zh": aid, "en": aid},
            "party_size": entry["party_size"],
            "draw_at": datetime.fromtimestamp(lottery.draw_at, UTC).isoformat(),
            "outcome": None,
            "position": None,
            "registration_id": None,
        }
        if d is not None:
            won = entry_id in d.seated
            line = d.seated if won else d.waiting
            item.update(
                outcome=v.WON if won else v.WAITLISTED,
                position=line.index(entry_id) + 1 if entry_id in line else None,
                confirm_by=(
                    datetime.fromtimestamp(d.confirm_by[entry_id], UTC).isoformat()
                    if entry_id in d.confirm_by and entry_id not in d.confirmed
                    else None
                ),
            )
            settled = lotteries.settled_as(aid, entry_id)  # issue 23: a per-ID cap, or seats taken up
            if settled is not None:
                item.update(outcome=settled, position=None if settled == v.SKIPPED else item["position"])
            rid = registration_id(aid, entry_id)
            if ports.seats.get_registration(rid) is not None:
                item["registration_id"] = rid
        out.append(item)
    return out
