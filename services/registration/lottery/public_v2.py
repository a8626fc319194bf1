"""A v2 draw's public JSON, and its check from that JSON alone (the project's own verifier).

The shape (docs/lottery.md, "The public JSON"):
``algorithm``, ``group_id``, ``sessions`` (``activity_id``, ``capacity``), ``max_choices``,
``opens_at``, ``freezes`` (Unix s: when each round's participants and seats were fixed; the first is
the close of entries), ``chain`` (the pinned drand chain), ``beacon_rounds`` (named at opening, one
per round), ``commitment``, ``seed`` (``null`` until the first round is drawn), ``merkle_root``,
``entries`` (in entry-id order), ``receipt_key`` (Ed25519, hex), ``rounds``, ``waitlist``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from services.registration.lottery import beacon as bc
from services.registration.lottery import specification_v2 as v2

OPENED = (
    "group_id",
    "sessions",
    "max_choices",
    "opens_at",
    "freezes",
    "chain",
    "beacon_rounds",
    "commitment",
    "receipt_key",
)


def document(
    opened: Mapping[str, object],
    seed: str | None,
    entries: Sequence[v2.Entry] | None,
    rounds: Sequence[v2.Round],
) -> dict:
    """The public JSON from what was fixed at opening (``OPENED``: ``chain`` is ``Chain.public()``,
    ``sessions`` a list of ``{activity_id, capacity}``; ``weights`` ``{extra, cap}`` when given), the
    seed once revealed, the frozen entries (``None`` before the freeze: no root is published then)
    and the rounds drawn so far."""
    published = None if entries is None else v2.in_order(entries)
    return {
        "algorithm": v2.ALGORITHM,
        **{k: opened[k] for k in OPENED},
        "weights": opened.get("weights"),
        "seed": seed,
        "merkle_root": None if published is None else v2.tree(published).root.hex(),
        "entries": published,
        "rounds": [r.public() for r in rounds],
        "waitlist": v2.waitlist(rounds),
    }


def _entry_problems(doc: Mapping, sessions: set[str]) -> list[str]:
    problems, seen = [], set()
    weights = doc.get("weights") or {}
    most = v2.loss_weight(
        int(weights.get("cap", 0)), int(weights.get("extra", 0)), int(weights.get("cap", 0))
    )
    for e in doc["entries"]:
        eid = e["entry_id"]
        if not v2.ENTRY_ID.fullmatch(str(eid)):
            problems.append(f"entry {eid}: not e + 16 hex digits")
        if weights and int(e["weight"]) > most:
            problems.append(f"entry {eid}: weight above 1 + extra * cap")
        if eid in seen:
            problems.append(f"entry {eid} appears twice")
        seen.add(eid)
        choices = e["choices"]
        if not choices or len(choices) > doc["max_choices"] or len(set(choices)) != len(choices):
            problems.append(
                f"entry {eid}: choices {choices} are not 1..{doc['max_choices']} distinct sessions"
            )
        if not set(choices) <= sessions:
            problems.append(f"entry {eid}: a choice is not a session of the group")
        if int(e["party_size"]) < 1 or int(e["weight"]) < 1:
            problems.append(f"entry {eid}: party size and weight must be at least 1")
    if [e["entry_id"] for e in doc["entries"]] != sorted(seen):
        problems.append("entries are not in entry-id order")
    return problems


def _beacon_problems(doc: Mapping, i: int, rnd: Mapping, chain: bc.Chain, allow_recorded: bool) -> list[str]:
    b, named = rnd["beacon"], doc["beacon_rounds"][i] if i < len(doc["beacon_rounds"]) else None
    if b.get("round") != named:
        return [f"round {i + 1}: beacon round {b.get('round')} is not the round named at opening ({named})"]
    try:
        value = bc.verify(chain, int(b["round"]), str(b["signature"]))
    except bc.BeaconUnverified as exc:
        return [f"round {i + 1}: {exc}"]
    problems = []
    if value.randomness != b.get("randomness"):
        problems.append(f"round {i + 1}: randomness is not SHA-256 of the signature")
    demo = allow_recorded and b.get("source") == "recorded"
    if chain.round_time(value.round) <= float(doc["freezes"][i]) and not demo:
        problems.append(f"round {i + 1}: beacon round {value.round} was published before the round froze")
    return problems


def check(doc: Mapping, *, chain: bc.Chain = bc.QUICKNET, allow_recorded: bool = False) -> list[str]:
    """Every difference between ``doc`` and what its public data imply (empty: the draw checks)."""
    if doc.get("algorithm") != v2.ALGORITHM:
        return [f"not a {v2.ALGORITHM} draw"]
    if not v2.GROUP_ID.fullmatch(str(doc.get("group_id"))):
        return ["the group id is not 1 to 64 letters, digits, - or _"]
    if doc["entries"] is None:
        return [] if not doc["rounds"] else ["rounds were drawn before the entries were frozen"]
    if dict(doc["chain"]) != chain.public():
        return ["the draw's beacon chain is not the pinned chain"]
    sessions = {s["activity_id"]: int(s["capacity"]) for s in doc["sessions"]}
    problems = _entry_problems(doc, set(sessions))
    entries = doc["entries"]
    if v2.tree(entries).root.hex() != doc["merkle_root"]:
        problems.append("the Merkle root does not match the entries")
    if not doc["rounds"]:
        return problems
    if doc["seed"] is None or v2.commitment(doc["seed"]) != doc["commitment"]:
        return [*problems, "the revealed seed does not match the commitment"]
    earlier: list[v2.Round] = []
    for i, rnd in enumerate(doc["rounds"]):
        problems += _beacon_problems(doc, i, rnd, chain, allow_recorded)
        capacities = sessions if i == 0 else {k: int(n) for k, n in rnd["capacities"].items()}
        if i and any(capacities.get(k, 0) > sessions[k] for k in capacities):
            problems.append(f"round {i + 1}: more seats than the session has")
        mine = v2.draw_round(
            group_id=doc["group_id"],
            seed=doc["seed"],
            root=doc["merkle_root"],
            entries=entries,
            earlier=earlier,
            beacon=rnd["beacon"],
            capacities=capacities,
        )
        for name in ("seed", "order", "wins"):
            if getattr(mine, name) != rnd[name]:
                problems.append(f"round {i + 1}: {name} differs from the one recomputed")
        earlier.append(mine)
    if v2.waitlist(earlier) != list(doc["waitlist"]):
        problems.append("the waitlist differs from the one recomputed")
    return problems
