"""Notify's use cases: handle an event (which messages it calls for, to whom); an organizer's notice
is ``notices.send_notice``.

Plain code over ports (``services/notify/ports.py``): no Flask request, no HTTP status; a refusal
is a :class:`Refusal` with a reason code of ``vocabulary.REASONS``, answered by ``edge.py``.

:class:`Notices` is the Kafka handler of the notify worker; :class:`RegistrationNotices`, its part
for a registration's own events, is the batch path's.

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
- LotteryEntryWon / LotteryEntryWaitlisted (issue 15 §1): one message to the entrant.  The
  registration the draw then makes (its event carries ``lottery_entry_id``) updates the projection
  and the reminders but sends no second confirmation: one message per entrant per channel.
- StandbyCalled (standby-events): one SMS to the walk-in whose number was called.
- Issue 26 (``family.py``): StandbySeatsReleased, RegistrationMemberDropped, and NoShowMarked
  with ``warning`` each tell the registrant.
"""

from __future__ import annotations

from services.notify import vocabulary as V
from services.notify.delivery import family
from services.notify.ports import (
    Deliveries,
    Doc,
    Projection,
    Recorder,
    RegistrantReminders,
    Registrants,
    Reminders,
)
from shared import events as ev
from shared.clock import SYSTEM_CLOCK, Clock, epoch_ms
from shared.refusal import Refusal as Refusal  # re-exported
from shared.topics import ACTIVITY_EVENTS, BY_NAME

ACTIVITY_TYPES = BY_NAME[ACTIVITY_EVENTS].event_types

ACTIVE = V.ACTIVE
TEMPLATE_OF = {
    ev.REGISTRATION_CONFIRMED: V.CONFIRMED_TEMPLATE,
    ev.REGISTRATION_WAITLISTED: V.WAITLISTED_TEMPLATE,
    ev.WAITLIST_PROMOTED: V.PROMOTED_TEMPLATE,
    ev.REGISTRATION_CANCELLED: V.CANCELLED_TEMPLATE,
}
LOTTERY_TEMPLATE_OF = {
    ev.LOTTERY_ENTRY_WON: V.LOTTERY_WON_TEMPLATE,
    ev.LOTTERY_ENTRY_WAITLISTED: V.LOTTERY_WAITLISTED_TEMPLATE,
}
LOTTERY_V1_CONTACT = ("name", "phone", "email", "manage_url")  # in clear in a version 1 outcome
# Made from a draw: the entrant was told by the lottery's own message (LOTTERY_TEMPLATE_OF).
TOLD_BY_THE_LOTTERY = (ev.REGISTRATION_CONFIRMED, ev.REGISTRATION_WAITLISTED)
# Changes registrants are told about (as services/registration/activities.NOTIFIABLE).
NOTIFIABLE = ("starts_at", "ends_at", "hall", "venue")
_BEFORE_FIELDS = ("starts_at", "ends_at", "hall", "venue")


class RegistrationNotices:
    """The messages of a registration's own events (``TEMPLATE_OF``), over the ports they need: all
    that the batch path (``batches.py``) gives them."""

    def __init__(
        self,
        projection: Registrants,
        deliveries: Recorder,
        reminders: RegistrantReminders,
        clock: Clock = SYSTEM_CLOCK,
    ) -> None:
        self.projection, self.deliveries, self.reminders, self.clock = (
            projection,
            deliveries,
            reminders,
            clock,
        )

    def now_ms(self) -> int:
        return epoch_ms(self.clock)

    def handle(self, envelope: Doc) -> int:
        """Handle one registration event (a type of ``TEMPLATE_OF``); returns how many new intents
        it recorded."""
        return self._registration(envelope)

    def _registration(self, env: Doc) -> int:
        aid, data = env["activity_id"], env["data"]
        reg = self.projection.put_registration(env)
        if reg.get("erased"):  # issue 16: a late or replayed event after an erasure tells nobody
            self.reminders.drop(aid, reg["registration_id"])
            return 0
        context: Doc = {}
        if env["type"] == ev.REGISTRATION_WAITLISTED:
            context["waitlist_position"] = data["waitlist_position"]
        told = data.get("lottery_entry_id") and env["type"] in TOLD_BY_THE_LOTTERY
        new = (
            0
            if told
            else self.deliveries.record(
                event_id=env["event_id"],
                cause_type=env["type"],
                occurred_at=env["occurred_at"],
                activity_id=aid,
                reg=reg,
                template=TEMPLATE_OF[env["type"]],
                now_ms=self.now_ms(),
                context=context,
            )
        )
        activity = self.projection.activity(aid)
        if reg["status"] == V.CONFIRMED and activity and activity["status"] == V.SCHEDULED:
            self.reminders.schedule(aid, reg["registration_id"], activity)
        elif reg["status"] != V.CONFIRMED:
            self.reminders.drop(aid, reg["registration_id"])
        cancellation = self.projection.cancellation(aid)
        if cancellation and reg["status"] in ACTIVE:
            new += self._activity_cancelled_to(aid, reg, cancellation)
        return new

    def _activity_cancelled_to(self, aid: str, reg: Doc, cancellation: Doc) -> int:
        return self.deliveries.record(
            event_id=cancellation["event_id"],
            cause_type=ev.ACTIVITY_CANCELLED,
            occurred_at=cancellation["occurred_at"],
            activity_id=aid,
            reg=reg,
            template=V.ACTIVITY_CANCELLED_TEMPLATE,
            now_ms=self.now_ms(),
            context={"reason": cancellation["reason"], "activity": self.projection.activity(aid)},
        )


