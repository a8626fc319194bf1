"""What the activity page and the draw page show of a lottery: its phase and its times.

Apart from lottery_page.py, so that the registration form (pages.py) reads it without importing
the lottery's pages, which submit through that form (no import cycle).
"""

from __future__ import annotations

from datetime import datetime
from types import SimpleNamespace

from flask import current_app

from services.registration import vocabulary as v
from services.registration.web.rendering import local


def phase(lottery, now: float) -> str:
    if now < lottery.opens_at:
        return v.LOT_NOT_OPEN
    return v.LOT_OPEN if now < lottery.closes_at else v.LOT_CLOSED


def entry_info(activity_id: str) -> dict:
    """What the activity page shows of its lottery: ``state`` (unopened | not_open | open | closed
    | drawn) and the times."""
    store = current_app.extensions["sciday.lotteries"]
    lottery = store.settings(activity_id)
    if lottery is None:
        return group_of_one_info(activity_id)
    drawn = store.get_draw(activity_id) is not None
    return {
        "state": v.LOT_DRAWN if drawn else phase(lottery, datetime.now().timestamp()),
        "times": {k: local(getattr(lottery, k)) for k in ("opens_at", "closes_at", "draw_at")},
    }


def group_of_one_info(activity_id: str) -> dict:
    """The same for a v2 group of one (issue 27: the group ``<activity id>``): open by its times
    until it is frozen, then closed; ``unopened`` without one."""
    from services.registration.lottery.group_edge import EXTENSION

    meta = current_app.extensions[EXTENSION].meta(activity_id)
    if meta is None or "commitment" not in meta:
        return {"state": v.LOT_UNOPENED}
    at = {k: float(meta[k]) for k in ("opens_at", "closes_at", "draw_at")}
    state = phase(SimpleNamespace(**at), datetime.now().timestamp())
    if meta.get("state") != v.LOT_OPEN:
        state = v.LOT_DRAWN if meta.get("state") == v.LOT_DRAWN else v.LOT_CLOSED
    return {"state": state, "times": {k: local(t) for k, t in at.items()}}
