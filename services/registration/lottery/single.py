"""A single-session lottery is a group of one (issue 27, docs/lottery.md): every path that opens
an activity's lottery (``POST …/activities/<id>/lottery``, the organizers' form, the demo
catalogue) opens the v2 group ``<id>`` over that one activity, drawn by the rounds engine. A
lottery opened as v1 before the upgrade stays v1 (its times move, its draw, settlement and
verification are v1's). No Flask here: the callers pass the engine."""

from __future__ import annotations

from services.registration import vocabulary as v
from services.registration.lottery import draw as lot
from services.registration.lottery import groups
from services.registration.lottery.group_engine import Engine


def opens_v2(single_v2: bool, lotteries: lot.Lotteries, aid: str) -> bool:
    """Whether opening ``aid``'s lottery opens its group of one: the switch is on and no v1
    lottery was opened for it before (that one keeps working as v1)."""
    return single_v2 and lotteries.state(aid) is None


def set_times(
    eng: Engine, aid: str, *, opens_at: float, closes_at: float, draw_at: float, confirm_hours: int
) -> dict:
    """Open the group of one, or move its times while entries are open. Once entries have closed
    the same times write nothing and other ones are refused with ``lottery_closed`` (as v1's
    form)."""
    meta = eng.groups.meta(aid)
    if meta is not None and meta.get("state") != v.LOT_OPEN:
        was = tuple(int(meta[k]) for k in ("opens_at", "closes_at", "draw_at", "confirm_hours"))
        if was != (int(opens_at), int(closes_at), int(draw_at), int(confirm_hours)):
            raise v.Refusal(v.LOTTERY_CLOSED, group_id=aid)
        return groups.group_info(eng, aid)
    return groups.open_group(
        eng, aid, [aid], opens_at=opens_at, closes_at=closes_at, draw_at=draw_at, confirm_hours=confirm_hours
    )
