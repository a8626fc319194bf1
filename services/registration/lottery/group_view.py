"""What the pages of a v2 lottery group show, from the engine's public reads (pure; issue 27).

The group page (``/lottery/g/<gid>``) takes ``groups.group_info(gid)`` (opened, live demand, the
Merkle root once frozen) and ``rounds.public_draw(gid)`` (the public JSON of docs/lottery.md); this
module turns them into rows: each session's seats and demand (entries ÷ seats, people ÷ seats),
each round's beacon (which drand round, when it is published, its value once drawn) and figures.
Times stay Unix seconds here; the page formats them in its language.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from services.registration import vocabulary as v
from services.registration.catalogue import activities
from services.registration.lottery import fairness


def ratio(n: float, seats: float) -> float | None:
    return round(n / seats, 2) if seats else None


def _demand_of(info: Mapping, aid: str) -> Mapping:
    """The live demand of one session: ``demand`` as a mapping by activity id, or a list of rows,
    or the session row itself (whichever shape group_info gives)."""
    demand = info.get("demand") or {}
    if isinstance(demand, Mapping):
        return demand.get(aid) or {}
    for row in demand:
        if row.get("activity_id") == aid:
            return row
    return {}


def sessions(info: Mapping, titles: Mapping[str, Mapping | None]) -> list[dict]:
    """Each session with its seats and demand; ``titles`` maps activity id -> its activity document."""
    rows = []
    for s in info.get("sessions") or []:
        aid = s["activity_id"] if isinstance(s, Mapping) else str(s)
        d = {**(s if isinstance(s, Mapping) else {}), **_demand_of(info, aid)}
        seats = int(d.get("seats") or d.get("capacity") or 0)
        entries, people = int(d.get("entries") or 0), int(d.get("people") or 0)
        rows.append(
            {
                "activity_id": aid,
                "activity": titles.get(aid),
                "seats": seats,
                "entries": entries,
                "people": people,
                "first": int(d.get("first") or 0),
                "entries_ratio": ratio(entries, seats),
                "people_ratio": ratio(people, seats),
            }
        )
    return rows


def round_time(chain: Mapping, round_no: int) -> float:
    """When drand round ``round_no`` of ``chain`` (``Chain.public()``) is published."""
    return float(chain["genesis_time"]) + (int(round_no) - 1) * float(chain["period"])


def rounds(info: Mapping, doc: Mapping | None) -> list[dict]:
    """Each round named at opening: its freeze, its beacon round and when that is published, and,
    once drawn, the beacon value and the round's figures."""
    drawn = {r["round"]: r for r in (doc or {}).get("rounds") or []}
    figures = {r["round"]: r for r in fairness.by_round(doc)} if doc else {}
    freezes: Sequence = info.get("freezes") or []
    out = []
    for i, beacon_round in enumerate(info.get("beacon_rounds") or []):
        n = i + 1
        r = drawn.get(n)
        due = info.get("draw_at") if n == 1 else info.get("round2_at") if n == 2 else None
        out.append(
            {
                "round": n,
                "draw_at": ts(due) if due else None,
                "freeze_at": float(freezes[i]) if i < len(freezes) else None,
                "beacon_round": int(beacon_round),
                "beacon_at": round_time(info["chain"], beacon_round) if info.get("chain") else None,
                "done": r is not None,
                "beacon": r["beacon"] if r else None,
                "seed": r["seed"] if r else None,
                "figures": figures.get(n),
            }
        )
    return out


def ts(t) -> float:
    return float(t) if isinstance(t, (int, float)) else activities.parse(t).timestamp()


def phase(info: Mapping, doc: Mapping | None, now: float) -> str:
    """not open | open | closed (no round drawn yet) | drawn (a round is): ``LOT_*``. group_info's
    times are ISO-8601 or Unix seconds."""
    if doc and doc.get("rounds"):
        return v.LOT_DRAWN
    if now < ts(info["opens_at"]):
        return v.LOT_NOT_OPEN
    return v.LOT_OPEN if now < ts(info["closes_at"]) else v.LOT_CLOSED


def rank_label(k: int, lang: str) -> str:
    """第1志愿 / 1st choice."""
    if lang != "en":
        return f"第{k}志愿"
    suffix = "th" if 10 <= k % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(k % 10, "th")
    return f"{k}{suffix} choice"


def choices_from(form: Mapping[str, str], max_choices: int) -> list[str]:
    """The ranked choices of the entry form's selects ``choice_1`` … ``choice_<max>``, empty ranks
    left out; the engine judges them (``choices_invalid``)."""
    picked = (str(form.get(f"choice_{k}") or "").strip() for k in range(1, max_choices + 1))
    return [c for c in picked if c]
