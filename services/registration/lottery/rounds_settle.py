"""After a group's round: its wins become registrations, the waitlist takes seats handed back, and
each party is told once per round (issue 27).

Settling reuses the per-activity machinery: each session gets a per-activity draw of the v1 shape
(``GroupRoundsStore.materialise``; round 1's wins are its ``winners``, later rounds' and the
waitlist's are ``promoted``), so ``entry.settle`` (lottery_register.lua, ids derived from the
entry), ``draw.confirm`` and ``draw.expire`` work on it unchanged. A party holds seats in one
session of the group, ever (group_place.lua). The waitlist is the last round's order, less its
winners: after the last round, seats free in a session (forfeited, handed back) go to the first
waiting parties that listed it and fit.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import UTC, datetime

from services.registration import vocabulary as v
from services.registration.lottery import draw as lot
from services.registration.lottery import entry as lottery_entry
from services.registration.lottery import specification_v2 as v2
from services.registration.lottery.group_rounds_store import GroupRoundsStore
from services.registration.lottery.recorded_beacon import beacon_of
from services.registration.lottery.rounds import (
    draw_round,
    due_at,
    first_capacities,
    group_meta,
    public_draw,
    rounds_of,
    sessions,
)
from services.registration.lottery.specification import Draw
from services.registration.ports import Ports
from services.registration.vocabulary import Refusal

WAITLIST = "wl"  # the "round" in which seats handed back are told


def step(ports: Ports, store: GroupRoundsStore, gid: str, *, now: float, lease_s: float = 60.0,
         chunk: int = 1000, strict: bool = False) -> bool:  # fmt: skip
    """One pass of a due group: draw the rounds whose time has come, settle, tell. True once
    nothing is left to do. A missing beacon value leaves it due (``strict``: refused)."""
    meta = group_meta(store, gid)
    if not store.is_frozen(gid):
        if strict:
            raise Refusal(v.DRAW_NOT_DUE)
        return False  # the entry side freezes it first
    drawn = store.rounds(gid)
    try:
        drawn += _draw_due_rounds(ports, store, gid, meta, drawn, now=now, lease_s=lease_s)
    except Refusal as exc:
        if strict and (not drawn or exc.reason == v.BEACON_UNAVAILABLE):
            raise
        if exc.reason not in (v.BEACON_UNAVAILABLE, v.DRAW_IN_PROGRESS):
            raise
    if not drawn:
        if strict:
            raise Refusal(v.DRAW_NOT_DUE)
        return False
    settled = settle(ports, store, gid, drawn, now=now)
    tell(store, gid, drawn, meta, chunk=chunk, now=now)
    if len(drawn) < rounds_of(meta):
        store.set_due(gid, due_at(meta, len(drawn) + 1))
        return False
    return settled


def _draw_due_rounds(ports, store, gid, meta, drawn, *, now, lease_s) -> list[v2.Round]:
    new: list[v2.Round] = []
    for n in range(len(drawn) + 1, rounds_of(meta) + 1):
        at = due_at(meta, n)
        if at is None or now < at:
            break
        if n == 1:
            caps = first_capacities(ports, meta)
        else:
            settle(ports, store, gid, [*drawn, *new], now=now)  # forfeits first: their seats are free
            caps = free_seats(store, gid, meta, [*drawn, *new][0])
        new.append(draw_round(store, beacon_of(ports), gid, n, capacities=caps, now=now, lease_s=lease_s))
    return new


def free_seats(store: GroupRoundsStore, gid: str, meta: Mapping[str, str], first: v2.Round) -> dict[str, int]:
    """Each session's seats no party holds: its round-1 seats less those registered and those
    won but not yet registered (a winner still to confirm; not one settlement skipped for the
    per-ID cap, whose seats are free for the waitlist as in v1)."""
    out = {}
    for aid in sessions(meta):
        d = store.v1.get_draw(aid)
        pending = 0
        if d is not None:
            rids = {e: lottery_entry.registration_id(aid, e) for e in d.seated}
            there = store.v1.registered(aid, list(rids.values()))
            pending = sum(
                d.party_sizes[e]
                for e, rid in rids.items()
                if rid not in there and store.v1.settled_as(aid, e) != v.SKIPPED
            )
        out[aid] = max(0, int(first.capacities.get(aid, 0)) - store.held(aid) - pending)
    return out


def _session(ports: Ports, meta: Mapping[str, str], aid: str, capacity: int) -> lot.Lottery:
    doc = ports.seats.activity_doc(aid) or {}
    return lot.Lottery(
        aid,
        capacity,
        float(meta["opens_at"]),
        float(meta["closes_at"]),
        float(meta["draw_at"]),
        int(meta.get("confirm_hours") or 0),
        int(doc.get("max_party_size") or 4),
    )


def seat(ports, store, gid, meta, first: v2.Round, aid: str, eids: Sequence[str], *, now: float,
         kind: str = "later") -> list[str]:  # fmt: skip
    """Parties take seats in session ``aid``, each once ever (``kind``: "first" for round 1's
    winners, "later" for later rounds', "handed" from the waitlist): the session's per-activity
    draw holds them (round 1's as winners, the rest as promoted), with a deadline to confirm when
    the group has one. Returns those seated here (now or before)."""
    for e in eids:
        store.place(gid, e, aid, kind == "handed")
    mine = [e for e, at in zip(eids, store.placed_in(gid, list(eids)), strict=True) if at == aid]
    records = {e: r for e, r in zip(mine, store.entries(gid, mine), strict=True) if r is not None}
    hours = int(meta.get("confirm_hours") or 0)
    deadline = {e: now + hours * 3600 for e in mine} if hours else {}
    sizes = {e: int(records[e]["public"]["party_size"]) for e in records}
    won = list(records) if kind == "first" else []
    base = Draw(aid, first.seed, meta["commitment"], int(first.capacities.get(aid, 0)),
                {e: sizes[e] for e in won}, won, won, [], now, {e: deadline[e] for e in won if e in deadline})  # fmt: skip
    store.materialise(_session(ports, meta, aid, base.capacity), gid, meta["commitment"], records, base)

    def add(d: Draw) -> None:
        for e in records:
            if e not in d.party_sizes:
                d.party_sizes[e], d.order, d.promoted = sizes[e], [*d.order, e], [*d.promoted, e]
                if e in deadline:
                    d.confirm_by[e] = deadline[e]

    if kind != "first":
        store.v1.update_draw(aid, add)
    return mine


def settle(ports: Ports, store: GroupRoundsStore, gid: str, drawn: Sequence[v2.Round], *, now: float) -> bool:
    """Write every drawn round's wins into its sessions, let late winners forfeit, make the
    registrations, and after the last round hand free seats to the waitlist. True once settled."""
    meta = group_meta(store, gid)
    first = drawn[0]
    for r in drawn:
        if store.materialised(gid, r.round_no):
            continue  # a later pass: its wins are in their sessions already
        for aid in sessions(meta):
            won = [e for e in r.order if r.wins.get(e) == aid]
            seat(ports, store, gid, meta, first, aid, won, now=now, kind="first" if r is first else "later")
        store.materialised(gid, r.round_no, done=True)
    if len(drawn) == rounds_of(meta):
        hand_on(ports, store, gid, meta, drawn, now=now)
        lost = v2.waitlist(drawn)  # the rounds left them with nothing: a heavier weight next time
        store.count_losses(gid, [str((e or {}).get("owner_ref") or "") for e in store.entries(gid, lost)])
    settled = True
    for aid in sessions(meta):
        if int(meta.get("confirm_hours") or 0):
            lot.expire(store.v1, aid, now=now)
        settled = lottery_entry.settle(ports, store.v1, aid) and settled
    return settled


def hand_on(ports, store, gid, meta, drawn: Sequence[v2.Round], *, now: float) -> list[str]:
    """Seats free in a session go to the waitlist, in the last round's order: the first waiting
    parties that listed the session and fit, each seated once."""
    for aid in sessions(meta):
        if int(meta.get("confirm_hours") or 0) and store.v1.get_draw(aid) is not None:
            lot.expire(store.v1, aid, now=now)
    free = free_seats(store, gid, meta, drawn[0])
    placed, by_id = store.placed(gid), {str(e["entry_id"]): e for e in store.frozen(gid) or []}
    out = []
    for eid in v2.waitlist(drawn):
        e = by_id.get(eid)
        if e is None or eid in placed:
            continue
        size = int(e["party_size"])
        room = next((a for a in e["choices"] if free.get(a, 0) >= size), None)
        if room is not None and seat(ports, store, gid, meta, drawn[0], room, [eid], now=now, kind="handed"):
            free[room] -= size
            out.append(eid)
    return out


def outcomes(r: v2.Round, waiting: Sequence[str], last: bool) -> list[tuple[str, str, str, int]]:
    """Round ``r``'s outcome per party, in drawn order: won (the session, its place among the
    winners) or not (its first choice; in the last round its place on the waitlist)."""
    out, won, lost = [], 0, 0
    place = {e: i for i, e in enumerate(waiting, 1)}
    for eid in r.order:
        if eid in r.wins:
            won += 1
            out.append((eid, v.WON, r.wins[eid], won))
        else:
            lost += 1
            out.append((eid, v.WAITLISTED, "", place.get(eid, lost) if last else lost))
    return out


def tell(
    store: GroupRoundsStore, gid: str, drawn: Sequence[v2.Round], meta, *, chunk: int, now: float
) -> None:
    """Each party once per round (and once more when seated from the waitlist), from cursors."""
    frozen = {str(e["entry_id"]): e for e in store.frozen(gid) or []}
    ctx = {
        "occurred_at": datetime.fromtimestamp(now, UTC).isoformat(),
        "rounds": rounds_of(meta),
        "confirm_hours": int(meta.get("confirm_hours") or 0),
    }
    waiting = v2.waitlist(drawn)
    batches = [(str(r.round_no), outcomes(r, waiting, r.round_no == rounds_of(meta))) for r in drawn]
    batches.append((WAITLIST, [(e, v.WON, a, i) for i, (e, a) in enumerate(store.handed(gid), 1)]))
    for n, todo in batches:
        todo = [(e, o, a or frozen[e]["choices"][0], p) for e, o, a, p in todo]
        for start in range(store.told(gid, n), len(todo), chunk):
            store.tell(gid, n, start, todo[start : start + chunk], **ctx)


def draw_due_groups(
    ports: Ports, store: GroupRoundsStore, *, now: float, lease_s: float, chunk: int, handback_s: float = 60
) -> list[str]:
    """The scheduler's pass over groups: each due one stepped. A settled group comes back every
    ``handback_s`` for seats handed back (its waitlist) until its first session starts."""
    done = []
    for gid in store.due(now):
        try:
            settled = step(ports, store, gid, now=now, lease_s=lease_s, chunk=chunk)
        except Refusal:  # e.g. a group erased meanwhile: the others still go ahead
            continue
        if settled:
            keep_for_handbacks(ports, store, gid, now=now, every_s=handback_s)
            done.append(gid)
    return done


def keep_for_handbacks(
    ports: Ports, store: GroupRoundsStore, gid: str, *, now: float, every_s: float
) -> None:
    """Settled: due again in ``every_s`` while its first session has not started, else done."""
    starts = []
    for aid in sessions(group_meta(store, gid)):
        doc = ports.seats.activity_doc(aid) or {}
        if doc.get("starts_at"):
            starts.append(datetime.fromisoformat(str(doc["starts_at"])).timestamp())
    store.set_due(gid, now + every_s if starts and now + every_s < min(starts) else None)


def manual_draw(
    ports: Ports, store: GroupRoundsStore, gid: str, *, now: float, lease_s: float, handback_s: float = 60
) -> dict:
    """The organizer's "draw now": the scheduler's step for one group, refused with
    ``beacon_unavailable`` when the named round cannot be fetched and verified."""
    if step(ports, store, gid, now=now, lease_s=lease_s, strict=True):
        keep_for_handbacks(ports, store, gid, now=now, every_s=handback_s)
    return public_draw(ports, store, gid)
