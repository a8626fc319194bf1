"""Accessible seats (issue 29 item 6, docs/quota.md): a party with wheelchair users books
wheelchair places, and companion seats only with them.

The body's ``accessible`` (``{"wheelchairs": n, "companions": m}``, the form's "I need a
wheelchair place") is the only way a registrant's booking names a channel: :func:`apply` checks
its shape against the party and the setting, and writes the channel and the counts into the
record.  The seats themselves are quota.lua's (``quota_take_accessible``, all or nothing: the
wheelchair places from the wheelchair quota only, the companion seats from the companion quota
only, the rest of the party from the open seats); nothing here counts a seat.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from services.registration import vocabulary as v
from services.registration.ports import Doc


def wanted(form: Mapping[str, Any]) -> tuple[int, int]:
    """The wheelchair places and companion seats the form asks for ((0, 0): none)."""
    asked = form.get("accessible") or {}
    return int(asked.get("wheelchairs") or 0), int(asked.get("companions") or 0)


def apply(form: Mapping[str, Any], reg: Doc, per_wheelchair: int) -> None:
    """Mark ``reg`` as booked through the wheelchair channel with its counts, when the form asks
    for accessible seats; ``companion_needs_wheelchair`` when it asks for more companion seats
    than ``per_wheelchair`` for each wheelchair place (none without a wheelchair place)."""
    wheelchairs, companions = wanted(form)
    if wheelchairs == 0 and companions == 0:
        return
    if companions > wheelchairs * per_wheelchair:
        raise v.Refusal(
            v.COMPANION_NEEDS_WHEELCHAIR,
            {"wheelchairs": wheelchairs, "companions": companions, "per_wheelchair": per_wheelchair},
        )
    reg.update(channel=v.CH_WHEELCHAIR, wheelchairs=wheelchairs, companions=companions)


def places_of(reg: Mapping[str, Any]) -> int:
    """The wheelchair places a registration holds (the ticket and the door show them)."""
    return int(reg.get("wheelchairs") or 0)


class AccessibleLeft:
    """The activity page's read: wheelchair places and companion seats still kept now
    (``accessible_left.lua`` over quota.lua; no count here)."""

    def __init__(self, redis: Any, keys: Any):
        from shared.redis_scripts import load_script  # here: the core loads without redis

        self.keys, self.script = keys, load_script(redis, Path(__file__).parent, "accessible_left")

    def __call__(self, aid: str, now_ms: int) -> dict[str, int]:
        wheelchair, companion = self.script(keys=[self.keys.activity(aid)], args=[now_ms])
        return {"wheelchair": int(wheelchair), "companion": int(companion)}


def page_view(left: Mapping[str, int], doc: Doc, default_h: float) -> dict[str, Any]:
    """What the form shows: the places left, and how many hours before the start they open."""
    hours = float(((doc.get("quotas") or {}).get("wheelchair") or {}).get("release_before_h", default_h))
    return {**left, "release_h": f"{hours:g}"}


def form_fields(values: Mapping[str, str], party_size: int) -> dict[str, Any]:
    """The page's "I need a wheelchair place" as the API's ``accessible`` (nothing when unticked):
    the wheelchair users, and with "a companion seat" one beside each (as many as the party has)."""
    if not values.get("need_wheelchair"):
        return {}
    wheelchairs = int(values.get("wheelchairs") or 1)
    companions = min(wheelchairs, max(0, party_size - wheelchairs)) if values.get("companion") else 0
    return {"accessible": {"wheelchairs": wheelchairs, "companions": companions}}


def form_state(state: str, left: dict[str, Any] | None) -> str:
    """A full activity's form stays open to wheelchair users while wheelchair places are kept:
    the page says only they can book (``left["only"]``); any other state is as it was."""
    if state == v.FORM_FULL and left and left["wheelchair"] > 0:
        left["only"] = True
        return v.FORM_OPEN
    return state
