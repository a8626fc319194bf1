"""Live attendance per activity and gate, and the state a scanner keeps for offline use."""

from __future__ import annotations

from flask import current_app, g
from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import Schema, fields

from services.checkin import vocabulary as V
from services.checkin.attendance import festival
from services.checkin.door import admission, usecases
from services.checkin.door import cards as door_cards
from services.checkin.web.edge import staff, store
from services.checkin.web.scanner_schemas import ScannerStateOut
from services.checkin.web.schemas import AttendanceOut, GateQuery
from shared.auth import require
from shared.web import settings_of

blp = Blueprint(
    "attendance",
    __name__,
    url_prefix="/api/v1",
    description=V.describe(V.UNKNOWN_ACTIVITY, V.UNAUTHORIZED, V.FORBIDDEN, V.GATE_NOT_ALLOWED),
)


def attendance_of(aid: str) -> dict:
    activity = usecases.visible_activity(aid, staff(), activities=store().projection)
    figures, a = festival.row(aid, activity)
    return {
        **figures,
        "unseen_tickets": a["unseen_tickets"],
        "undone": a["undone"],  # issue 26: people whose admission a supervisor undid
        "gates": [{"gate": k, "checked_in": v} for k, v in sorted(a["gates"].items())],
        "arrivals": [{"at": festival.iso(b), "people": n} for b, n in a["arrivals"]],
    }


@blp.route("/activities/<activity_id>/attendance")
class Attendance(MethodView):
    @require("steward", "supervisor", "organizer")
    @blp.response(200, AttendanceOut)
    @blp.alt_response(V.http_status(V.UNKNOWN_ACTIVITY), schema="Error", description=V.UNKNOWN_ACTIVITY)
    def get(self, activity_id):
        """Capacity, confirmed, waitlisted, checked in and remaining; per gate; arrivals per 5 minutes."""
        return attendance_of(activity_id)


class AdmissionsOut(Schema):
    activity_id = fields.String()
    admitted = fields.Dict(
        keys=fields.String(),
        values=fields.Integer(),
        metadata={"description": "registration id -> people admitted so far (undone check-ins taken off)"},
    )


@blp.route("/activities/<activity_id>/admissions")
class Admissions(MethodView):
    @require("steward", "supervisor", "organizer")
    @blp.response(200, AdmissionsOut)
    @blp.alt_response(V.http_status(V.UNKNOWN_ACTIVITY), schema="Error", description=V.UNKNOWN_ACTIVITY)
    @blp.alt_response(V.http_status(V.FORBIDDEN), schema="Error", description=V.FORBIDDEN)
    def get(self, activity_id):
        """People admitted per registration (the registrations export's admitted column)."""
        usecases.visible_activity(activity_id, staff(), activities=store().projection)
        raw = store().redis.hgetall(store().k("adm", activity_id))
        admitted = {_s(k): int(v) for k, v in raw.items() if int(v) > 0}
        return {"activity_id": activity_id, "admitted": admitted}


# Activities of other venues are listed for a day after their end (the scanner names them offline).
ELSEWHERE_KEEP_S = 86400


def _s(value) -> str:
    return value.decode("utf-8") if isinstance(value, bytes) else str(value)


@blp.route("/scanner/state")
class ScannerState(MethodView):
    @require("steward", "supervisor", "organizer")
    @blp.arguments(GateQuery, location="query")
    @blp.response(200, ScannerStateOut)
    def get(self, query):
        """What a scanner needs to judge tickets offline: public keys, this venue's activities with their
        check-in windows, and the revoked registration ids."""
        proj, principal, now = store().projection, g.principal, admission.now()
        opens_before = settings_of().checkin_opens_before_min
        cards = current_app.extensions["sciday.door_cards"]
        if query.get("gate"):  # issue 23: a device bound to its gates signs in at those only
            usecases.check_gate(staff(), query["gate"])
        acts, elsewhere, gate_total = [], [], 0
        for aid in proj.activity_ids():
            doc = proj.activity(aid)
            if doc is None:
                continue
            opens, closes = admission.window(doc, None, opens_before)
            venue = doc["venue"]
            if not principal.may_access_venue(venue["id"]):
                # Named offline when its ticket is scanned here (moved away, or the wrong venue).
                if closes >= now.timestamp() - ELSEWHERE_KEEP_S:
                    elsewhere.append(_named(aid, doc))
                continue
            acts.append(_judged_offline(aid, doc, opens, closes, proj, cards))
            if query.get("gate"):
                gate_total += int(
                    current_app.extensions["sciday.redis"].hget(store().k("gates", aid), query["gate"]) or 0
                )
        gate = query.get("gate")
        return {
            "venue": principal.venue,
            "role": principal.role,  # the page offers undo to supervisors (issue 17)
            "keys": current_app.extensions["sciday.keyring"].public_list(),
            "activities": acts,
            "elsewhere": elsewhere,
            "gate_activities": store().gate_activities(principal.venue, gate)
            if gate and principal.venue
            else None,
            "gate_checked_in": gate_total,
            "id_required": cards.required,
            "server_time": now.isoformat(),
            "online_mark": current_app.extensions["sciday.online_marks"].issue(principal.token_hash, now),
        }


def _named(aid: str, doc: dict) -> dict:
    """An activity as the scanner names it: its title and venue."""
    venue = doc["venue"]
    return {"id": aid, "title": doc["title"], "venue_id": venue["id"], "venue_name": venue.get("name", "")}


def _judged_offline(aid: str, doc: dict, opens, closes, proj, cards) -> dict:
    """One of this venue's activities with what the offline door book judges its tickets by."""
    confirmed = [r for r in proj.registrations(aid) if r.get("status") == V.CONFIRMED]
    return {
        **_named(aid, doc),
        "hall": doc["hall"],
        "hall_en": doc.get("hall_en", ""),  # issue 26: the English scanner names the hall in English
        "status": doc["status"],
        "opens_at": opens,
        "closes_at": closes,
        "revoked": proj.revoked(aid),
        "reduced": proj.reduced(aid),  # issue 17: a member dropped
        "released": store().released(aid),  # issue 23: seats gone to standby
        "admitted": store().admissions(aid),  # issue 26: parties in, at any gate
        # issue 23: the members' door hashes and this activity's key, to match cards offline
        **door_cards.book(cards, aid, confirmed),
        **door_cards.parties(confirmed),  # issue 26: the members listed at the door, masked
        **door_cards.wheelchairs(confirmed),  # issue 29 item 6: 轮椅位, shown offline too
    }
