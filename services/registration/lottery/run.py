"""The lottery's use cases as the organizer's views and the scheduler call them: open one for an
activity, draw one now, draw every due one.  Each runs the whole sequence (lottery.draw_one: draw,
pass unconfirmed wins on, register, tell, take off the due list), so no caller strings the steps
together itself."""

from __future__ import annotations

from collections.abc import Callable

from services.registration import vocabulary as v
from services.registration.catalogue import activities
from services.registration.lottery import draw as lot
from services.registration.lottery import entry as lottery_entry
from services.registration.ports import Ports


def open_for(
    ports: Ports,
    lotteries: lot.Lotteries,
    aid: str,
    *,
    opens_at: float,
    closes_at: float,
    draw_at: float,
    confirm_hours: int,
) -> str:
    """Allocate the activity's seats by lottery, with its capacity and party maximum as they are
    now; opening again changes the times, never the committed seed.  Returns the commitment."""
    doc = ports.seats.activity_doc(aid, max_age_s=0)
    if doc is None:
        raise lot.Refusal(v.UNKNOWN_ACTIVITY)
    if not activities.by_lottery(doc):  # entries are only taken where seats are drawn
        raise lot.Refusal(v.VALIDATION_FAILED, rules={"allocation": [v.NOT_BY_LOTTERY]})
    if lotteries.state(aid) is None and ports.lottery_opened is not None and ports.lottery_opened(aid):
        raise lot.Refusal(v.SESSION_TAKEN, activity_id=aid)  # issue 27: a v2 group draws its seats
    lottery = lot.Lottery(
        aid, int(doc["capacity"]), opens_at, closes_at, draw_at, confirm_hours, int(doc["max_party_size"])
    )
    return lot.open_lottery(lotteries, lottery)


def set_times(
    ports: Ports,
    lotteries: lot.Lotteries,
    aid: str,
    *,
    opens_at: float,
    closes_at: float,
    draw_at: float,
    confirm_hours: int,
) -> None:
    """The organizers' form (issue 26): open the lottery, or move its times (and take the
    activity's capacity and party maximum again) while it is open.  Once the draw has begun the
    same times write nothing and other ones are refused with ``lottery_closed``."""
    was = lotteries.settings(aid)
    if was is not None and lotteries.state(aid) != v.LOT_OPEN:
        if (was.opens_at, was.closes_at, was.draw_at, was.confirm_hours) != (
            opens_at, closes_at, draw_at, confirm_hours,
        ):  # fmt: skip
            raise lot.Refusal(v.LOTTERY_CLOSED)
        return
    open_for(
        ports,
        lotteries,
        aid,
        opens_at=opens_at,
        closes_at=closes_at,
        draw_at=draw_at,
        confirm_hours=confirm_hours,
    )


def ensure_drawn_by_lot(allocation: str) -> None:
    """Lottery times are taken only where seats are drawn by lot (before anything is written)."""
    if allocation != v.LOTTERY:
        raise lot.Refusal(v.VALIDATION_FAILED, rules={"allocation": [v.NOT_BY_LOTTERY]})


def _settle(ports: Ports | None, lotteries: lot.Lotteries) -> Callable[[str], bool] | None:
    return None if ports is None else (lambda aid: lottery_entry.settle(ports, lotteries, aid))


def draw_now(
    ports: Ports, lotteries: lot.Lotteries, aid: str, *, now: float, lease_s: float, chunk: int
) -> bool:
    """The organizer's "draw now" (if due): the scheduler's sequence for one lottery."""
    if lotteries.commitment(aid) is None:
        raise lot.Refusal(v.UNKNOWN_ACTIVITY)
    return lot.draw_one(
        lotteries, aid, now=now, lease_s=lease_s, chunk=chunk, settle=_settle(ports, lotteries)
    )


def draw_due(
    ports: Ports | None, lotteries: lot.Lotteries, *, now: float, lease_s: float, chunk: int
) -> list[str]:
    """The scheduler's pass: every due lottery (``ports`` None: drawn and told, not registered)."""
    return lot.draw_due(lotteries, now=now, lease_s=lease_s, chunk=chunk, settle=_settle(ports, lotteries))
