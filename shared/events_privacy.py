"""Personal data in events: version 2 of the registration and lottery outcome events (issue 16)
and version 3, crypto-shredded (issue 23).  Registered in ``shared.events``."""

from __future__ import annotations

from typing import Final

from marshmallow import Schema, fields, validate

from shared.events_v1 import (
    LOCALES,
    LOTTERY_ENTRY_WAITLISTED,
    LOTTERY_ENTRY_WON,
    REGISTRATION_CANCELLED,
    REGISTRATION_CONFIRMED,
    REGISTRATION_ERASED,
    REGISTRATION_MEMBER_CORRECTED,
    REGISTRATION_MEMBER_DROPPED,
    REGISTRATION_WAITLISTED,
    WAITLIST_PROMOTED,
    MemberData,
    _Data,
)

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
    wheelchairs = fields.Integer(load_default=0)  # issue 29 item 6: wheelchair places, shown at the door


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


class RegistrationMemberCorrectedV2(_RegistrationDataV2):
    """Issue 26's correction, as issue 16 sends it (contact fields inside ``sealed``)."""

    member = fields.Integer(required=True)
    status = fields.String(required=True, validate=validate.OneOf(["confirmed", "waitlisted"]))


PRIVACY_SCHEMAS[(REGISTRATION_MEMBER_CORRECTED, 2)] = RegistrationMemberCorrectedV2


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


LOTTERY_ENTRY_SCHEMAS: dict[tuple[str, int], type[Schema]] = {
    (LOTTERY_ENTRY_WON, 2): LotteryEntryWonV2,
    (LOTTERY_ENTRY_WAITLISTED, 2): LotteryEntryWaitlistedV2,
}


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
    REGISTRATION_MEMBER_CORRECTED,
    LOTTERY_ENTRY_WON,
    LOTTERY_ENTRY_WAITLISTED,
)


def _shredded(v2: type[Schema]) -> type[Schema]:
    """Version 3 of a type: version 2's schema with ``sealed`` under a data key."""
    name = v2.__name__.replace("V2", "V3")
    return type(name, (v2,), {"sealed": fields.String(required=True, validate=SHREDDED)})


SHREDDED_SCHEMAS: dict[tuple[str, int], type[Schema]] = {
    (t, SHREDDED_VERSION): _shredded({**PRIVACY_SCHEMAS, **LOTTERY_ENTRY_SCHEMAS}[(t, 2)])
    for t in SHREDDED_TYPES
}
