"""One marshmallow schema per event type and version.

Types are past tense and self-contained: each carries what its consumers need, so no consumer
calls back into the producing service.  Additive fields keep the version; anything else bumps it
and both versions stay registered until no producer sends the old one.
"""

from __future__ import annotations

from typing import Any, Final

from marshmallow import EXCLUDE, Schema, fields, validate

from shared import words
from shared.compiled_schemas import Check, compile_schema

SLUG = validate.Regexp(r"^[a-z0-9][a-z0-9-]{0,31}$")
LOCALES = words.LOCALES

# Event types (past tense): the one place their names are written.
ACTIVITY_PUBLISHED: Final = "ActivityPublished"
ACTIVITY_CHANGED: Final = "ActivityChanged"
ACTIVITY_CANCELLED: Final = "ActivityCancelled"
REGISTRATION_CONFIRMED: Final = "RegistrationConfirmed"
REGISTRATION_WAITLISTED: Final = "RegistrationWaitlisted"
WAITLIST_PROMOTED: Final = "WaitlistPromoted"
REGISTRATION_CANCELLED: Final = "RegistrationCancelled"
REGISTRATION_ERASED: Final = "RegistrationErased"  # issue 16: personal fields erased
CHECKIN_RECORDED: Final = "CheckinRecorded"
CHECKIN_DENIED: Final = "CheckinDenied"
CHECKIN_REVERTED: Final = "CheckinReverted"
NOTIFICATION_SENT: Final = "NotificationSent"
NOTIFICATION_FAILED: Final = "NotificationFailed"
# Allocation beyond first come, first served (issue 15): lottery, no-show record, standby.
LOTTERY_DRAWN: Final = "LotteryDrawn"
LOTTERY_ENTRY_WON: Final = "LotteryEntryWon"
LOTTERY_ENTRY_WAITLISTED: Final = "LotteryEntryWaitlisted"
NOSHOW_MARKED: Final = "NoShowMarked"
NOSHOW_FORGIVEN: Final = "NoShowForgiven"
STANDBY_SEATS_RELEASED: Final = "StandbySeatsReleased"
STANDBY_CALLED: Final = "StandbyCalled"
# Issue 17: a party drops one member and keeps the rest (a new ticket for the smaller party).
REGISTRATION_MEMBER_DROPPED: Final = "RegistrationMemberDropped"
ALLOCATION_EVENT_TYPES: Final = (
    LOTTERY_DRAWN,
    LOTTERY_ENTRY_WON,
    LOTTERY_ENTRY_WAITLISTED,
    NOSHOW_MARKED,
    NOSHOW_FORGIVEN,
    STANDBY_SEATS_RELEASED,
    STANDBY_CALLED,
)
EVENT_TYPES: Final = (
    ACTIVITY_PUBLISHED,
    ACTIVITY_CHANGED,
    ACTIVITY_CANCELLED,
    REGISTRATION_CONFIRMED,
    REGISTRATION_WAITLISTED,
    WAITLIST_PROMOTED,
    REGISTRATION_CANCELLED,
    REGISTRATION_ERASED,
    CHECKIN_RECORDED,
    CHECKIN_DENIED,
    CHECKIN_REVERTED,
    NOTIFICATION_SENT,
    NOTIFICATION_FAILED,
    *ALLOCATION_EVENT_TYPES,
    REGISTRATION_MEMBER_DROPPED,
)
# Notify's own causes of a message: not Kafka event types, never published as such.
REMINDER_DUE: Final = "ReminderDue"
ORGANIZER_NOTICE: Final = "OrganizerNotice"


class _Data(Schema):
    class Meta:
        unknown = EXCLUDE  # forward compatible: new optional fields do not poison old consumers


class VenueSchema(_Data):
    id = fields.String(required=True)
    name = fields.String(required=True)
    address = fields.String(load_default="")


class ActivitySnapshotSchema(_Data):
    """The whole activity as it is after the change: consumers keep their own projection."""

    id = fields.String(required=True)
    kind = fields.String(required=True)
    title = fields.Dict(required=True)
    venue = fields.Nested(VenueSchema, required=True)
    hall = fields.String(required=True)
    starts_at = fields.AwareDateTime(required=True, format="iso")
    ends_at = fields.AwareDateTime(required=True, format="iso")
    capacity = fields.Integer(required=True)
    max_party_size = fields.Integer(required=True)
    status = fields.String(required=True, validate=validate.OneOf(["scheduled", "cancelled"]))


