"""Which messages an event calls for, to whom.  The Kafka handler of the notify worker.

It only records: the projection, the reminders, and one intent per (event, channel, recipient)
queued for its channel.  Sending is the senders' job, so a slow SMS gateway never holds up the
consumer, and a redelivered event finds its intents already there and records nothing.

- RegistrationConfirmed / RegistrationWaitlisted / WaitlistPromoted / RegistrationCancelled:
  one message to the registrant, and their reminders scheduled or dropped.
- ActivityChanged that moves the time, the hall or the venue: a notice to every active
  registrant (confirmed or waitlisted); reminders moved.
- ActivityCancelled: a notice to everyone confirmed or waitlisted; reminders dropped.
- A registration handled after its activity's cancellation (the two topics are read
  independently) still gets the cancellation notice, under the cancellation's event id.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from services.notify.deliveries import Deliveries
from services.notify.projection import ACTIVE, Projection
from services.notify.reminders import Reminders

TEMPLATE_OF = {
    "RegistrationConfirmed": "confirmed",
    "RegistrationWaitlisted": "waitlisted",
    "WaitlistPromoted": "promoted",
    "RegistrationCancelled": "cancelled",
}
# Changes registrants are told about (as services/registration/activities.NOTIFIABLE).
NOTIFIABLE = ("starts_at", "ends_at", "hall", "venue")
_BEFORE_FIELDS = ("starts_at", "ends_at", "hall", "venue")


class Notices:
    def __init__(
        self,
        projection: Projection,
        deliveries: Deliveries,
        reminders: Reminders,
        clock: Callable[[], float] = time.time,
    ):
        self.projection, self.deliveries, self.reminders, self.clock = (
            projection,
            deliveries,
            reminders,
            clock,
        )

    def now_ms(self) -> int:
        return int(self.clock() * 1000)

    def handle(self, envelope: dict) -> int:
        """Handle one event; returns how many new intents it recorded."""
        kind = envelope["type"]
        if kind in TEMPLATE_OF:
            return self._registration(envelope)
        if kind.startswith("Activity"):
            return self._activity(envelope)
        return 0

    def _registration(self, env: dict) -> int:
        aid, data = env["activity_id"], env["data"]
        reg = self.projection.put_registration(env)
        context = {}
        if env["type"] == "RegistrationWaitlisted":
            context["waitlist_position"] = data["waitlist_position"]
        new = self.deliveries.record(
            event_id=env["event_id"],
            cause_type=env["type"],
            occurred_at=env["occurred_at"],
            activity_id=aid,
            reg=reg,
            template=TEMPLATE_OF[env["type"]],
            now_ms=self.now_ms(),
            context=context,
        )
        activity = self.projection.activity(aid)
        if reg["status"] == "confirmed" and activity and activity["status"] == "scheduled":
            self.reminders.schedule(aid, reg["registration_id"], activity)
        elif reg["status"] != "confirmed":
            self.reminders.drop(aid, reg["registration_id"])
        cancellation = self.projection.cancellation(aid)
        if cancellation and reg["status"] in ACTIVE:
            new += self._activity_cancelled_to(aid, reg, cancellation)
        return new

    def _activity(self, env: dict) -> int:
        aid, data = env["activity_id"], env["data"]
        before = self.projection.put_activity(env)
        activity = self.projection.activity(aid)
        new = 0
        if env["type"] == "ActivityChanged" and activity["status"] == "scheduled":
            changed = [c for c in data.get("changed", []) if c in NOTIFIABLE]
            if changed:
                context = {
                    "changed": changed,
                    "before": {k: before[k] for k in _BEFORE_FIELDS if before and k in before},
                    "activity": data["activity"],
                }
                for reg in self.projection.registrants(aid, ACTIVE):
                    new += self.deliveries.record(
                        event_id=env["event_id"],
                        cause_type=env["type"],
                        occurred_at=env["occurred_at"],
                        activity_id=aid,
                        reg=reg,
                        template="activity_changed",
                        now_ms=self.now_ms(),
                        context=context,
                    )
        elif env["type"] == "ActivityCancelled":
            cancellation = self.projection.cancellation(aid)
            for reg in self.projection.registrants(aid, ACTIVE):
                new += self._activity_cancelled_to(aid, reg, cancellation)
        self.reminders.schedule_activity(aid, activity)
        return new

    def _activity_cancelled_to(self, aid: str, reg: dict, cancellation: dict) -> int:
        return self.deliveries.record(
            event_id=cancellation["event_id"],
            cause_type="ActivityCancelled",
            occurred_at=cancellation["occurred_at"],
            activity_id=aid,
            reg=reg,
            template="activity_cancelled",
            now_ms=self.now_ms(),
            context={"reason": cancellation["reason"], "activity": self.projection.activity(aid)},
        )
