"""Attendance of the whole festival: ``GET /api/v1/attendance``, and the figures per activity that
the dashboards and the summary share.

An organizer sees every activity; a steward or supervisor sees their venue's. Each row has the
figures of ``GET /api/v1/activities/<id>/attendance`` plus kind, venue and hall; totals leave out
cancelled activities. The no-show rate exists only once an activity has ended:
``(confirmed − checked_in) / confirmed`` (people, never below zero).
"""

from __future__ import annotations

from datetime import UTC, datetime

from flask import g
from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import Schema, fields

from services.checkin import vocabulary as V
from services.checkin.attendance import figures
from services.checkin.door import admission
from services.checkin.web.edge import store
from services.checkin.web.schemas import AttendanceFigures
from shared.auth import require

blp = Blueprint(
    "festival",
    __name__,
    url_prefix="/api/v1",
    description="Festival-wide attendance. " + V.describe(V.UNAUTHORIZED, V.FORBIDDEN),
)

FIGURES = ("capacity", "confirmed", "waitlisted", "checked_in", "remaining", "denied")
# issue 15: standby and lottery figures, summed over the activities too
ALLOCATION_FIGURES = ("standby_admitted", "lottery_entries", "lottery_winners", "lottery_waitlisted")


def closing(activity: dict, confirmed: int, checked_in: int, now: datetime | None = None) -> dict:
    """``ended``, ``no_shows``, ``no_show_rate`` and ``attendance_rate`` (None until the activity
    ends) and ``to_come``, as ``figures.closing`` defines them.

    ``checked_in``: registered people in (standby walk-ins are not registrants, so not counted)."""
    return figures.closing(activity["ends_at"], confirmed, checked_in, now or admission.now())


def iso(ts: int) -> str:
    return datetime.fromtimestamp(ts, UTC).astimezone(admission.TZ).isoformat()


def row(aid: str, activity: dict, now: datetime | None = None) -> tuple[dict, dict]:
    """One activity's attendance row, and its raw counts (gates, arrivals) for merging."""
    a = store().attendance(aid)
    registrants_in = max(a["checked_in"] - a["standby_admitted"], 0)
    lottery = a["lottery"]
    out = {
        "activity_id": aid,
        "title": activity["title"],
        "kind": activity.get("kind", "other"),
        "venue": {
            "id": activity["venue"]["id"],
            "name": activity["venue"].get("name", ""),
            "name_en": activity["venue"].get("name_en", ""),
            # issue 26: what tells apart two venues of one name on the gates table
            "address": activity["venue"].get("address", ""),
            "address_en": activity["venue"].get("address_en", ""),
        },
        "hall": activity.get("hall", ""),
        "hall_en": activity.get("hall_en", ""),
        "status": activity["status"],
        "starts_at": activity["starts_at"],
        "ends_at": activity["ends_at"],
        "capacity": int(activity["capacity"]),
        "confirmed": a["confirmed"],
        "waitlisted": a["waitlisted"],
        "checked_in": a["checked_in"],
        "remaining": max(a["confirmed"] - registrants_in, 0),
        "denied": a["denied"],
        # issue 15: seats filled from on-site standby, and the lottery's figures (0 without one)
        "standby_admitted": a["standby_admitted"],
        "lottery_entries": lottery.get("entries", 0),
        "lottery_winners": lottery.get("winners", 0),
        "lottery_waitlisted": lottery.get("waitlisted", 0),
    }
    out.update(closing(activity, a["confirmed"], registrants_in, now))
    out["attended"] = registrants_in
    return out, a


def rows_for(principal, now: datetime | None = None) -> list[tuple[dict, dict]]:
    """Every activity the principal may see, by start time."""
    proj, out = store().projection, []
    for aid in proj.activity_ids():
        activity = proj.activity(aid)
        if activity is None or not principal.may_access_venue(activity["venue"]["id"]):
            continue
        out.append(row(aid, activity, now))
    out.sort(key=lambda pair: (pair[0]["starts_at"], pair[0]["activity_id"]))
    return out


def totals(rows: list[dict]) -> dict:
    """Sums over the activities not cancelled.

    ``no_shows``, ``no_show_rate`` and ``attendance_rate`` are over the ended activities only
    (``figures.over_ended``), so "未到", "未到率" and "到场率" always agree; the people still
    expected at activities that have not ended are ``to_come`` (issues 17 and 26).
    ``remaining`` stays the sum of every activity's remaining, as before."""
    live = [r for r in rows if r["status"] != V.CANCELLED]
    out = {k: sum(r[k] for r in live) for k in FIGURES + ALLOCATION_FIGURES}
    out.update(activities=len(live), **figures.over_ended(live))
    return out


