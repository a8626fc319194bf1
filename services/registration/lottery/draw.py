"""The verifiable lottery (摇号): its port and its use cases.

The draw itself is specified as pure functions in ``specification.py`` (docs/lottery.md,
"sciday-lottery-v1"). The use cases (:func:`enter`, :func:`draw`, :func:`confirm`, :func:`expire`)
take plain values and a ``lotteries`` port (Redis: ``store.LotteryStore``) and raise
:class:`shared.refusal.Refusal` with a reason code; only the HTTP edge picks a status.
"""

from __future__ import annotations

import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol, TypeVar

from services.registration import vocabulary as v
from services.registration.lottery.specification import Draw, new_seed, pass_on, run_draw
from services.registration.ports import Doc
from services.registration.vocabulary import Refusal as Refusal  # re-exported

T = TypeVar("T")


# -- the port ---------------------------------------------------------------------------------
@dataclass(frozen=True)
class Lottery:
    """One activity's lottery settings, fixed when it is opened (before entries)."""

    activity_id: str
    capacity: int
    opens_at: float
    closes_at: float
    draw_at: float
    confirm_hours: int = 0
    max_party_size: int = 4


class Lotteries(Protocol):
    def open(self, lottery: Lottery, seed: str) -> str: ...  # returns the commitment
    def settings(self, aid: str) -> Lottery | None: ...
    def commitment(self, aid: str) -> str | None: ...  # None: no lottery opened for the activity
    def state(self, aid: str) -> str | None: ...  # open | drawing | drawn
    def add_entry(
        self, aid: str, entry_id: str, holders: list[str], entry: Doc, now: float, owner_ref: str = ""
    ) -> Doc: ...
    def entry(self, aid: str, entry_id: str) -> Doc | None: ...
    def entries_of(self, owner_ref: str) -> list[tuple[str, str]]: ...  # (aid, entry id) of a phone
    def entries_by_id(self, aid: str, entry_ids: list[str]) -> list[Doc | None]: ...
    def registered(self, aid: str, rids: list[str]) -> set[str]: ...  # which exist already (a hint)
    # Drawn parties as registrations, once each, in order (lottery_register.lua):
    # [(status | "replay", id, position)] for [(registration, wanted status, fair, owner_ref)].
    def register_many(
        self, items: list[tuple[Doc, str, Doc, str]], now: datetime
    ) -> list[tuple[str, str, int]]: ...
    def begin_draw(self, aid: str, token: str, now: float, lease_s: float) -> str: ...
    def seed_and_sizes(self, aid: str) -> tuple[str, dict[str, int]]: ...
    def finish_draw(self, aid: str, token: str, d: Draw) -> str: ...
    def get_draw(self, aid: str) -> Draw | None: ...
    def update_draw(self, aid: str, change: Callable[[Draw], T]) -> T: ...  # change(Draw), atomically
    def publish_outcomes(self, aid: str, start: int, outcomes: list[tuple[str, str, int]]) -> bool: ...
    def promotions_told(self, aid: str) -> int: ...  # how many of the draw's ``promoted`` are told
    def publish_promotions(self, aid: str, start: int, promoted: list[tuple[str, int]]) -> bool: ...
    def due(self, now: float) -> list[str]: ...  # lotteries whose draw time has come, not yet done
    # issue 23: how settlement changed a drawn outcome (lottery_register.lua): "skipped" (a per-ID
    # cap reached since entering), "won" (a waiting party that took skipped seats), or None
    def settled_as(self, aid: str, entry_id: str) -> str | None: ...
    def done(self, aid: str) -> None: ...  # drawn and every entrant told: off the due list


# -- the use cases ----------------------------------------------------------------------------
def open_lottery(lotteries: Lotteries, lottery: Lottery) -> str:
    """Fix the secret seed and return its commitment (publish it before ``opens_at``)."""
    return lotteries.open(lottery, new_seed())


def enter(
    lotteries: Lotteries, aid: str, *, holders: list[str], entry: Doc, now: float, owner_ref: str = ""
) -> str:
    """One entry per verified phone (and per ID where real-name is on): ``holders`` are their keys.

    Returns the new entry id; the window and uniqueness are checked atomically by the port."""
    entry_id = "e" + secrets.token_hex(8)
    out = lotteries.add_entry(aid, entry_id, holders, entry, now, owner_ref)
    if out["status"] != v.OK:
        raise Refusal(out["reason"])  # never the earlier entry (issue 23)
    return entry_id


def draw(lotteries: Lotteries, aid: str, *, now: float, lease_s: float = 60.0, wait_s: float = 0) -> Draw:
    """Draw exactly once, whatever the number of instances calling.

    The first caller takes a lease (which also freezes entries), computes and stores the draw;
    anyone else gets the stored draw, or ``draw_in_progress`` (after waiting up to ``wait_s``).
    A caller that dies leaves a lease that expires; the next caller computes the same draw,
    because the seed and the frozen entries determine it."""
    token = secrets.token_hex(8)
    state = lotteries.begin_draw(aid, token, now, lease_s)
    deadline = time.monotonic() + wait_s
    while state == v.BUSY and time.monotonic() < deadline:
        time.sleep(0.02)
        state = lotteries.begin_draw(aid, token, now, lease_s)
    if state == v.LOT_DRAWN:
        return _stored_draw(lotteries, aid)
    if state != v.OK:
        raise Refusal({v.BUSY: v.DRAW_IN_PROGRESS, v.TOO_EARLY: v.DRAW_NOT_DUE}.get(state, state))
    lottery = _opened(lotteries, aid)
    seed, sizes = lotteries.seed_and_sizes(aid)
    result = run_draw(aid, seed, sizes, lottery.capacity, now=now, confirm_hours=lottery.confirm_hours)
    if lotteries.finish_draw(aid, token, result) == v.LOST_LEASE:
        return draw(lotteries, aid, now=now, lease_s=lease_s, wait_s=max(wait_s, lease_s))
    return _stored_draw(lotteries, aid)