class ActivityPublishedV1(_Data):
    activity = fields.Nested(ActivitySnapshotSchema, required=True)


class ActivityChangedV1(_Data):
    activity = fields.Nested(ActivitySnapshotSchema, required=True)
    changed = fields.List(fields.String(), required=True)


class ActivityCancelledV1(_Data):
    activity = fields.Nested(ActivitySnapshotSchema, required=True)
    reason = fields.String(load_default="")


class MemberData(_Data):
    """One person of a real-name party, as the door sees it: masked only (issue 14)."""

    name_masked = fields.String(required=True)
    id_type = fields.String(required=True)
    id_masked = fields.String(load_default="")
    # Issue 23: HMAC of the number under the activity's door key (shared/door_id.py), never the
    # number; "" for a child without a document or a registration made before it.
    door_hash = fields.String(load_default="")


class _RegistrationData(_Data):
    registration_id = fields.String(required=True)
    activity_id = fields.String(required=True)
    venue_id = fields.String(required=True)
    party_size = fields.Integer(required=True, validate=validate.Range(min=1, max=20))
    name = fields.String(required=True)
    phone = fields.String(required=True)
    email = fields.String(load_default=None, allow_none=True)
    locale = fields.String(load_default="zh-CN", validate=validate.OneOf(LOCALES))
    manage_url = fields.String(required=True)
    members = fields.List(fields.Nested(MemberData), load_default=list)
    # Issue 15: set when the registration was made from a lottery draw (the entrant was told by
    # LotteryEntryWon / LotteryEntryWaitlisted; notify sends no second confirmation).
    lottery_entry_id = fields.String(load_default=None, allow_none=True)


class RegistrationConfirmedV1(_RegistrationData):
    ticket_code = fields.String(required=True)
    ticket_url = fields.String(required=True)


class RegistrationWaitlistedV1(_RegistrationData):
    waitlist_position = fields.Integer(required=True)


class WaitlistPromotedV1(RegistrationConfirmedV1):
    pass


class RegistrationCancelledV1(_RegistrationData):
    previous_status = fields.String(required=True, validate=validate.OneOf(["confirmed", "waitlisted"]))
    ticket_revoked = fields.Boolean(required=True)


class _CheckinData(_Data):
    registration_id = fields.String(required=True)
    gate = fields.String(required=True)
    staff = fields.String(load_default="")


class CheckinRecordedV1(_CheckinData):
    checkin_id = fields.String(required=True)
    admitted = fields.Integer(required=True)
    admitted_total = fields.Integer(required=True)
    party_size = fields.Integer(required=True)
    checked_in_at = fields.AwareDateTime(required=True, format="iso")


class CheckinDeniedV1(_CheckinData):
    reason = fields.String(required=True)


class CheckinRevertedV1(_CheckinData):
    checkin_id = fields.String(required=True)
    reverted = fields.Integer(required=True)


class _NotificationData(_Data):
    notification_id = fields.String(required=True)
    cause_event_id = fields.String(required=True)
    registration_id = fields.String(load_default=None, allow_none=True)
    channel = fields.String(required=True, validate=validate.OneOf(["sms", "email"]))
    template = fields.String(required=True)


class NotificationSentV1(_NotificationData):
    provider_message_id = fields.String(required=True)


class NotificationFailedV1(_NotificationData):
    error = fields.String(required=True)
    attempts = fields.Integer(required=True)


SCHEMAS: dict[tuple[str, int], type[Schema]] = {
    (ACTIVITY_PUBLISHED, 1): ActivityPublishedV1,
    (ACTIVITY_CHANGED, 1): ActivityChangedV1,
    (ACTIVITY_CANCELLED, 1): ActivityCancelledV1,
    (REGISTRATION_CONFIRMED, 1): RegistrationConfirmedV1,
    (REGISTRATION_WAITLISTED, 1): RegistrationWaitlistedV1,
    (WAITLIST_PROMOTED, 1): WaitlistPromotedV1,
    (REGISTRATION_CANCELLED, 1): RegistrationCancelledV1,
    (CHECKIN_RECORDED, 1): CheckinRecordedV1,
    (CHECKIN_DENIED, 1): CheckinDeniedV1,
    (CHECKIN_REVERTED, 1): CheckinRevertedV1,
    (NOTIFICATION_SENT, 1): NotificationSentV1,
    (NOTIFICATION_FAILED, 1): NotificationFailedV1,
}


