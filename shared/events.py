"""One marshmallow schema per event type and version.

Types are past tense and self-contained: each carries what its consumers need, so no consumer
calls back into the producing service.  Additive fields keep the version; anything else bumps it
and both versions stay registered until no producer sends the old one.

Split by theme (a schema module per block, this one registers them all): shared/events_v1.py
(the type names and the first schemas), shared/events_allocation.py (lottery, no-show, standby,
the smaller party) and shared/events_privacy.py (versions 2 and 3, personal data).
"""

from __future__ import annotations

from typing import Any

from marshmallow import Schema

# In declaration order: services/registration/lua_words.py writes the event types in this order.
# isort: off
from shared.events_v1 import (
    SLUG,
    LOCALES,
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
    LOTTERY_DRAWN,
    LOTTERY_ENTRY_WON,
    LOTTERY_ENTRY_WAITLISTED,
    NOSHOW_MARKED,
    NOSHOW_FORGIVEN,
    STANDBY_SEATS_RELEASED,
    STANDBY_CALLED,
    REGISTRATION_MEMBER_DROPPED,
    REGISTRATION_MEMBER_CORRECTED,
    SEATS_HANDED_BACK,
    ALLOCATION_EVENT_TYPES,
    EVENT_TYPES,
    REMINDER_DUE,
    ORGANIZER_NOTICE,
    _Data,
    VenueSchema,
    ActivitySnapshotSchema,
    ActivityPublishedV1,
    ActivityChangedV1,
    ActivityCancelledV1,
    MemberData,
    RegistrationConfirmedV1,
    RegistrationWaitlistedV1,
    WaitlistPromotedV1,
    RegistrationCancelledV1,
    CheckinRecordedV1,
    CheckinDeniedV1,
    CheckinRevertedV1,
    NotificationSentV1,
    NotificationFailedV1,
    V1_SCHEMAS,
)

# isort: on
from shared.compiled_schemas import Check, compile_schema
from shared.events_allocation import (
    ALLOCATION_SCHEMAS,
    LotteryDrawnV1,
    LotteryEntryWaitlistedV1,
    LotteryEntryWonV1,
    NoShowForgivenV1,
    NoShowMarkedV1,
    RegistrationMemberDroppedV1,
    SeatsHandedBackV1,
    StandbyCalledV1,
    StandbyCalledV2,
    StandbySeatsReleasedV1,
)
from shared.events_groups import GROUP_ROUND_SCHEMAS, GROUP_ROUND_VERSION
from shared.events_privacy import (
    ERASED_BY_REGISTRANT,
    ERASED_BY_RETENTION,
    LOTTERY_ENTRY_SCHEMAS,
    LOTTERY_ENTRY_VERSION,
    PRIVACY_SCHEMAS,
    REGISTRATION_VERSION,
    SHREDDED,
    SHREDDED_SCHEMAS,
    SHREDDED_TYPES,
    SHREDDED_VERSION,
    LotteryEntryWaitlistedV2,
    LotteryEntryWonV2,
    RegistrationCancelledV2,
    RegistrationConfirmedV2,
    RegistrationErasedV1,
    RegistrationMemberDroppedV2,
    RegistrationWaitlistedV2,
    WaitlistPromotedV2,
)

__all__ = [
    "ACTIVITY_CANCELLED",
    "ACTIVITY_CHANGED",
    "ACTIVITY_PUBLISHED",
    "ALLOCATION_EVENT_TYPES",
    "ALLOCATION_SCHEMAS",
    "ActivityCancelledV1",
    "ActivityChangedV1",
    "ActivityPublishedV1",
    "ActivitySnapshotSchema",
    "CHECKIN_DENIED",
    "CHECKIN_RECORDED",
    "CHECKIN_REVERTED",
    "CheckinDeniedV1",
    "CheckinRecordedV1",
    "CheckinRevertedV1",
    "ERASED_BY_REGISTRANT",
    "ERASED_BY_RETENTION",
    "EVENT_TYPES",
    "LOCALES",
    "LOTTERY_DRAWN",
    "GROUP_ROUND_SCHEMAS",
    "GROUP_ROUND_VERSION",
    "LOTTERY_ENTRY_SCHEMAS",
    "LOTTERY_ENTRY_VERSION",
    "LOTTERY_ENTRY_WAITLISTED",
    "LOTTERY_ENTRY_WON",
    "LotteryDrawnV1",
    "LotteryEntryWaitlistedV1",
    "LotteryEntryWaitlistedV2",
    "LotteryEntryWonV1",
    "LotteryEntryWonV2",
    "MemberData",
    "NOSHOW_FORGIVEN",
    "NOSHOW_MARKED",
    "NOTIFICATION_FAILED",
    "NOTIFICATION_SENT",
    "NoShowForgivenV1",
    "NoShowMarkedV1",
    "NotificationFailedV1",
    "NotificationSentV1",
    "ORGANIZER_NOTICE",
    "PRIVACY_SCHEMAS",
    "REGISTRATION_CANCELLED",
    "REGISTRATION_CONFIRMED",
    "REGISTRATION_ERASED",
    "REGISTRATION_MEMBER_DROPPED",
    "REGISTRATION_MEMBER_CORRECTED",
    "REGISTRATION_VERSION",
    "REGISTRATION_WAITLISTED",
    "REMINDER_DUE",
    "RegistrationCancelledV1",
    "RegistrationCancelledV2",
    "RegistrationConfirmedV1",
    "RegistrationConfirmedV2",
    "RegistrationErasedV1",
    "RegistrationMemberDroppedV1",
    "RegistrationMemberDroppedV2",
    "RegistrationWaitlistedV1",
    "RegistrationWaitlistedV2",
    "SCHEMAS",
    "SEATS_HANDED_BACK",
    "SeatsHandedBackV1",
    "SHREDDED",
    "SHREDDED_SCHEMAS",
    "SHREDDED_TYPES",
    "SHREDDED_VERSION",
    "SLUG",
    "STANDBY_CALLED",
    "STANDBY_SEATS_RELEASED",
    "StandbyCalledV1",
    "StandbyCalledV2",
    "StandbySeatsReleasedV1",
    "V1_SCHEMAS",
    "VenueSchema",
    "WAITLIST_PROMOTED",
    "WaitlistPromotedV1",
    "WaitlistPromotedV2",
    "_Data",
    "validate_data",
]


SCHEMAS: dict[tuple[str, int], type[Schema]] = {
    **V1_SCHEMAS,
    **ALLOCATION_SCHEMAS,
    **PRIVACY_SCHEMAS,
    **LOTTERY_ENTRY_SCHEMAS,
    **SHREDDED_SCHEMAS,
    **GROUP_ROUND_SCHEMAS,  # issue 27: a lottery group's rounds
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
