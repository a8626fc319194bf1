"""A school's or an institute's group booking (issue 29): one registration for the whole group.

A lead teacher with a verified phone books the class or team as ONE registration of the channel
``group`` (seats/quota.lua: the activity's group quota, never open booking); its party is the lead
and the roster.  Where the activity is real-name, every member is a real-name member of the party
(fair.py: the ID checks, one registration per ID and activity, the per-ID limits of fair.lua) and a
child under the age in the settings comes without an ID, under the lead (the first member with an
ID: identity.guardian_of).  A group may be larger than the activity's max_party_size, up to
``Settings.group_size_limit`` (``ports.group_size_limit``).  Refusals: ``roster_invalid`` (rows to correct, keyed by the
spreadsheet's row), ``group_quota_full`` (reserve.lua), and every refusal of registering.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from services.registration import vocabulary as v
from services.registration.access.fair import FairPolicy, festival_day
from services.registration.groups.roster import Roster, checked, preview
from services.registration.ports import Doc, Ports
from services.registration.seats import usecases


def activity(ports: Ports, activity_id: str) -> Doc:
    doc = ports.seats.activity_doc(activity_id)
    if doc is None:
        raise v.Refusal(v.UNKNOWN_ACTIVITY, {"activity_id": activity_id})
    return doc


def roster_members(ports: Ports, doc: Doc, roster: Roster) -> list[dict[str, Any]]:
    """The roster's members, checked row by row (a child's age by fair access's policy):
    ``roster_invalid`` with every row's errors."""
    policy = ports.fair or FairPolicy()
    on = festival_day(doc, policy.timezone)
    today = ports.clock.now().date()
    members = checked(roster, bool(doc.get("real_name")), on, today, policy.child_max_age_without_id)
    if roster.errors:
        raise v.Refusal(v.ROSTER_INVALID, {"rules": {"rows": roster.errors}})
    return members


def check(ports: Ports, activity_id: str, roster: Roster) -> list[dict[str, Any]]:
    """The roster's preview (masked), or ``roster_invalid``: nothing is booked."""
    return preview(roster_members(ports, activity(ports, activity_id), roster), roster.rows)


def book(
    ports: Ports,
    activity_id: str,
    lead: Mapping[str, Any],
    roster: Roster,
    **asked: Any,
) -> Doc:
    """Book the group: ``lead`` is the teacher's form (name, organization, email, consent, and on a
    real-name activity the teacher's own ID as a member: id_type, id_number).  ``asked``: register's
    keywords (idem, locale, client_address, session_ref or session_phone)."""
    doc = activity(ports, activity_id)
    members = roster_members(ports, doc, roster)
    form: dict[str, Any] = {
        "name": lead["name"],
        "phone": None,
        "email": lead.get("email"),
        "organization": lead.get("organization") or "",
        "party_size": 1 + len(members),
        "consent": lead.get("consent"),
    }
    if doc.get("real_name"):
        teacher = {k: lead[k] for k in ("id_type", "id_number", "nationality") if lead.get(k)}
        form["members"] = [{"name": lead["name"], **teacher}, *members]
    if form["party_size"] > ports.group_size_limit:
        raise v.Refusal(v.ROSTER_INVALID, {"rules": {"file": [v.ROSTER_TOO_MANY]}})
    try:
        return usecases.register(ports, activity_id, form, channel=v.CH_GROUP, **asked)
    except v.Refusal as exc:
        _by_row(exc, roster.rows)
        raise


def _by_row(exc: v.Refusal, rows: list[int]) -> None:
    """A member's refusal (fair.py: ``{"members": {"3": ...}}``, the lead at 0) said of its
    spreadsheet row, as the roster's own errors are; the lead's as the form's ``lead``."""
    tree = exc.details.get("rules")
    if not isinstance(tree, dict) or not isinstance(tree.get("members"), dict):
        return
    members: dict[str, Any] = tree["members"]
    rules: dict[str, Any] = {k: x for k, x in tree.items() if k != "members"}
    for place, errors in members.items():
        i = int(place)
        if i == 0:
            rules["lead"] = errors
        else:
            rules.setdefault("rows", {})[str(rows[i - 1])] = errors
    exc.details["rules"] = rules