class Notices(RegistrationNotices):
    projection: Projection
    deliveries: Deliveries
    reminders: Reminders

    def __init__(
        self,
        projection: Projection,
        deliveries: Deliveries,
        reminders: Reminders,
        clock: Clock = SYSTEM_CLOCK,
    ) -> None:
        super().__init__(projection, deliveries, reminders, clock)

    def handle(self, envelope: Doc) -> int:
        """Handle one event; returns how many new intents it recorded."""
        kind = envelope["type"]
        if kind in TEMPLATE_OF:
            return self._registration(envelope)
        if kind == ev.REGISTRATION_MEMBER_DROPPED:  # reminders then say the new size and ticket
            reg = self.projection.put_registration(envelope)
            return family.member_dropped(reg, self.deliveries, envelope, self.now_ms())  # issue 26
        if kind == ev.STANDBY_SEATS_RELEASED:
            return family.seats_released(self.projection, self.deliveries, envelope, self.now_ms())
        if kind == ev.NOSHOW_MARKED:
            return family.noshow_warning(self.projection, self.deliveries, envelope, self.now_ms())
        if kind in ACTIVITY_TYPES:
            return self._activity(envelope)
        if kind in LOTTERY_TEMPLATE_OF:
            return self._lottery_entry(envelope)
        if kind == ev.REGISTRATION_ERASED:  # issue 16: nothing of the registrant stays
            aid, rid = envelope["activity_id"], envelope["data"]["registration_id"]
            self.projection.erase(aid, rid)
            self.deliveries.erase(rid)
            self.reminders.drop(aid, rid)
        if kind == ev.STANDBY_CALLED:
            return self._standby_called(envelope)
        return 0

    def _lottery_entry(self, env: Doc) -> int:
        """The entrant's outcome: they hold no registration yet (or it is made meanwhile), so the
        message goes to the entry's contact details, keyed by the event (one per channel).

        Version 2 carries them sealed for notify (issue 16): the intent keeps them sealed and only
        the sender opens them; a version 1 event's are sealed by the deliveries on recording."""
        data = env["data"]
        kept = ("sealed", "name_masked", "phone_masked") if "sealed" in data else LOTTERY_V1_CONTACT
        entrant = {k: data.get(k) for k in (*kept, "locale", "party_size")}
        entrant["registration_id"] = data["entry_id"]  # the delivery log of the entry
        return self.deliveries.record(
            event_id=env["event_id"],
            cause_type=env["type"],
            occurred_at=env["occurred_at"],
            activity_id=env["activity_id"],
            reg=entrant,
            template=LOTTERY_TEMPLATE_OF[env["type"]],
            now_ms=self.now_ms(),
            context={
                "waitlist_position": data["position"],
                "entry_id": data["entry_id"],
                "confirm_hours": data.get("confirm_hours") or 0,
                "round": data.get("round") or 0,  # issue 27: a lottery group's round
                "rounds": data.get("rounds") or 0,
            },
        )

    def _standby_called(self, env: Doc) -> int:
        """A standby number called in: one SMS to the walk-in's verified phone (issue 15 §3).

        Keyed by the event id like every intent, so a redelivered call sends nothing more.  Version 2
        carries the phone sealed for notify: it stays sealed in the intent and is opened only to send
        (``Deliveries.opened``); version 1 carried it in clear."""
        aid, data = env["activity_id"], env["data"]
        walk_in = {
            "registration_id": f"standby:{aid}:{data['number']}",
            "name": "",
            "party_size": data["party_size"],
            "locale": data.get("locale", "zh-CN"),
        }
        if data.get("ticket_url"):  # v2: the join page, which shows the signed standby ticket once called
            walk_in["ticket_url"] = data["ticket_url"]
        if "phone_sealed" in data:
            walk_in["sealed"] = data["phone_sealed"]
        else:
            walk_in["phone"] = data["phone"]
        return self.deliveries.record(
            event_id=env["event_id"],
            cause_type=env["type"],
            occurred_at=env["occurred_at"],
            activity_id=aid,
            reg=walk_in,
            template=V.STANDBY_CALLED_TEMPLATE,
            now_ms=self.now_ms(),
            context={"standby_number": data["number"]},
        )

    def _activity(self, env: Doc) -> int:
        aid, data = env["activity_id"], env["data"]
        before = self.projection.put_activity(env)
        activity = self.projection.activity(aid) or {}
        new = 0
        if env["type"] == ev.ACTIVITY_CHANGED and activity.get("status") == V.SCHEDULED:
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
                        template=V.ACTIVITY_CHANGED_TEMPLATE,
                        now_ms=self.now_ms(),
                        context=context,
                    )
        elif env["type"] == ev.ACTIVITY_CANCELLED:
            cancellation = self.projection.cancellation(aid)
            for reg in self.projection.registrants(aid, ACTIVE) if cancellation else ():
                new += self._activity_cancelled_to(aid, reg, cancellation or {})
        self.reminders.schedule_activity(aid, activity)
        return new
