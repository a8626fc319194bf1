"""What the activity page and the draw page show of a lottery: its phase and its times.

Apart from lottery_page.py, so that the registration form (pages.py) reads it without importing
the lottery's pages, which submit through that form (no import cycle).
"""

from __future__ import annotations

from datetime import datetime

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
        return {"state": v.LOT_UNOPENED}
    drawn = store.get_draw(activity_id) is not None
    return {
        "state": v.LOT_DRAWN if drawn else phase(lottery, datetime.now().timestamp()),
        "times": {k: local(getattr(lottery, k)) for k in ("opens_at", "closes_at", "draw_at")},
    }