def validate_data(type_: str, version: int, data: dict[str, Any]) -> dict[str, Any]:
    """Validate ``data`` for ``(type_, version)``; raises KeyError or ValidationError.

    Returns the data as sent (JSON types), not the loaded Python objects, so handlers and
    re-published copies see exactly what the producer wrote.
    """
    cls = SCHEMAS[(type_, version)]
    built = _COMPILED.get(cls)
    if built is None:  # built once per schema (issue 18): building one costs more than a load
        schema = cls()
        built = _COMPILED[cls] = (schema, compile_schema(schema))
    schema, fast = built
    if fast is None or not fast(data):  # the fast path is sure, or marshmallow decides
        schema.load(data)
    return data


_COMPILED: dict[type[Schema], tuple[Schema, Check | None]] = {}


# --- allocation beyond first come, first served (issue 15): lottery, no-show record, standby ----
# One block so that it merges cleanly; topics in shared/topics.py (ALLOCATION_TOPICS).
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
SCHEMAS.update(ALLOCATION_SCHEMAS)


# --- issue 17: a party drops one member and keeps the rest ---------------------------------------
class RegistrationMemberDroppedV1(_RegistrationData):
    """The smaller party (party_size, members) and its new ticket; the old code admits no more
    than the new party_size at the door (the check-in projection caps it)."""

    previous_party_size = fields.Integer(required=True)
    ticket_code = fields.String(required=True)
    status = fields.String(required=True, validate=validate.OneOf(["confirmed", "waitlisted"]))


SCHEMAS[(REGISTRATION_MEMBER_DROPPED, 1)] = RegistrationMemberDroppedV1


# --- personal data (issue 16): version 2 of the registration events -------------------------------
# One block so that it merges cleanly.  v2 carries no name, phone, email, manage link, ticket link or
# ticket code in clear: the door's masked forms, and ``sealed``, those fields sealed for notify alone
# (shared/sealed.py, purpose "notify").  v1 stays registered so that events written before the
# upgrade are still read (docs/privacy.md).
REGISTRATION_VERSION: Final = 2
ERASED_BY_REGISTRANT: Final = "registrant"  # from 我的报名 or the manage page
ERASED_BY_RETENTION: Final = "retention"  # the sweep, N days after the activity ended


class _RegistrationDataV2(_Data):
    registration_id = fields.String(required=True)
    activity_id = fields.String(required=True)
    venue_id = fields.String(required=True)
    party_size = fields.Integer(required=True, validate=validate.Range(min=1, max=20))
    locale = fields.String(load_default="zh-CN", validate=validate.OneOf(LOCALES))
    name_masked = fields.String(required=True)
    phone_masked = fields.String(required=True)  # 138****5678: the last four let the door look it up
    sealed = fields.String(required=True)  # SX1.notify.<kid>.…: name, phone, email, links, ticket code
    members = fields.List(fields.Nested(MemberData), load_default=list)
    lottery_entry_id = fields.String(load_default=None, allow_none=True)  # made by a draw (issue 15)


class RegistrationConfirmedV2(_RegistrationDataV2):
    pass


class RegistrationWaitlistedV2(_RegistrationDataV2):
    waitlist_position = fields.Integer(required=True)


class WaitlistPromotedV2(_RegistrationDataV2):
    pass


class RegistrationCancelledV2(_RegistrationDataV2):
    previous_status = fields.String(required=True, validate=validate.OneOf(["confirmed", "waitlisted"]))
    ticket_revoked = fields.Boolean(required=True)


class RegistrationErasedV1(_Data):
    """A registration's personal fields were erased (by its registrant, or by the retention sweep).

    Carries no personal field: consumers drop theirs for ``registration_id``."""

    registration_id = fields.String(required=True)
    activity_id = fields.String(required=True)
    cause = fields.String(required=True, validate=validate.OneOf([ERASED_BY_REGISTRANT, ERASED_BY_RETENTION]))


