"""The activity's use cases: read one, publish, change and cancel it, promote its waitlist.

Plain functions over :class:`~services.registration.ports.Ports` that raise
:class:`~services.registration.vocabulary.Refusal`; the write is the atomic step behind
``ports.Seats`` (capacity.lua promotes the waitlist when a change raises the capacity). A change
re-reads and retries when another organizer wrote a revision meanwhile.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from services.registration import vocabulary as v
from services.registration.catalogue import activities
from services.registration.ports import Counts, Doc, Ports
from shared import events

REVISION_RETRIES = 5  # a change re-reads and retries when another organizer wrote meanwhile


def activity(ports: Ports, activity_id: str) -> tuple[Doc, Counts]:
    """The activity and its counts, or ``unknown_activity``."""
    got = ports.seats.get_activity(activity_id)
    if got is None:
        raise v.Refusal(v.UNKNOWN_ACTIVITY, {"activity_id": activity_id})
    return got


def publish_activity(ports: Ports, doc: Doc, mode: str = v.CREATE) -> Doc:
    """Create an activity (``activity_exists`` if its id is taken); returns its view."""
    ports.seats.put_activity(
        doc,
        mode=mode,
        expected_rev=None,
        event_type=events.ACTIVITY_PUBLISHED,
        event_data={"activity": activities.snapshot(doc)},
        now=ports.clock.now(),
    )
    return activities.view(*activity(ports, doc["id"]))


def change_activity(ports: Ports, activity_id: str, patch: Mapping[str, Any]) -> Doc:
    """Change an activity; a capacity raise promotes the waitlist in the same atomic step."""
    for _attempt in range(REVISION_RETRIES):
        doc, counts = activity(ports, activity_id)
        if doc["status"] == v.ACTIVITY_CANCELLED:
            raise v.Refusal(v.ACTIVITY_CANCELLED_REASON, {"activity_id": activity_id})
        new = activities.merge(doc, dict(patch))
        errors = activities.validate_times(new)
        if errors:
            raise v.Refusal(v.VALIDATION_FAILED, {"errors": errors})
        changed = activities.changed(doc, new)
        if not changed:
            return activities.view(doc, counts)
        if activities.by_lottery(new) != activities.by_lottery(doc):
            ensure_allocation_may_change(ports, activity_id, doc, counts)
        if _write_revision(
            ports,
            new,
            int(counts["rev"]),
            events.ACTIVITY_CHANGED,
            {"activity": activities.snapshot(new), "changed": changed},
        ):
            return activities.view(*activity(ports, activity_id))
    raise v.Refusal(v.REVISION_CONFLICT, {"activity_id": activity_id})


def ensure_allocation_may_change(ports: Ports, activity_id: str, doc: Doc, counts: Counts) -> None:
    """``allocation_locked`` once anything was decided the current way: a registration (or a
    waitlist place) under first come, first served; an opened lottery (its committed seed, its
    entries) under a lottery.  Checked before the write, among organizer actions: a registration
    landing in between keeps its seat, and a draw confirms a winner only into seats still free."""
    if activities.by_lottery(doc):
        if ports.lottery_opened is not None and ports.lottery_opened(activity_id):
            raise v.Refusal(v.ALLOCATION_LOCKED, {"activity_id": activity_id})
    elif int(counts.get("taken", 0)) > 0 or int(counts.get("waitlist_people", 0)) > 0:
        raise v.Refusal(v.ALLOCATION_LOCKED, {"activity_id": activity_id})


def cancel_activity(ports: Ports, activity_id: str, reason: str = "") -> Doc:
    """Cancel an activity (idempotent): every ticket of it is refused at the door from then on."""
    for _attempt in range(REVISION_RETRIES):
        doc, counts = activity(ports, activity_id)
        if doc["status"] == v.ACTIVITY_CANCELLED:
            return activities.view(doc, counts)
        new = dict(doc, status=v.ACTIVITY_CANCELLED, cancel_reason=reason)
        if _write_revision(
            ports,
            new,
            int(counts["rev"]),
            events.ACTIVITY_CANCELLED,
            {"activity": activities.snapshot(new), "reason": reason},
        ):
            return activities.view(*activity(ports, activity_id))
    raise v.Refusal(v.REVISION_CONFLICT, {"activity_id": activity_id})


def _write_revision(ports: Ports, new: Doc, rev: int, event_type: str, data: Doc) -> bool:
    """Write ``new`` over revision ``rev``; False when another writer got there first."""
    try:
        ports.seats.put_activity(
            new,
            mode=v.UPDATE,
            expected_rev=rev,
            event_type=event_type,
            event_data=data,
            now=ports.clock.now(),
        )
    except v.Refusal as exc:
        if exc.reason == v.REVISION_CONFLICT:
            return False
        raise
    return True


def promote(ports: Ports, activity_id: str) -> int:
    """Move waitlisted parties into free seats, first come first served, all or nothing."""
    activity(ports, activity_id)
    return ports.seats.promote(activity_id, ports.clock.now())
