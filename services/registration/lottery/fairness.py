"""A v2 draw's fairness figures, from its public JSON alone (pure; issue 27).

The US DV-2012 visa lottery had to void its results after a bug drew 90% of the winners from the
first 2 of 30 days: fairness figures are published so that anyone can see a skew, not assumed.
From ``public_v2.document``'s JSON this computes win rates with their counts:

* ``by_hour``: by the entries' ``hour`` (the hour of the entry window they entered in);
* ``by_party_size``;
* ``by_round``: each round's participants and winners;
* ``by_rank``: wins at rank ``k`` over the entries that have a ``k``-th choice;
* ``sessions``: per session its seats, the entries listing it (and as first choice), the people
  of those entries, and its winners and the people seated.

A party wins at most once over all rounds (round ``r > 1`` holds only parties that won nothing), so
"won" below is "won in some round". A rate is ``None`` where its denominator is 0.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping


def rate(won: int, of: int) -> float | None:
    return round(won / of, 4) if of else None


def _row(key: str, value: object, entries: int, winners: int) -> dict:
    return {key: value, "entries": entries, "winners": winners, "rate": rate(winners, entries)}


def won_sessions(doc: Mapping) -> dict[str, str]:
    """entry id -> the session it won, over every round drawn so far."""
    return {eid: s for r in doc["rounds"] for eid, s in r["wins"].items()}


def _by(entries: Iterable[Mapping], field: str, won: Mapping[str, str], key: str) -> list[dict]:
    counts: dict[int, list[int]] = {}
    for e in entries:
        c = counts.setdefault(int(e[field]), [0, 0])
        c[0] += 1
        c[1] += e["entry_id"] in won
    return [_row(key, k, n, w) for k, (n, w) in sorted(counts.items())]


def by_round(doc: Mapping) -> list[dict]:
    return [
        {
            "round": r["round"],
            "participants": len(r["order"]),
            "winners": len(r["wins"]),
            "rate": rate(len(r["wins"]), len(r["order"])),
            "seats": sum(int(n) for n in r["capacities"].values()),
        }
        for r in doc["rounds"]
    ]


def by_rank(doc: Mapping, won: Mapping[str, str]) -> list[dict]:
    """Rank ``k`` (1-based): entries with a ``k``-th choice, and those that won that choice."""
    rows = []
    for k in range(1, int(doc["max_choices"]) + 1):
        having = [e for e in doc["entries"] if len(e["choices"]) >= k]
        if not having:
            break
        wins = sum(won.get(e["entry_id"]) == e["choices"][k - 1] for e in having)
        rows.append(_row("rank", k, len(having), wins))
    return rows


def sessions(doc: Mapping, won: Mapping[str, str]) -> list[dict]:
    size = {e["entry_id"]: int(e["party_size"]) for e in doc["entries"]}
    out = []
    for s in doc["sessions"]:
        aid = s["activity_id"]
        listing = [e for e in doc["entries"] if aid in e["choices"]]
        winners = [eid for eid, won_s in won.items() if won_s == aid]
        out.append(
            {
                "activity_id": aid,
                "seats": int(s["capacity"]),
                "entries": len(listing),
                "first_choice": sum(e["choices"][0] == aid for e in listing),
                "people": sum(size[e["entry_id"]] for e in listing),
                "winners": len(winners),
                "people_seated": sum(size[eid] for eid in winners),
                "rate": rate(len(winners), len(listing)),
            }
        )
    return out


def figures(doc: Mapping) -> dict:
    """Every figure of the fairness page, from a v2 public JSON (``public_v2.document``); before
    the freeze its ``entries`` (and ``merkle_root``) are null: no entries yet."""
    doc = {**doc, "entries": doc.get("entries") or [], "rounds": doc.get("rounds") or []}
    won = won_sessions(doc)
    entries = doc["entries"]
    return {
        "group_id": doc["group_id"],
        "opens_at": doc["opens_at"],
        "rounds_drawn": len(doc["rounds"]),
        "entries": len(entries),
        "people": sum(int(e["party_size"]) for e in entries),
        "winners": len(won),
        "rate": rate(len(won), len(entries)),
        "by_hour": _by(entries, "hour", won, "hour"),
        "by_party_size": _by(entries, "party_size", won, "party_size"),
        "by_round": by_round(doc),
        "by_rank": by_rank(doc, won),
        "sessions": sessions(doc, won),
    }