def by_venue(pairs: list[tuple[dict, dict]]) -> list[dict]:
    """Gates grouped by venue id (issue 26: two venues of one name were one list of rows): each
    venue once, with its gates and its total, in the order of the venue ids."""
    venues: dict[str, dict] = {}
    for r, a in pairs:
        if r["status"] == V.CANCELLED:
            continue
        v = venues.setdefault(r["venue"]["id"], {"venue": r["venue"], "checked_in": 0, "gates": {}})
        for gate, n in a["gates"].items():
            v["gates"][gate] = v["gates"].get(gate, 0) + n
            v["checked_in"] += n
    return [
        {**v, "gates": [{"gate": k, "checked_in": n} for k, n in sorted(v["gates"].items())]}
        for _, v in sorted(venues.items())
    ]


def festival(principal) -> dict:
    pairs = rows_for(principal)
    gates: dict = {}
    arrivals: dict = {}
    for r, a in pairs:
        if r["status"] == V.CANCELLED:
            continue
        for gate, n in a["gates"].items():
            key = (r["venue"]["id"], gate)
            gates.setdefault(key, {"venue": r["venue"], "gate": gate, "checked_in": 0})["checked_in"] += n
        for bucket, n in a["arrivals"]:
            arrivals[bucket] = arrivals.get(bucket, 0) + n
    rows = [r for r, _ in pairs]
    return {
        "generated_at": admission.now().astimezone(admission.TZ).isoformat(),
        "venue": principal.venue,
        "activities": rows,
        "totals": totals(rows),
        "gates": [gates[k] for k in sorted(gates)],
        "venues": by_venue(pairs),
        "arrivals": [{"at": iso(b), "people": n} for b, n in sorted(arrivals.items()) if n],
    }


class VenueRef(Schema):
    id = fields.String()
    name = fields.String()
    name_en = fields.String(metadata={"description": "the English name; empty when none was given"})
    address = fields.String()
    address_en = fields.String(metadata={"description": "the English address; empty when none was given"})


class FestivalRowOut(AttendanceFigures):
    kind = fields.String()
    venue = fields.Nested(VenueRef)
    hall = fields.String()
    hall_en = fields.String(metadata={"description": "the hall's English name; empty when none was given"})


class TotalsOut(Schema):
    activities = fields.Integer(metadata={"description": "not cancelled"})
    ended = fields.Integer()
    capacity = fields.Integer()
    confirmed = fields.Integer()
    waitlisted = fields.Integer()
    checked_in = fields.Integer()
    remaining = fields.Integer()
    denied = fields.Integer()
    to_come = fields.Integer(metadata={"description": "still expected at activities not ended"})
    no_shows = fields.Integer(allow_none=True, metadata={"description": "over the ended activities"})
    no_show_rate = fields.Float(allow_none=True, metadata={"description": "over the ended activities"})
    attendance_rate = fields.Float(
        allow_none=True, metadata={"description": "checked in ÷ confirmed, over the ended activities"}
    )
    standby_admitted = fields.Integer()
    lottery_entries = fields.Integer()
    lottery_winners = fields.Integer()
    lottery_waitlisted = fields.Integer()


class GateOut(Schema):
    venue = fields.Nested(VenueRef)
    gate = fields.String()
    checked_in = fields.Integer()


class VenueGatesOut(Schema):
    venue = fields.Nested(VenueRef)
    checked_in = fields.Integer()
    gates = fields.List(fields.Nested(lambda: GateCountOut()))


class GateCountOut(Schema):
    gate = fields.String()
    checked_in = fields.Integer()


class ArrivalOut(Schema):
    at = fields.String(metadata={"description": "start of the 5-minute bucket"})
    people = fields.Integer()


class FestivalOut(Schema):
    generated_at = fields.String()
    venue = fields.String(
        allow_none=True, metadata={"description": "the staff token's venue; null for organizers"}
    )
    activities = fields.List(fields.Nested(FestivalRowOut))
    totals = fields.Nested(TotalsOut)
    gates = fields.List(fields.Nested(GateOut))
    venues = fields.List(
        fields.Nested(VenueGatesOut), metadata={"description": "the gates grouped by venue id (issue 26)"}
    )
    arrivals = fields.List(fields.Nested(ArrivalOut))


@blp.route("/attendance")
class FestivalAttendance(MethodView):
    @require("steward", "supervisor", "organizer")
    @blp.response(200, FestivalOut)
    @blp.alt_response(V.http_status(V.UNAUTHORIZED), schema="Error", description=V.UNAUTHORIZED)
    def get(self):
        """Every activity's attendance with totals, gates per venue and arrivals per 5 minutes
        (organizers: the whole festival; staff: their venue)."""
        return festival(g.principal)
