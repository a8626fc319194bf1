"""The release queue's page (issue 28 item 4): what the activity page shows from the queue's window
on, instead of the form (``queue.html``), and joining from it (``POST /a/<activity id>/queue``).

The page is drawn from the same answer as ``GET /api/v1/activities/<id>/queue/me`` (the status
use case): the place, the people ahead, the estimate (ahead ÷ admissions per minute, said as
"about N minutes"), the turn with its token, sold out. Without script it reloads itself every
``poll_s``; with it, ``static/js/queue.js`` asks the status answer and reloads on a new state.
"""

from __future__ import annotations

import math

from flask import Blueprint, redirect, request
from flask_babel import gettext, ngettext

from services.registration.access import api as api_verification
from services.registration.bootstrap import ports
from services.registration.catalogue import activities
from services.registration.queue import api as queue_api
from services.registration.queue import rules, status_gate
from services.registration.queue import usecases as queue
from services.registration.vocabulary import Q_ADMITTED, Q_CLOSED, Q_NOT_JOINED, Q_QUEUED, Q_WAITING, Refusal
from services.registration.web import mine as api_mine
from services.registration.web.rendering import lang, local, render
from shared import csrf
from shared.masking import mask_phone as masked
from shared.web import settings_of

bp = Blueprint("queue_page", __name__)


def install(app, api, settings) -> None:
    """The queue (its store and API: api.install, its polls answered before Flask: status_gate)
    and this page's routes."""
    queue_api.install(app, api, settings)
    status_gate.install(app)
    app.register_blueprint(bp)


POLLED = (Q_NOT_JOINED, Q_WAITING, Q_QUEUED, Q_ADMITTED)
"""The states whose page keeps asking: a new state reloads it."""


def estimate_text(estimate_s: float) -> str:
    """The honest estimate, rounded up to whole minutes: "about 3 minutes", or under one."""
    minutes = math.ceil(max(estimate_s, 0) / 60)
    if minutes < 1:
        return gettext("Less than a minute")
    return ngettext("About %(num)d minute", "About %(num)d minutes", minutes)


def page_of(status: dict, *, phone: str | None) -> dict:
    """What queue.html shows, from a status answer (usecases.status)."""
    s = settings_of()
    state = status["state"]
    release_at = activities.parse(status["release_at"]).timestamp()
    return {
        "state": state,
        "released": status.get("queue_state") != Q_WAITING,
        "release_local": local(release_at),
        "poll": phone is not None and state in POLLED,
        "poll_s": status.get("poll_s") or s.queue_poll_s,
        "poll_max_s": s.queue_poll_max_s,
        "need_verify": phone is None,
        "verified_phone": masked(phone) if phone else "",
        "rate": status.get("rate_per_min") or s.queue_rate_per_min,
        "token_min": max(1, s.queue_token_s // 60),
        "standby_min": s.standby_opens_before_min,
        "estimate": estimate_text(status.get("estimate_s") or 0),
        **{k: status.get(k) for k in ("position", "ahead", "joined", "token")},
    }


def queue_page(doc: dict, phone: str | None):
    """The queue page for this activity and phone, or None when the form shows instead: no queue,
    not in its window yet, closed, or this phone's turn has come and it follows the button
    (``?queue_token=``; the registration checks the token, queue/token.py)."""
    if not rules.queued(doc):
        return None
    ref = api_mine.owner_ref(phone) if phone else ""
    try:
        status = queue.status(ports(), queue_api.queue(), doc["id"], ref, doc=doc)
    except Refusal:  # queue_not_open: before the window the form says when registration opens
        return None
    if status["state"] == Q_CLOSED or (status["state"] == Q_ADMITTED and request.args.get("queue_token")):
        return None
    return render("queue.html", a=doc, page=page_of(status, phone=phone))


def places(ref: str) -> list[dict]:
    """我的报名's queue places (usecases.mine), each with its release in local time."""
    got = queue.mine(ports(), queue_api.queue(), ref)
    return [q | {"release_local": local(activities.parse(q["release_at"]).timestamp())} for q in got]


@bp.post("/a/<activity_id>/queue")
def join_submit(activity_id: str):
    """Joining from the page: one place per verified phone (a second device gets the same)."""
    phone = api_verification.verified_phone()
    if phone is None:
        return redirect(f"/login?next=/a/{activity_id}", code=303)
    if csrf.valid():
        try:
            queue.join(ports(), queue_api.queue(), activity_id, api_mine.owner_ref(phone))
        except Refusal:
            pass  # not open, closed, sold out: the activity page says which
    suffix = "?lang=en" if lang() == "en" else ""
    return redirect(f"/a/{activity_id}{suffix}", code=303)
