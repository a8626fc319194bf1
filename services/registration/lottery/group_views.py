"""Reading a v2 lottery group (issue 27): the group as opened, its public information with the
live demand, an entrant's signed receipt, and a verified phone's group entries (我的报名).
groups.py re-exports :func:`group_info` and :func:`my_group_entries`."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

from services.registration import vocabulary as v
from services.registration.catalogue import activities
from services.registration.lottery import receipts
from services.registration.lottery import specification_v2 as v2
from services.registration.lottery.group_engine import Engine
from services.registration.ports import Doc


def opened(eng: Engine, gid: str) -> dict[str, Any]:
    """The group as opened, its JSON fields decoded (``unknown_group``)."""
    meta = eng.groups.meta(gid)
    if meta is None or "commitment" not in meta:
        raise v.Refusal(v.UNKNOWN_GROUP, group_id=gid)
    out: dict[str, Any] = dict(meta)
    for k in ("sessions", "chain", "beacon_rounds", "freezes", "weights"):
        out[k] = json.loads(meta[k])
    for k in ("opens_at", "closes_at", "draw_at"):
        out[k] = int(float(meta[k]))
    out["max_choices"], out["confirm_hours"] = int(meta["max_choices"]), int(meta["confirm_hours"])
    return out


def receipt_of(eng: Engine, gid: str, entry: Mapping[str, Any]) -> dict:
    """The entry's signed receipt (Ed25519 is deterministic: the same receipt every time)."""
    return receipts.signed(
        eng.signer, receipts.receipt(gid, entry["public"], entry["nonce"], entry["entered_at"])
    )


def iso(ts: float) -> str:
    return activities.iso(datetime.fromtimestamp(ts, UTC))


def demand(eng: Engine, gid: str, docs: Sequence[Doc]) -> list[dict]:
    """Each session's live demand: entries and people that ranked it, first choices, seats, and
    entries per seat (``ratio``, null for a session of no seats)."""
    counts, out = eng.groups.demand(gid), []
    for doc in docs:
        aid, seats = doc["id"], int(doc.get("capacity") or 0)
        entries = counts.get(f"{aid}:entries", 0)
        out.append(
            {
                "activity_id": aid,
                "entries": entries,
                "people": counts.get(f"{aid}:people", 0),
                "first": counts.get(f"{aid}:first", 0),
                "seats": seats,
                "ratio": round(entries / seats, 2) if seats else None,
            }
        )
    return out


def group_info(eng: Engine, gid: str) -> Doc:
    """The group's public information: sessions (titles, times, capacity), the times, the state,
    the commitment, the chain and beacon rounds, the freezes, the receipt key, the Merkle root
    once frozen, and the live demand."""
    g = opened(eng, gid)
    docs = [eng.ports.seats.activity_doc(aid) or {"id": aid} for aid in g["sessions"]]
    return {
        "algorithm": v2.ALGORITHM,
        "group_id": gid,
        "name": g.get("name", ""),
        "sessions": [
            {
                "activity_id": d["id"],
                "title": d.get("title"),
                "starts_at": d.get("starts_at"),
                "capacity": int(d.get("capacity") or 0),
            }
            for d in docs
        ],
        "max_choices": g["max_choices"],
        "opens_at": iso(g["opens_at"]),
        "closes_at": iso(g["closes_at"]),
        "draw_at": iso(g["draw_at"]),
        "round2_at": iso(float(g["round2_at"])) if g.get("round2_at") else None,
        "confirm_hours": g["confirm_hours"],
        "state": g["state"],
        "commitment": g["commitment"],
        "chain": g["chain"],
        "beacon_rounds": g["beacon_rounds"],
        "freezes": g["freezes"],
        "weights": g["weights"],
        "receipt_key": g["receipt_key"],
        "merkle_root": g.get("merkle_root") or None,
        "demand": demand(eng, gid, docs),
    }


def my_group_entries(eng: Engine, owner_ref: str) -> list[Doc]:
    """我的报名's group entries of a verified phone: the group, the ranked choices, the party, the
    draw time and the signed receipt (the draw side adds each round's outcome: ``rounds``)."""
    out = []
    for gid, entry_id in eng.groups.entries_of(owner_ref):
        meta, entry = eng.groups.meta(gid), eng.groups.entry(gid, entry_id)
        if meta is None or entry is None:
            continue
        choices = entry["public"]["choices"]
        first = eng.ports.seats.activity_doc(choices[0]) or {}
        out.append(
            {
                "entry_id": entry_id,
                "group_id": gid,
                "group_name": meta.get("name", ""),
                "activity_id": choices[0],
                "title": first.get("title") or {"zh": choices[0], "en": choices[0]},
                "choices": choices,
                "party_size": entry["public"]["party_size"],
                "draw_at": iso(float(meta["draw_at"])),
                "state": meta.get("state"),
                "outcome": None,
                "position": None,
                "registration_id": None,
                "receipt": receipt_of(eng, gid, entry),
                "rounds": [],
            }
        )
    return out
