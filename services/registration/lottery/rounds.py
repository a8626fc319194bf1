"""The draw side of a lottery group (issue 27, ``sciday-lottery-v2``): rounds, drawn once each.

Round ``n`` is drawn at its time (``draw_at``, then ``round2_at``) from the FROZEN entries
(``{p}lotg:frozen:{gid}``), the organizer's seed and the beacon round named at opening, fetched
through the Beacon port and verified against the group's pinned chain: a value that is missing or
does not verify stops the draw (``beacon_unavailable``) and the group stays due. A lease and an NX
write (group_round_begin/finish.lua) make racing schedulers store one round. After each round
``rounds_settle`` settles the wins into registrations and tells each party once.
"""

from __future__ import annotations

import json
import secrets
import time
from collections.abc import Mapping

from services.registration import vocabulary as v
from services.registration.lottery import beacon as bc
from services.registration.lottery import frozen_cache, public_v2
from services.registration.lottery import specification_v2 as v2
from services.registration.lottery.group_rounds_store import GroupRoundsStore
from services.registration.ports import Ports
from services.registration.vocabulary import Refusal


def group_meta(store: GroupRoundsStore, gid: str) -> dict[str, str]:
    meta = store.meta(gid)
    if meta is None:
        raise Refusal(v.UNKNOWN_GROUP, group_id=gid)
    return meta


def rounds_of(meta: Mapping[str, str]) -> int:
    """How many rounds the group has: 2 when it names a second round's time, else 1."""
    return 2 if meta.get("round2_at") else 1


def due_at(meta: Mapping[str, str], n: int) -> float | None:
    at = meta.get("draw_at") if n == 1 else meta.get("round2_at") if n == 2 else None
    return float(at) if at else None


def sessions(meta: Mapping[str, str]) -> list[str]:
    return list(json.loads(meta["sessions"]))


def chain_of(meta: Mapping[str, str]) -> bc.Chain:
    return bc.Chain(**json.loads(meta["chain"])) if meta.get("chain") else bc.QUICKNET


def verified_beacon(beacon: bc.Beacon, meta: Mapping[str, str], n: int) -> dict:
    """Round ``n``'s beacon value as the draw publishes it, verified here again against the group's
    pinned chain whatever the adapter did; ``beacon_unavailable`` when there is none to use."""
    named = int(json.loads(meta["beacon_rounds"])[n - 1])
    chain = chain_of(meta)
    value = beacon.fetch(named)
    if value is None or value.round != named or value.chain_hash != chain.hash:
        raise Refusal(v.BEACON_UNAVAILABLE, round=named)
    try:
        checked = bc.verify(chain, named, value.signature)
    except bc.BeaconUnverified as exc:
        raise Refusal(v.BEACON_UNAVAILABLE, round=named) from exc
    source = getattr(value, "source", None) or getattr(beacon, "source", bc.SOURCE_HTTP)
    return {**checked.public(), "source": source}


