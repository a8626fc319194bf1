"""Door verdicts: POST /api/v1/checkins and undo."""

from __future__ import annotations

from flask import current_app, g
from flask.views import MethodView
from flask_smorest import Blueprint

from services.checkin import admission
from services.checkin.schemas import CheckinIn, CheckinOut, UndoOut
from shared.auth import require
from shared.errors import ApiError
from shared.tickets import InvalidTicket
from shared.web import settings_of

blp = Blueprint(
    "checkins",
    __name__,
    url_prefix="/api/v1/checkins",
    description="Reason codes: invalid (400), revoked, already_checked_in, seat_released, wrong_venue, "
    "invalid_time, activity_cancelled (409), unauthorized (401), forbidden (403), rate_limited (429), "
    "unknown_checkin (404), already_reverted (409).",
)


def refuse(reason: str, detail: dict | None = None, extra_zh: str = "") -> ApiError:
    status, zh, en = admission.REFUSALS[reason]
    return ApiError(reason, f"{zh}{extra_zh} / {en}", status_code=status, extra={"detail": detail or {}})


def store():
    return current_app.extensions["sciday.checkins"]


@blp.route("")
class Checkins(MethodView):
    @require("steward", "supervisor", "organizer")
    @blp.arguments(CheckinIn())  # one instance, not one per request (hot path)
    @blp.response(201, CheckinOut())
    @blp.alt_response(400, schema="Error", description="invalid")
    @blp.alt_response(
        409,
        schema="Error",
        description="revoked | already_checked_in | seat_released | wrong_venue | invalid_time "
        "| activity_cancelled",
    )
    def post(self, body):
        """Scan a ticket at a gate. One atomic step: two gates never admit the same people twice."""
        settings, principal = settings_of(), g.principal
        current_app.extensions["sciday.ratelimit"].check(
            [("token", principal.token_hash, settings.rate_limit_token_per_min, 60)]
        )
        gate, staff = body["gate"], principal.name
        try:
            ticket = current_app.extensions["sciday.keyring"].verify(body["code"])
        except InvalidTicket:
            store().record_denial("", "", gate, staff, "invalid")
            raise refuse("invalid")
        aid, rid = ticket.activity_id, ticket.registration_id
        if not principal.may_access_venue(ticket.venue_id):
            store().record_denial(aid, rid, gate, staff, "wrong_venue")
            raise refuse("wrong_venue", {"ticket_venue": ticket.venue_id})
        activity, reg = store().projection.activity_and_registration(aid, rid)
        if activity and activity["status"] == "cancelled":
            store().record_denial(aid, rid, gate, staff, "activity_cancelled")
            raise refuse("activity_cancelled")
        now = admission.now()
        at = body["scanned_at"] or now
        opens, closes = admission.window(activity, ticket)
        side = admission.judge_time(at, opens, closes)
        if side:
            store().record_denial(aid, rid, gate, staff, "invalid_time")
            raise refuse(
                "invalid_time",
                {"side": side, "opens_at": opens, "closes_at": closes},
                "（未到入场时间）" if side == "too_early" else "（入场已结束）",
            )
        result = store().admit(
            ticket=ticket,
            admit=body["admit"] or 0,
            gate=gate,
            at_iso=at.isoformat(),
            bucket=admission.bucket(at),
            nonce=body["nonce"] or "",
            staff=staff,
            occurred_at=now.isoformat(),
        )
        summary = {
            "id": rid,
            "activity_id": aid,
            "activity_title": (activity or {}).get("title", {}),
            "name_masked": admission.mask_name(reg["name"]) if reg else "",
            "party_size": ticket.party_size,
            "admitted_total": result.get("admitted_total", 0),
        }
        if result["status"] == "denied":
            if result["reason"] == "already_checked_in":
                first = f" {admission.local_hm(result['first_at'])} {result['first_gate']}"
                raise refuse(
                    "already_checked_in",
                    {
                        "first_checked_in_at": result["first_at"],
                        "first_gate": result["first_gate"],
                        "registration": summary,
                    },
                    first,
                )
            raise refuse(result["reason"], {"registration": summary})
        if reg is None:
            store().note_unseen(aid, rid)
        return {
            "status": "ok",
            "checkin_id": result["checkin_id"],
            "admitted": result["admitted"],
            "remaining": result["remaining"],
            "registration": summary,
            "checked_in_at": result["at"],
            "gate": result["gate"],
            "replayed": bool(result.get("replayed")),
        }


@blp.route("/<checkin_id>/undo")
class Undo(MethodView):
    @require("supervisor", "organizer")
    @blp.response(200, UndoOut)
    @blp.alt_response(404, schema="Error", description="unknown_checkin")
    @blp.alt_response(409, schema="Error", description="already_reverted")
    def post(self, checkin_id):
        """Take back a mistaken check-in (supervisors of the venue, organizers)."""
        found = store().checkin(checkin_id) if len(checkin_id) <= 64 else None
        if found is None:
            raise refuse("unknown_checkin")
        aid, record = found
        if not g.principal.may_access_venue(record.get("venue_id", "")):
            raise ApiError(
                "forbidden", "此令牌不属于该场馆 / This token is for another venue.", status_code=403
            )
        result = store().undo(aid, checkin_id, g.principal.name, admission.now().isoformat())
        if result["status"] == "denied":
            raise refuse(result["reason"])
        return {
            "status": "ok",
            "checkin_id": checkin_id,
            "reverted": result["reverted"],
            "admitted_total": result["admitted_total"],
            "registration_id": result["registration_id"],
        }
