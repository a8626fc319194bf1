"""What a family is told about its registration besides booking and cancelling (issue 26):

- StandbySeatsReleased (standby-events): each confirmed registration whose unscanned seats went to
  standby at the start plus the grace period gets ``seats_released``;
- RegistrationMemberDropped: the registrant gets ``member_dropped`` with the new party size (the
  ticket link is the new one);
- NoShowMarked with ``warning`` (noshow-events; the rule is the no-show record's,
  services/registration/noshow/record.py ``warns``): the registrant whose registration earned the
  mark gets ``noshow_warning``: one more mark locks registering.

Each is an intent like every other message (one per event, channel and recipient), so a
redelivered event sends nothing more.  A warning is keyed by the registration, not the event: a
real-name party's late cancellation marks each member, and the registrant hears it once.
"""

from __future__ import annotations

from services.notify import vocabulary as V
from services.notify.ports import Doc, Projection, Recorder


def _told(reg: Doc | None) -> bool:
    """A registrant that can still be told (known here, not erased)."""
    return bool(reg) and not (reg or {}).get("erased")


def _tell(
    deliveries: Recorder, env: Doc, reg: Doc, template: str, now_ms: int, context: Doc, **over: str
) -> int:
    """One intent of ``template`` to ``reg`` caused by ``env`` (``event_id`` may be overridden)."""
    return deliveries.record(
        event_id=over.get("event_id") or env["event_id"],
        cause_type=env["type"],
        occurred_at=env["occurred_at"],
        activity_id=over.get("activity_id") or env["activity_id"],
        reg=reg,
        template=template,
        now_ms=now_ms,
        context=context,
    )


def seats_released(projection: Projection, deliveries: Recorder, env: Doc, now_ms: int) -> int:
    aid, new = env["activity_id"], 0
    for rid in env["data"].get("registrations") or ():
        reg = projection.registration(aid, rid) or {}
        if _told(reg) and reg.get("status") == V.CONFIRMED:
            new += _tell(deliveries, env, reg, V.SEATS_RELEASED_TEMPLATE, now_ms, {})
    return new


def member_dropped(reg: Doc, deliveries: Recorder, env: Doc, now_ms: int) -> int:
    """``reg``: the registrant as the projection now holds it (the smaller party). An older drop
    handled late changed nothing (the party never grows back), so it tells nothing either."""
    if not _told(reg) or int(reg.get("party_size", 0)) != int(env["data"]["party_size"]):
        return 0
    context = {"previous_party_size": env["data"]["previous_party_size"]}
    return _tell(deliveries, env, reg, V.MEMBER_DROPPED_TEMPLATE, now_ms, context)


def noshow_warning(projection: Projection, deliveries: Recorder, env: Doc, now_ms: int) -> int:
    data = env["data"]
    reg = projection.registration(data["activity_id"], data["registration_id"]) or {}
    if not data.get("warning") or not _told(reg):
        return 0
    context = {k: data.get(k) for k in ("toward_lock", "marks_to_lock", "lock_days")}
    once = f"{data['registration_id']}:{V.NOSHOW_WARNING_TEMPLATE}"  # once per registration
    return _tell(
        deliveries,
        env,
        reg,
        V.NOSHOW_WARNING_TEMPLATE,
        now_ms,
        context,
        event_id=once,
        activity_id=data["activity_id"],
    )
