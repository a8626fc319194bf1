"""What an organizer looks up in the no-show record (issue 26): a phone's marks with those of the
IDs it booked, or one ID's marks, each with its activity's title; and the forgiveness log.

A phone or an ID number comes in a POST body and is turned into its keyed hash here, the holder
the record keeps (``phone:<hash>``, ``id:<hash>``); neither number is stored or logged.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Protocol

from services.registration import vocabulary as v
from services.registration.access import fair as fair_access
from services.registration.access import identity
from services.registration.noshow import record as noshow
from services.registration.ports import Doc, Ports


class Log(noshow.Record, Protocol):
    def forgiveness_log(self, count: int) -> list[Doc]: ...  # newest first


def phone_holders(ports: Ports, secret: bytes, phone: str) -> list[str]:
    """The phone's holder, then the ID holders of every member it booked (real-name parties
    carry their marks on their IDs, not on the phone)."""
    regs = ports.seats.registrations_of(fair_access.owner_ref(secret, phone))
    return noshow.holders(ports.noshow_pepper, phone, [h for r in regs for h in r.get("id_hashes") or []])


def id_holder(secret: bytes, id_type: str, id_number: str) -> str:
    """The holder of one ID document (fair access's keyed hash of the normalized number), or
    ``id_invalid`` with the field rule; the number itself goes nowhere."""
    try:
        number = identity.validate(id_type, id_number)
    except identity.IdInvalid as exc:
        field = "id_type" if exc.why == "unknown_type" else "id_number"
        raise v.Refusal(v.ID_INVALID, {"rules": {field: [fair_access.ID_RULES[exc.why]]}}) from None
    return noshow.id_holder(identity.id_hash(secret, id_type, number))


def looked_up(ports: Ports, record: noshow.Record, holders: Iterable[str], *, now: float) -> Doc:
    """The record of these holders (as 我的报名 shows it), each mark with its activity's title and
    whether a phone or an ID carries it."""
    policy = ports.noshow_policy or noshow.Policy()
    out = noshow.record_of(record, holders, now=now, policy=policy)
    titles = _titles(ports, {m["activity_id"] for m in out["marks"]})
    out["marks"] = [
        dict(m, activity_title=titles.get(m["activity_id"]), holder_kind=_kind(m["holder"]))
        for m in out["marks"]
    ]
    return {**out, "marks_to_lock": policy.marks_to_lock, "window_days": policy.window_days}


def forgiveness_log(ports: Ports, record: Log, count: int) -> list[Doc]:
    """The latest forgiveness entries, newest first: which mark (its activity, date and cause),
    who forgave it, when, and why."""
    entries = record.forgiveness_log(count)
    marks = {m.mark_id: m for h in {e["holder"] for e in entries} for m in record.marks(h)}
    titles = _titles(ports, {m.activity_id for m in marks.values()})
    out = []
    for e in entries:
        m = marks.get(e["mark_id"])
        out.append(
            {
                "mark_id": e["mark_id"],
                "by": e["by"],
                "note": e["note"],
                "at": e["at"],
                "holder_kind": _kind(e["holder"]),
                "activity_id": m.activity_id if m else None,
                "activity_title": titles.get(m.activity_id) if m else None,
                "cause": m.cause if m else None,
                "marked_at": m.at if m else None,
            }
        )
    return out


def _kind(holder: str) -> str:
    return holder.split(":", 1)[0]


def _titles(ports: Ports, aids: Iterable[str]) -> dict[str, Doc]:
    titles = {}
    for aid in aids:
        doc = ports.seats.activity_doc(aid, max_age_s=0)
        if doc is not None:
            titles[aid] = doc["title"]
    return titles