def draw_round(
    store: GroupRoundsStore,
    beacon: bc.Beacon,
    gid: str,
    n: int,
    *,
    capacities: Mapping[str, int],
    now: float,
    lease_s: float = 60.0,
    wait_s: float = 0.0,
) -> v2.Round:
    """Draw round ``n`` of ``gid`` exactly once, whatever the number of callers; returns the
    stored round. Refuses ``draw_not_due`` (too early, not frozen, round n-1 not drawn),
    ``beacon_unavailable`` and ``draw_in_progress`` (another caller holds the lease)."""
    stored = store.round(gid, n)
    if stored is not None:
        return stored
    meta = group_meta(store, gid)
    frozen = store.frozen(gid)
    at = due_at(meta, n)
    if frozen is None or at is None or now < at or n > rounds_of(meta):
        raise Refusal(v.DRAW_NOT_DUE)
    value = verified_beacon(beacon, meta, n)  # before the lease: nothing proceeds without it
    token = secrets.token_hex(8)
    state = store.begin_round(gid, n, token, now, lease_s)
    deadline = time.monotonic() + wait_s
    while state == v.BUSY and time.monotonic() < deadline:
        time.sleep(0.02)
        state = store.begin_round(gid, n, token, now, lease_s)
    if state != v.OK:
        return _stored_or_refused(store, gid, n, state)
    earlier = [store.round(gid, i) for i in range(1, n)]
    rnd = v2.draw_round(
        group_id=gid,
        seed=meta["seed"],
        root=meta["merkle_root"],
        entries=frozen,
        earlier=[r for r in earlier if r is not None],
        beacon=value,
        capacities=dict(capacities),
    )
    if store.finish_round(gid, n, token, rnd) == v.LOST_LEASE:
        return draw_round(
            store, beacon, gid, n, capacities=capacities, now=now, lease_s=lease_s, wait_s=lease_s
        )
    return _stored_or_refused(store, gid, n, v.LOT_DRAWN)


def _stored_or_refused(store: GroupRoundsStore, gid: str, n: int, state: str) -> v2.Round:
    stored = store.round(gid, n) if state == v.LOT_DRAWN else None
    if stored is not None:
        return stored
    if state == v.BUSY:
        raise Refusal(v.DRAW_IN_PROGRESS)
    if state == v.TOO_EARLY:
        raise Refusal(v.DRAW_NOT_DUE)
    raise Refusal(v.UNKNOWN_ACTIVITY)


def first_capacities(ports: Ports, meta: Mapping[str, str]) -> dict[str, int]:
    """Round 1 shares each session's capacity, as the activity holds it at the draw."""
    out = {}
    for aid in sessions(meta):
        doc = ports.seats.activity_doc(aid, max_age_s=0)
        out[aid] = int(doc["capacity"]) if doc else 0
    return out


def opened(meta: Mapping[str, str], capacities: Mapping[str, int]) -> dict:
    """What was fixed at opening, as ``public_v2.document`` takes it."""
    return {
        "sessions": [{"activity_id": a, "capacity": int(capacities.get(a, 0))} for a in sessions(meta)],
        "max_choices": int(meta["max_choices"]),
        "opens_at": int(float(meta["opens_at"])),
        "freezes": json.loads(meta.get("freezes") or "[]"),
        "chain": json.loads(meta["chain"]) if meta.get("chain") else bc.QUICKNET.public(),
        "beacon_rounds": json.loads(meta["beacon_rounds"]),
        "commitment": meta["commitment"],
        "receipt_key": meta.get("receipt_key", ""),
        "weights": json.loads(meta["weights"]) if meta.get("weights") else None,
    }


def public_draw(ports: Ports, store: GroupRoundsStore, gid: str) -> dict:
    """The public JSON of docs/lottery.md ("sciday-lottery-v2"): the seed once round 1 is drawn,
    the frozen entries, every round drawn and the waitlist; ``state`` beside it."""
    meta = group_meta(store, gid)

    def build() -> dict:
        drawn = store.rounds(gid)
        caps = drawn[0].capacities if drawn else first_capacities(ports, meta)
        seed = meta["seed"] if drawn else None
        doc = public_v2.document({**opened(meta, caps), "group_id": gid}, seed, store.frozen(gid), drawn)
        doc["state"] = meta.get("state", v.LOT_OPEN)
        doc["rounds_total"] = rounds_of(meta)
        return doc

    if not meta.get("merkle_root") or meta.get("rounds_drawn", "0") == "0":
        return build()  # before round 1 the sessions' capacities are live
    # once a round is drawn, the document changes only with the rounds drawn and the state
    key = (gid, meta.get("commitment"), meta["merkle_root"], meta["rounds_drawn"], meta.get("state"))
    return dict(frozen_cache.DOCS.get(key, build))  # a copy: callers may add fields
