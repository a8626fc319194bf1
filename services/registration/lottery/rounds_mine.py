"""我的报名's part of a lottery group (issue 27): an entry's outcome in each round.

Beside the entry side's ``groups.my_group_entries`` (which lists the entries of a verified phone):
for one entry, per round of its group, ``won`` with the session, ``lost`` (not drawn, a round to
come), ``waitlisted`` with its place on the group's waitlist (after the last round), or
``pending`` (not drawn yet); and, when seats handed back came to it from the waitlist, the
session it now holds (``seated_from_waitlist``).
"""

from __future__ import annotations

from datetime import UTC, datetime

from services.registration import vocabulary as v
from services.registration.lottery import specification_v2 as v2
from services.registration.lottery.entry import registration_id
from services.registration.lottery.group_rounds_store import GroupRoundsStore
from services.registration.lottery.rounds import due_at, rounds_of


def round_outcomes(store: GroupRoundsStore, gid: str, entry_id: str) -> dict:
    """``{rounds: [{round, at, outcome, activity_id, position}], seated_from_waitlist}``."""
    meta = store.meta(gid) or {}
    drawn = store.rounds(gid)
    waiting = v2.waitlist(drawn)
    out = []
    for n in range(1, rounds_of(meta) + 1 if meta else 1):
        at = due_at(meta, n)
        item = {
            "round": n,
            "at": datetime.fromtimestamp(at, UTC).isoformat() if at else None,
            "outcome": v.PENDING,
            "activity_id": None,
            "position": None,
        }
        if n <= len(drawn):
            item.update(_outcome(drawn[n - 1], entry_id, waiting, last=n == rounds_of(meta)))
        out.append(item)
    handed = dict(store.handed(gid))
    return {"rounds": out, "seated_from_waitlist": handed.get(entry_id)}


def _outcome(r: v2.Round, entry_id: str, waiting: list[str], *, last: bool) -> dict:
    if entry_id in r.wins:
        return {"outcome": v.WON, "activity_id": r.wins[entry_id]}
    if entry_id not in r.order:  # won in an earlier round: not in this one
        return {"outcome": None}
    if last and entry_id in waiting:
        return {"outcome": v.WAITLISTED, "position": waiting.index(entry_id) + 1}
    return {"outcome": v.LOST}


def with_rounds(store: GroupRoundsStore, items: list[dict]) -> list[dict]:
    """``groups.my_group_entries``' items with each round's outcome (``rounds``) and where the
    party stands now: ``won`` with the session it holds (and, while it is to confirm, until when;
    its registration once made) or ``waitlisted`` with its place after the last round."""
    for item in items:
        gid, eid = item["group_id"], item["entry_id"]
        seen = round_outcomes(store, gid, eid)
        item["rounds"] = seen["rounds"]
        session = store.placed_in(gid, [eid])[0]
        last = [r for r in seen["rounds"] if r["outcome"] not in (None, v.PENDING)]
        if session is not None:
            d = store.v1.get_draw(session)
            rid = registration_id(session, eid)
            deadline = d.confirm_by.get(eid) if d is not None and eid not in d.confirmed else None
            item.update(
                outcome=v.WON,
                activity_id=session,
                position=None,
                registration_id=rid if store.v1.registered(session, [rid]) else None,
                confirm_by=datetime.fromtimestamp(deadline, UTC).isoformat() if deadline else None,
            )
        elif last and last[-1]["outcome"] == v.WAITLISTED:
            item.update(outcome=v.WAITLISTED, position=last[-1]["position"])
    return items
