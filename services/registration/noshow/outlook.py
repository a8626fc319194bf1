"""What a family sees of the no-show record before it acts (issue 26): before a cancellation
(will it count, the marks now, what one more does), and before the form (a lock and its end).

Use cases over the ports; the rules are ``record.py``'s (``late_cancel_preview``, ``outlook``)
and the numbers the settings' (``Policy``), never copied here.
"""

from __future__ import annotations

from collections.abc import Iterable

from services.registration.catalogue import activities
from services.registration.noshow import record as noshow
from services.registration.ports import Doc, Ports


def _policy(ports: Ports) -> noshow.Policy:
    return ports.noshow_policy or noshow.Policy()


def _rule(policy: noshow.Policy) -> Doc:
    return {
        "marks_to_lock": policy.marks_to_lock,
        "window_days": policy.window_days,
        "lock_days": policy.lock_days,
        "late_cancel_hours": policy.late_cancel_hours,
    }


def before_cancel(ports: Ports, reg: Doc) -> Doc | None:
    """For the cancel confirmation: ``counts`` (this cancellation is a late one, a no-show), the
    record of the registrant (their phone and the IDs they booked), ``after`` and ``locks`` /
    ``lock_ends`` (what one more mark does). None without a record or an activity."""
    doc = ports.seats.activity_doc(reg["activity_id"])
    if ports.noshow is None or doc is None or not reg.get("phone"):
        return None
    policy = _policy(ports)
    holders = noshow.holders(ports.noshow_pepper, reg["phone"], reg.get("id_hashes") or [])
    preview = noshow.late_cancel_preview(
        ports.noshow,
        holders,
        status=reg["status"],
        starts_at=activities.parse(doc["starts_at"]).timestamp(),
        now=ports.clock.now().timestamp(),
        policy=policy,
    )
    return {**preview, **_rule(policy)}


def before_form(ports: Ports, phone: str, regs: Iterable[Doc]) -> Doc | None:
    """For the activity page of a person signed in with a verified phone: their record's outlook
    (``locked_until`` if locked now, ``warning`` at the mark before a lock); None without a record.
    ``regs``: their stored registrations (the IDs they booked are holders too)."""
    if ports.noshow is None:
        return None
    policy = _policy(ports)
    holders = noshow.holders(ports.noshow_pepper, phone, [h for r in regs for h in r.get("id_hashes") or []])
    got = noshow.outlook(ports.noshow, holders, now=ports.clock.now().timestamp(), policy=policy)
    return {**got, **_rule(policy)}