PRIVACY_SCHEMAS: dict[tuple[str, int], type[Schema]] = {
    (REGISTRATION_CONFIRMED, 2): RegistrationConfirmedV2,
    (REGISTRATION_WAITLISTED, 2): RegistrationWaitlistedV2,
    (WAITLIST_PROMOTED, 2): WaitlistPromotedV2,
    (REGISTRATION_CANCELLED, 2): RegistrationCancelledV2,
    (REGISTRATION_ERASED, 1): RegistrationErasedV1,
}


class RegistrationMemberDroppedV2(_RegistrationDataV2):
    """Issue 17's drop, as issue 16 sends it: the new ticket code is inside ``sealed``."""

    previous_party_size = fields.Integer(required=True)
    status = fields.String(required=True, validate=validate.OneOf(["confirmed", "waitlisted"]))


PRIVACY_SCHEMAS[(REGISTRATION_MEMBER_DROPPED, 2)] = RegistrationMemberDroppedV2
SCHEMAS.update(PRIVACY_SCHEMAS)


# --- personal data (issue 16) for lottery entries: version 2 of the outcome events ---------------
# No name, phone, email or link in clear: the masked forms and ``sealed`` (those fields sealed for
# notify alone, services/registration/personal.entry_at_rest).  v1 stays registered for events
# written before the upgrade.
LOTTERY_ENTRY_VERSION: Final = 2


class _LotteryEntryDataV2(_Data):
    entry_id = fields.String(required=True)
    activity_id = fields.String(required=True)
    position = fields.Integer(required=True)
    party_size = fields.Integer(required=True, validate=validate.Range(min=1, max=20))
    locale = fields.String(load_default="zh-CN", validate=validate.OneOf(LOCALES))
    name_masked = fields.String(required=True)
    phone_masked = fields.String(required=True)
    sealed = fields.String(required=True)  # SX1.notify.<kid>.…: name, phone, email, manage_url
    confirm_hours = fields.Integer(load_default=0)


class LotteryEntryWonV2(_LotteryEntryDataV2):
    pass


class LotteryEntryWaitlistedV2(_LotteryEntryDataV2):
    pass


SCHEMAS[(LOTTERY_ENTRY_WON, 2)] = LotteryEntryWonV2
SCHEMAS[(LOTTERY_ENTRY_WAITLISTED, 2)] = LotteryEntryWaitlistedV2


# --- crypto-shredding (issue 23): version 3 of the registration and lottery outcome events --------
# One block so that it merges cleanly.  Version 3 has version 2's fields; only ``sealed`` changes:
# it is sealed under the registration's (or entry's) own data key (shared/shredding.py,
# ``SK1.<aid>.<subject>.…``), which rests in Redis (``{p}shred:{aid}``) until the erasure deletes
# it, and with it every copy on every topic.  Version 2 (sealed under notify's ring) stays
# registered: records made before the upgrade still go out as version 2, and consumers read both.
SHREDDED_VERSION: Final = 3
SHREDDED = validate.Regexp(r"^SK1\.")


SHREDDED_TYPES: Final = (
    REGISTRATION_CONFIRMED,
    REGISTRATION_WAITLISTED,
    WAITLIST_PROMOTED,
    REGISTRATION_CANCELLED,
    REGISTRATION_MEMBER_DROPPED,
    LOTTERY_ENTRY_WON,
    LOTTERY_ENTRY_WAITLISTED,
)


def _shredded(v2: type[Schema]) -> type[Schema]:
    """Version 3 of a type: version 2's schema with ``sealed`` under a data key."""
    name = v2.__name__.replace("V2", "V3")
    return type(name, (v2,), {"sealed": fields.String(required=True, validate=SHREDDED)})


SHREDDED_SCHEMAS: dict[tuple[str, int], type[Schema]] = {
    (t, SHREDDED_VERSION): _shredded(SCHEMAS[(t, 2)]) for t in SHREDDED_TYPES
}
SCHEMAS.update(SHREDDED_SCHEMAS)
