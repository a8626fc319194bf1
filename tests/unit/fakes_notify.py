"""In-memory fakes of notify's ports (services/notify/ports.py).

tests/integration/test_notify_contract.py plays the same events through the fakes and through the
Redis adapters and asserts they record the same messages and reminders.
"""

from __future__ import annotations

from services.notify import vocabulary as V
from shared.events import REGISTRATION_MEMBER_DROPPED

NOW = 1_900_000_000.0
STATUS_OF = {
    "RegistrationConfirmed": V.CONFIRMED,
    "WaitlistPromoted": V.CONFIRMED,
    "RegistrationWaitlisted": V.WAITLISTED,
    "RegistrationCancelled": V.CANCELLED,
}
RANK = {V.WAITLISTED: 0, V.CONFIRMED: 1, V.CANCELLED: 2}  # registrations only move forward


class FakeProjection:
    def __init__(self) -> None:
        self.activities: dict[str, dict] = {}
        self.cancellations: dict[str, dict] = {}
        self.regs: dict[str, dict[str, dict]] = {}

    def put_activity(self, env: dict) -> dict | None:
        aid, before, snap = (
            env["activity_id"],
            self.activities.get(env["activity_id"]),
            env["data"]["activity"],
        )
        if before and before["status"] == V.CANCELLED and snap["status"] != V.CANCELLED:
            return before  # a late, older event: the cancellation stands
        self.activities[aid] = snap
        if env["type"] == "ActivityCancelled":
            self.cancellations[aid] = {
                "event_id": env["event_id"],
                "occurred_at": env["occurred_at"],
                "reason": env["data"].get("reason", ""),
            }
        return before

    def put_registration(self, env: dict) -> dict:
        regs, data = self.regs.setdefault(env["activity_id"], {}), env["data"]
        current = regs.get(data["registration_id"], {})
        if current.get("erased"):  # as projection.merge_registration: nothing comes back
            return current
        if env["type"] == REGISTRATION_MEMBER_DROPPED:  # a smaller party, same status (projection.py)
            if current and current["party_size"] <= data["party_size"]:
                return current
            status = current.get("status") or data["status"]
        else:
            status = STATUS_OF[env["type"]]
        rec = {**current, **{k: v for k, v in data.items() if v is not None}}
        if not current or RANK[status] >= RANK[current["status"]]:
            rec["status"] = status
        regs[data["registration_id"]] = rec
        return rec

    def activity(self, aid: str) -> dict | None:
        return self.activities.get(aid)

    def cancellation(self, aid: str) -> dict | None:
        return self.cancellations.get(aid)

    def registrants(self, aid: str, statuses: tuple[str, ...]) -> list[dict]:
        return [r for r in self.regs.get(aid, {}).values() if r.get("status") in statuses]

    def erase(self, aid: str, rid: str) -> None:
        current = self.regs.setdefault(aid, {}).get(rid, {})
        kept = {k: current[k] for k in ("registration_id", "party_size", "status") if k in current}
        self.regs[aid][rid] = dict(kept, erased=True)


class FakeDeliveries:
    def __init__(self) -> None:
        self.intents: dict[tuple[str, str], dict] = {}

    def record(self, *, event_id, cause_type, occurred_at, activity_id, reg, template, now_ms, context=None):
        # One message per (event, recipient), as the real intents (SMS only: no email in the fakes).
        recipient = reg.get("phone") or reg["sealed"]  # a sealed walk-in's phone stays sealed here
        if any(e == event_id and i.get("recipient") == recipient for (e, _), i in self.intents.items()):
            return 0
        self.intents[event_id, reg["registration_id"]] = {
            "template": template,
            "cause_type": cause_type,
            "context": context or {},
            "recipient": recipient,
        }
        return 1

    def erase(self, registration_id: str) -> int:
        mine = [i for (_e, rid), i in self.intents.items() if rid == registration_id]
        for i in mine:
            i.pop("recipient", None)
        return len(mine)

    def templates(self) -> list[str]:
        return [i["template"] for i in self.intents.values()]


class FakeReminders:
    """Which registrations have reminders (their due times are the Redis adapter's business)."""

    def __init__(self, projection: FakeProjection) -> None:
        self.projection = projection
        self.scheduled: set[tuple[str, str]] = set()

    def schedule(self, aid, rid, activity):
        self.scheduled.add((aid, rid))

    def drop(self, aid, rid):
        self.scheduled.discard((aid, rid))

    def schedule_activity(self, aid, activity):
        if activity.get("status") != V.SCHEDULED:
            self.scheduled = {s for s in self.scheduled if s[0] != aid}
            return
        for reg in self.projection.registrants(aid, (V.CONFIRMED,)):
            self.schedule(aid, reg["registration_id"], activity)
