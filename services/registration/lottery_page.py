"""The public draw page (摇号公示) for people: ``/lottery/<activity id>``.

Before the draw it shows the seed's commitment and the times; after it, the seed, the counts and
the command that checks the draw against the JSON at ``/api/v1/activities/<id>/lottery``.
"""

from __future__ import annotations

from datetime import datetime

from flask import Blueprint, abort, current_app, request

from services.registration import activities
from services.registration.pages import lang, render

bp = Blueprint("lottery_page", __name__)


def local(ts: float) -> str:
    t = datetime.fromtimestamp(ts, activities.TZ)
    return f"{t:%Y-%m-%d %H:%M}" if lang() == "en" else f"{t.year}年{t.month}月{t.day}日 {t:%H:%M}"


def phase(lottery, now: float) -> str:
    if now < lottery.opens_at:
        return "not_open"
    return "open" if now < lottery.closes_at else "closed"


@bp.get("/lottery/<activity_id>")
def draw_page(activity_id: str):
    store = current_app.extensions["sciday.lotteries"]
    lottery = store.settings(activity_id)
    doc = current_app.extensions["sciday.seats"].activity_doc(activity_id)
    if lottery is None or doc is None:
        abort(404)
    d = store.get_draw(activity_id)
    json_url = f"{request.host_url}api/v1/activities/{activity_id}/lottery"
    return render(
        "lottery.html",
        a=doc,
        commitment=store.commitment(activity_id),
        times={k: local(getattr(lottery, k)) for k in ("opens_at", "closes_at", "draw_at")},
        draw=d.public() if d else None,
        phase=phase(lottery, datetime.now().timestamp()),
        json_url=json_url,
        command=f"python scripts/verify_draw.py {json_url}",
        lang_code=lang(),
    )