def _opened(lotteries: Lotteries, aid: str) -> Lottery:
    """The settings of the lottery opened for ``aid``, or ``unknown_activity``."""
    lottery = lotteries.settings(aid)
    if lottery is None:
        raise Refusal(v.UNKNOWN_ACTIVITY, activity_id=aid)
    return lottery


def _stored_draw(lotteries: Lotteries, aid: str) -> Draw:
    """The draw stored for ``aid``, or ``unknown_activity``."""
    d = lotteries.get_draw(aid)
    if d is None:
        raise Refusal(v.UNKNOWN_ACTIVITY, activity_id=aid)
    return d


def outcomes(d: Draw) -> list[tuple[str, str, int]]:
    """``(entry id, v.WON | v.WAITLISTED, position)`` for every entrant, in drawn order."""
    won = {e: i for i, e in enumerate(d.winners, 1)}
    wait = {e: i for i, e in enumerate(d.waitlist, 1)}
    return [
        (e, v.WON, won[e]) if e in won else (e, v.WAITLISTED, wait[e])
        for e in d.order
        if e in won or e in wait
    ]


def publish(lotteries: Lotteries, d: Draw, chunk: int = 1000) -> int:
    """Tell every entrant their outcome, once: chunks are emitted only from the port's cursor, so a
    second publisher (or a retry) emits nothing twice.  Returns the number of chunks this call wrote."""
    todo, written = outcomes(d), 0
    for start in range(0, len(todo), chunk):
        written += bool(lotteries.publish_outcomes(d.activity_id, start, todo[start : start + chunk]))
    return written


def publish_promotions(lotteries: Lotteries, d: Draw) -> bool:
    """Tell each entrant promoted after a forfeit (:func:`pass_on`) that they now hold seats (and,
    with confirmation, until when to confirm), once: the port tells from its own cursor over the
    draw's append-only ``promoted`` list, so a racing scheduler tells nobody twice."""
    start = lotteries.promotions_told(d.activity_id)
    todo = [(e, len(d.winners) + i) for i, e in enumerate(d.promoted[start:], start + 1)]
    return bool(todo) and lotteries.publish_promotions(d.activity_id, start, todo)


def draw_due(
    lotteries: Lotteries,
    *,
    now: float,
    lease_s: float = 60.0,
    chunk: int = 1000,
    settle: Callable[[str], bool] | None = None,
) -> list[str]:
    """What the scheduler runs in every instance: draw each lottery whose time has come, make its
    registrations (``settle``: lottery_entry.register_outcomes), tell its entrants, and take it off
    the due list.  Racing instances draw once (the lease), register once (the entry id) and tell
    once (the cursor); a lottery another instance is drawing right now is left for the next round.
    With confirmation, it stays due (winners who let the time pass forfeit) until ``settle`` says
    every seat is settled."""
    finished = []
    for aid in lotteries.due(now):
        try:
            if draw_one(lotteries, aid, now=now, lease_s=lease_s, chunk=chunk, settle=settle):
                finished.append(aid)
        except Refusal as exc:
            if exc.reason != v.DRAW_IN_PROGRESS:
                raise
    return finished


def draw_one(
    lotteries: Lotteries,
    aid: str,
    *,
    now: float,
    lease_s: float = 60.0,
    chunk: int = 1000,
    settle: Callable[[str], bool] | None = None,
) -> bool:
    """The one sequence of a due lottery, for the scheduler and the organizer's "draw now": draw
    (once), let unconfirmed wins pass on, register (``settle``), tell, and take it off the due list
    once settled (True).  ``draw_in_progress`` / ``draw_not_due`` are raised."""
    d = draw(lotteries, aid, now=now, lease_s=lease_s)
    if d.confirm_by:
        expire(lotteries, aid, now=now)
    settled = settle(aid) if settle is not None else True
    publish(lotteries, d, chunk=chunk)
    if d.confirm_by:  # after the outcomes: a promoted entrant heard "waitlisted" first
        publish_promotions(lotteries, lotteries.get_draw(aid) or d)
    if settled:
        lotteries.done(aid)
    return settled


def confirm(lotteries: Lotteries, aid: str, entry_id: str, *, now: float) -> None:
    def change(d: Draw) -> str | None:
        if entry_id not in d.party_sizes:
            return v.UNKNOWN_ENTRY
        if entry_id not in d.seated:
            return v.CONFIRM_EXPIRED if entry_id in d.forfeited else v.NOT_A_WINNER
        if entry_id in d.confirm_by and now > d.confirm_by[entry_id]:
            return v.CONFIRM_EXPIRED
        if entry_id not in d.confirmed:
            d.confirmed.append(entry_id)
        return None

    reason = lotteries.update_draw(aid, change)
    if reason:
        raise Refusal(reason, entry_id=entry_id)


def expire(lotteries: Lotteries, aid: str, *, now: float) -> list[str]:
    """Winners who did not confirm in time forfeit; their seats pass on.  Returns those promoted."""
    hours = _opened(lotteries, aid).confirm_hours

    def change(d: Draw) -> list[str]:
        late = [e for e in d.seated if e not in d.confirmed and e in d.confirm_by and now > d.confirm_by[e]]
        return pass_on(d, late, now=now, confirm_hours=hours) if late else []

    return lotteries.update_draw(aid, change)
