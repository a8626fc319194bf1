"""The lottery's pages for people: the public draw page (摇号公示) ``/lottery/<activity id>``, and
entering from the activity page (``POST /a/<activity id>/entry``).

Before the draw the draw page shows the seed's commitment and the times; after it, the seed, the
counts and the command that checks the draw against the JSON at ``/api/v1/activities/<id>/lottery``.
The activity page of a lottery activity shows the times and the entry form (the registration
form, register.html with lottery_entry_info.html); entering answers with the entry id and the
draw time (lottery_entered.html).
"""

from __future__ import annotations

from datetime import datetime
from urllib.parse import urlencode

from flask import Blueprint, abort, current_app, redirect, request

from services.registration.access import api as api_verification
from services.registration.bootstrap import ports
from services.registration.lottery import api as api_lottery
from services.registration.lottery import draw as lot
from services.registration.lottery import entry as lottery_entry
from services.registration.lottery import group_reads
from services.registration.lottery.info import phase
from services.registration.vocabulary import Refusal
from services.registration.web import pages
from services.registration.web.rendering import lang, local, local_time, render
from shared import csrf

bp = Blueprint("lottery_page", __name__)


@bp.get("/lottery/<activity_id>")
def draw_page(activity_id: str):
    store = current_app.extensions["sciday.lotteries"]
    lottery = store.settings(activity_id)
    doc = current_app.extensions["sciday.seats"].activity_doc(activity_id)
    if lottery is None and doc is not None:  # issue 27: a session of a v2 group has the group's page
        group = group_reads.group_of(activity_id, request.args.get("g"))
        if group is not None:
            # the page's ?lang= (and ?mode=) go along: an English link lands on an English page
            kept = urlencode([(k, v) for k, v in request.args.items(multi=True) if k != "g"])
            return redirect(f"/lottery/g/{group['group_id']}" + (f"?{kept}" if kept else ""), code=303)
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


@bp.post("/a/<activity_id>/entry")
def entry_submit(activity_id: str):
    def enter(loaded: dict):
        out = api_lottery.enter(loaded, activity_id)
        doc = current_app.extensions["sciday.seats"].activity_doc(activity_id)
        return render(
            "lottery_entered.html",
            201,
            a=doc,
            entry_id=out["entry_id"],
            party_size=loaded["party_size"],
            draw_at=local_time(out["draw_at"]),
        )

    return pages.submit(activity_id, enter)


@bp.post("/me/lottery/<activity_id>/<entry_id>/confirm")
def confirm_submit(activity_id: str, entry_id: str):
    """A winner confirms from 我的报名: the verified phone must be the one that entered."""
    from services.registration.web import mine as api_mine

    if api_verification.verified_phone() is None or not csrf.valid():
        return redirect("/login?next=/me", code=303)
    _phone, ref = api_mine.owner()
    store = current_app.extensions["sciday.lotteries"]
    group_win = any(  # issue 27: a group's winner confirms on the session it won
        e.get("group_id") and (e.get("activity_id"), e["entry_id"]) == (activity_id, entry_id)
        for e in api_mine.my_entries(ref)
    )
    if group_win or (activity_id, entry_id) in store.entries_of(ref):
        try:
            lot.confirm(store, activity_id, entry_id, now=datetime.now().timestamp())
            lottery_entry.register_outcomes(ports(), store, activity_id)
        except Refusal:
            pass  # too late, or not a winner: 我的报名 shows the truth
    return redirect("/me", code=303)
