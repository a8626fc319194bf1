"""The event type names (the one place they are written) and the version 1 schemas of the
activity, registration, check-in and notification events.  ``shared.events`` registers every
schema and re-exports these names."""

from __future__ import annotations

from typing import Final

from marshmallow import EXCLUDE, Schema, fields, validate

from shared import words

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
# Issue 26: a member's name corrected, or a member with another ID put in its place; same party size.
REGISTRATION_MEMBER_CORRECTED: Final = "RegistrationMemberCorrected"
# Issue 27: the activity's count of seats handed back (kept from open booking), for standby.
SEATS_HANDED_BACK: Final = "SeatsHandedBack"
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
    REGISTRATION_MEMBER_CORRECTED,
    SEATS_HANDED_BACK,
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
    # issue 26: the English names (empty when none was given; optional for older producers)
    name_en = fields.String(load_default="")
    address_en = fields.String(load_default="")


class ActivitySnapshotSchema(_Data):
    """The whole activity as it is after the change: consumers keep their own projection."""

    id = fields.String(required=True)
    kind = fields.String(required=True)
    title = fields.Dict(required=True)
    venue = fields.Nested(VenueSchema, required=True)
    hall = fields.String(required=True)
    hall_en = fields.String(load_default="")  # issue 26
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
    wheelchairs = fields.Integer(load_default=0)  # issue 29 item 6: wheelchair places, shown at the door


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
    # Issue 26: the members of a real-name party this admission let in, by place in the party
    # (from 1), never an ID number or hash; [] for a head count. Optional: no new schema version.
    members = fields.List(fields.Integer(validate=validate.Range(min=1, max=20)), load_default=list)


class CheckinDeniedV1(_CheckinData):
    reason = fields.String(required=True)


class CheckinRevertedV1(_CheckinData):
    checkin_id = fields.String(required=True)
    reverted = fields.Integer(required=True)
    reason = fields.String(load_default="")  # issue 26: why a supervisor undid it (optional)
    # Issue 26: the members the undone check-in had named (places from 1); [] for a head count.
    members = fields.List(fields.Integer(validate=validate.Range(min=1, max=20)), load_default=list)


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


V1_SCHEMAS: dict[tuple[str, int], type[Schema]] = {
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
