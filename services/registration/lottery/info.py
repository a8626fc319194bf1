"""What the activity page and the draw page show of a lottery: its phase and its times.

Apart from lottery_page.py, so that the registration form (pages.py) reads it without importing
the lottery's pages, which submit through that form (no import cycle).
"""

from __future__ import annotations

from datetime import datetime
from types import SimpleNamespace

from flask import current_app

from services.registration import vocabulary as v
from services.registration.lottery import group_reads, group_view
from services.registration.web.rendering import lang, local


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


def group_entry_info(activity_id: str, asked: str | None) -> dict:
    """The activity page's lottery part when the activity is a session of a v2 lottery group
    (issue 27; ``asked``: the group page's ``?g=``, else the group of one): its state and times,
    the group's sessions for the ranked choices, this session's live demand, where the form posts.
    Otherwise the v1 lottery's (``entry_info``)."""
    got = group_reads.group_of(activity_id, asked)
    if got is None:
        return entry_info(activity_id)
    gid = got["group_id"]
    drawn = got.get("state") == v.LOT_DRAWN
    docs = {s["activity_id"]: group_reads.activity(s["activity_id"]) for s in got["sessions"]}
    rows = group_view.sessions(got, docs)
    return {
        "state": v.LOT_DRAWN if drawn else group_view.phase(got, None, datetime.now().timestamp()),
        "times": {k: local(group_view.ts(got[k])) for k in ("opens_at", "closes_at", "draw_at")},
        "group": {
            **got,
            "sessions": rows,
            "rank_labels": [group_view.rank_label(k, lang()) for k in range(1, int(got["max_choices"]) + 1)],
        },
        "demand": next((r for r in rows if r["activity_id"] == activity_id), None),
        "entry_url": f"/a/{activity_id}/group-entry?g={gid}",
        "page_url": f"/lottery/g/{gid}",
        "next_url": f"/a/{activity_id}?g={gid}",  # back here after verifying the phone
    }
