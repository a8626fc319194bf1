"""Gates opened for given activities (issue 16): a venue's supervisor or an organizer says which
activities a gate takes; a ticket for another activity at that venue is then refused there with
``wrong_gate`` (``usecases.admit``). A gate with no plan takes every activity of its venue.

Plain functions over the ports; ``api_gates.py`` is their HTTP edge.
"""

from __future__ import annotations

from typing import Protocol

from services.checkin import vocabulary as V
from services.checkin.door.admission import canonical_gate
from services.checkin.door.usecases import Refusal, Staff
from services.checkin.ports import Activities, Doc

MAX_GATE = 32
# The field rules a refused gate plan names (shared/i18n.py RULES): the edge says them in the
# request's language (issue 26: these were "入口名称无效 / Not a gate name." in one string).
GATE_RULE = f"length_between|min=1|max={MAX_GATE}"
REQUIRED_RULE = "required"

MAX_ACTIVITIES = 200


class GatePlans(Protocol):
    def gate_activities(self, venue_id: str, gate: str) -> list[str] | None: ...

    def set_gate(self, venue_id: str, gate: str, activity_ids: list[str] | None) -> None: ...


def _check(gate: str) -> str:
    """The gate's one spelling (``admission.canonical_gate``), or a validation error."""
    gate = canonical_gate(gate)
    if not 1 <= len(gate) <= MAX_GATE or not gate.isprintable():
        raise Refusal(V.VALIDATION_FAILED, errors={"gate": [GATE_RULE]})
    return gate


def _venue(staff: Staff, venue: str | None) -> str:
    """The venue a plan is for: the token's own, or the one an organizer names."""
    chosen = staff.venue or venue or ""
    if not chosen:
        raise Refusal(V.VALIDATION_FAILED, errors={"venue": [REQUIRED_RULE]})
    if not staff.may_access(chosen):
        raise Refusal(V.FORBIDDEN, variant=V.OTHER_VENUE)
    return chosen


def open_gate(
    staff: Staff,
    gate: str,
    activity_ids: list[str],
    venue: str | None,
    *,
    plans: GatePlans,
    activities: Activities,
) -> Doc:
    """Open ``gate`` for these activities only (each must be known and at the venue)."""
    gate = _check(gate)
    chosen = _venue(staff, venue)
    for aid in activity_ids:
        doc = activities.activity(aid)
        if doc is None:
            raise Refusal(V.UNKNOWN_ACTIVITY, {"activity_id": aid})
        if (doc.get("venue") or {}).get("id") != chosen:
            raise Refusal(V.FORBIDDEN, {"activity_id": aid}, V.OTHER_VENUE)
    plans.set_gate(chosen, gate, activity_ids)
    return {"venue": chosen, "gate": gate, "activities": plans.gate_activities(chosen, gate)}


def open_gate_to_all(staff: Staff, gate: str, venue: str | None, *, plans: GatePlans) -> Doc:
    gate = _check(gate)
    chosen = _venue(staff, venue)
    plans.set_gate(chosen, gate, None)
    return {"venue": chosen, "gate": gate, "activities": None}
