"""The HTTP edge's helpers of the v2 lottery groups (issue 27): the engine of the current app,
opening and entering from a request's body. group_api.py (the group endpoints), lottery/api.py
(the per-activity endpoints as the group of one) and web/mine.py (我的报名) use them."""

from __future__ import annotations

from datetime import UTC, datetime

from flask import current_app, request

from services.registration.access import api as api_verification
from services.registration.access import fair as fair_access
from services.registration.bootstrap import ports
from services.registration.lottery import groups, receipts
from services.registration.lottery.group_engine import Engine, Rules
from services.registration.lottery.group_store import GroupStore
from shared.i18n import request_locale
from shared.web import settings_of

EXTENSION = "sciday.lottery_groups"


def owner_ref(phone: str) -> str:
    """The keyed hash of a verified phone (web/mine.py's): whose entries are whose."""
    return fair_access.owner_ref(current_app.extensions["sciday.hmac"], phone)


def install(app, api, settings, blp) -> None:
    """Wire the group store and register the group endpoints' blueprint (the app factory)."""
    app.extensions[EXTENSION] = GroupStore(app.extensions["sciday.redis"], settings)
    api.register_blueprint(blp)


def engine() -> Engine:
    """The group use cases' engine for this app (the ticket key ring signs receipts)."""
    p = ports()
    return Engine(
        p,
        current_app.extensions[EXTENSION],
        current_app.extensions["sciday.lotteries"],
        receipts.of_key_ring(p.signer),
        Rules.from_settings(settings_of()),
    )


def open_from(body: dict, gid: str) -> dict:
    """Open a group from the organizer's body (the group of one too)."""
    hours = body.get("confirm_hours")
    return groups.open_group(
        engine(),
        gid,
        body["activity_ids"],
        opens_at=body["opens_at"].timestamp(),
        closes_at=body["closes_at"].timestamp(),
        draw_at=body["draw_at"].timestamp(),
        confirm_hours=settings_of().lottery_confirm_hours if hours is None else hours,
        rounds=body.get("rounds"),
        name=body.get("name") or "",
    )


def enter(body: dict, gid: str) -> dict:
    """Enter as a person does: verified phone, real-name party, ranked choices."""
    out = groups.enter(
        engine(),
        gid,
        body,
        locale=request_locale(body.get("locale")),
        client_address=request.remote_addr or "-",
        session_phone=api_verification.verified_phone(),
    )
    return dict(out, draw_at=datetime.fromtimestamp(out["draw_at"], UTC).isoformat())
