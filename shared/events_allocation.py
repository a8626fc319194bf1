"""Allocation beyond first come, first served (issue 15): the lottery, no-show and standby events;
and issue 17's smaller party (version 1).  Registered in ``shared.events``; topics in
shared/topics.py (ALLOCATION_TOPICS)."""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from shared.events_v1 import (
    LOCALES,
    LOTTERY_DRAWN,
    LOTTERY_ENTRY_WAITLISTED,
    LOTTERY_ENTRY_WON,
    NOSHOW_FORGIVEN,
    NOSHOW_MARKED,
    REGISTRATION_MEMBER_CORRECTED,
    REGISTRATION_MEMBER_DROPPED,
    SEATS_HANDED_BACK,
    STANDBY_CALLED,
    STANDBY_SEATS_RELEASED,
    _Data,
    _RegistrationData,
)


class LotteryDrawnV1(_Data):
    activity_id = fields.String(required=True)
    commitment = fields.String(required=True)
    seed = fields.String(required=True)  # revealed with the draw
    entries = fields.Integer(required=True)
    people = fields.Integer(required=True)
    winners = fields.Integer(required=True)
    seats_won = fields.Integer(required=True)
    waitlisted = fields.Integer(required=True)


class _LotteryEntryData(_Data):
    entry_id = fields.String(required=True)
    activity_id = fields.String(required=True)
    position = fields.Integer(required=True)  # among winners, or on the waitlist, from 1
    party_size = fields.Integer(required=True, validate=validate.Range(min=1, max=20))
    name = fields.String(required=True)
    phone = fields.String(required=True)
    email = fields.String(load_default=None, allow_none=True)
    locale = fields.String(load_default="zh-CN", validate=validate.OneOf(LOCALES))
    manage_url = fields.String(load_default="")  # 我的报名, where the outcome and ticket are
    confirm_hours = fields.Integer(load_default=0)  # a winner confirms within N hours (0: no need)


class LotteryEntryWonV1(_LotteryEntryData):
    pass


class LotteryEntryWaitlistedV1(_LotteryEntryData):
    pass


class NoShowMarkedV1(_Data):
    mark_id = fields.String(required=True)  # "<registration id>:<member>": one mark per person
    holder = fields.String(required=True)  # "id:<hash>" or "phone:<hash>", never the number itself
    registration_id = fields.String(required=True)
    activity_id = fields.String(required=True)
    cause = fields.String(required=True, validate=validate.OneOf(["not_admitted", "late_cancellation"]))
    marked_at = fields.AwareDateTime(required=True, format="iso")
    locked_until = fields.AwareDateTime(load_default=None, allow_none=True, format="iso")
    # issue 26 (optional, so older events still read): the holder's marks toward the next lock once
    # this one is made, the rule's numbers, and whether one more locks (notify then warns by SMS)
    toward_lock = fields.Integer(load_default=None, allow_none=True)
    marks_to_lock = fields.Integer(load_default=None, allow_none=True)
    lock_days = fields.Integer(load_default=None, allow_none=True)
    warning = fields.Boolean(load_default=False)


class NoShowForgivenV1(_Data):
    mark_id = fields.String(required=True)
    holder = fields.String(required=True)
    by = fields.String(required=True)
    note = fields.String(required=True)
    forgiven_at = fields.AwareDateTime(required=True, format="iso")


class StandbySeatsReleasedV1(_Data):
    activity_id = fields.String(required=True)
    released = fields.Integer(required=True)  # seats of confirmed parties not scanned by start + grace
    registrations = fields.List(fields.String(), required=True)
    # issue 27 (additive: older events lack it): seats handed back that joined the pool too
    handed_back = fields.Integer(load_default=0)


class StandbyCalledV1(_Data):
    activity_id = fields.String(required=True)
    number = fields.Integer(required=True)
    party_size = fields.Integer(required=True)
    phone = fields.String(required=True)
    locale = fields.String(load_default="zh-CN", validate=validate.OneOf(LOCALES))


class StandbyCalledV2(_Data):
    """Version 2 (issue 16): the walk-in's phone sealed for notify (shared/sealed.py), never in clear."""

    activity_id = fields.String(required=True)
    number = fields.Integer(required=True)
    party_size = fields.Integer(required=True)
    phone_sealed = fields.String(required=True)  # SX1.notify.… of {"phone": …}
    phone_masked = fields.String(required=True)
    locale = fields.String(load_default="zh-CN", validate=validate.OneOf(LOCALES))
    ticket_url = fields.String(load_default="")  # the join page: the signed standby ticket, once called


ALLOCATION_SCHEMAS: dict[tuple[str, int], type[Schema]] = {
    (LOTTERY_DRAWN, 1): LotteryDrawnV1,
    (LOTTERY_ENTRY_WON, 1): LotteryEntryWonV1,
    (LOTTERY_ENTRY_WAITLISTED, 1): LotteryEntryWaitlistedV1,
    (NOSHOW_MARKED, 1): NoShowMarkedV1,
    (NOSHOW_FORGIVEN, 1): NoShowForgivenV1,
    (STANDBY_SEATS_RELEASED, 1): StandbySeatsReleasedV1,
    (STANDBY_CALLED, 1): StandbyCalledV1,
    (STANDBY_CALLED, 2): StandbyCalledV2,
}


# --- issue 17: a party drops one member and keeps the rest ---------------------------------------
class RegistrationMemberDroppedV1(_RegistrationData):
    """The smaller party (party_size, members) and its new ticket; the old code admits no more
    than the new party_size at the door (the check-in projection caps it)."""

    previous_party_size = fields.Integer(required=True)
    ticket_code = fields.String(required=True)
    status = fields.String(required=True, validate=validate.OneOf(["confirmed", "waitlisted"]))


ALLOCATION_SCHEMAS[(REGISTRATION_MEMBER_DROPPED, 1)] = RegistrationMemberDroppedV1


# --- issue 26: a member corrected (a name), or replaced (another ID: a new member) ---------------
class RegistrationMemberCorrectedV1(_RegistrationData):
    """The party's members after the correction; the size, the status and the ticket are as before."""

    member = fields.Integer(required=True, metadata={"description": "the corrected member's place, from 0"})
    status = fields.String(required=True, validate=validate.OneOf(["confirmed", "waitlisted"]))


ALLOCATION_SCHEMAS[(REGISTRATION_MEMBER_CORRECTED, 1)] = RegistrationMemberCorrectedV1


# --- issue 27: seats handed back (never again open to booking) wait for on-site standby ----------
class SeatsHandedBackV1(_Data):
    """The activity's whole count of seats handed back after a step that changed it, with a
    revision that only grows: a consumer keeps the highest revision's count, so the order events
    arrive in, a redelivery or a replay change nothing (services/checkin/standby)."""

    activity_id = fields.String(required=True)
    handed_back = fields.Integer(required=True, validate=validate.Range(min=0))
    revision = fields.Integer(required=True, validate=validate.Range(min=1))


ALLOCATION_SCHEMAS[(SEATS_HANDED_BACK, 1)] = SeatsHandedBackV1
