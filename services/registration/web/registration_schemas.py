"""Marshmallow schemas of registrations, their members and tickets, and the public keys.

OpenAPI is generated from these; their errors are field-rule keys rendered per language.
"""

from __future__ import annotations

from marshmallow import EXCLUDE, RAISE, Schema, ValidationError, fields, post_load, validate, validates_schema

from services.registration.access.identity import ID_TYPES, NO_ID
from services.registration.seats.party_limit import PartyMembers, PartySize
from services.registration.web.schemas import ActivityOut, person_name, plain
from shared.events import LOCALES
from shared.i18n import LENGTH_BETWEEN, LENGTH_MAX, ONE_OF, RANGE_BETWEEN, SCHEMA_ERRORS, keyed, rule
from shared.phone_field import CanonicalPhone


class Keyed(Schema):
    """A schema whose every error is a field-rule key, rendered per language by shared/i18n.py."""

    error_messages = SCHEMA_ERRORS

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            keyed(field)


class RegistrationIn(Keyed):
    class Meta:
        unknown = RAISE

    name = fields.String(
        required=True,
        validate=[validate.Length(min=1, max=50, error=LENGTH_BETWEEN), person_name],
        metadata={"description": "letters of any script; no digits, symbols, emoji or control characters"},
    )
    phone = CanonicalPhone(
        load_default=None,
        allow_none=True,
        metadata={
            "description": "mainland mobile, 11 digits starting with 1; spaces, dashes and "
            "+86/0086/86 accepted, stored as the 11 ASCII digits. Optional: the verified session's phone is used, and a "
            "phone given here must be the same number"
        },
    )
    members = fields.List(
        fields.Nested(lambda: MemberIn()),
        load_default=None,
        validate=PartyMembers(error=LENGTH_BETWEEN),
        metadata={"description": "real-name activities: one per person (party_size of them)"},
    )
    email = fields.Email(
        load_default=None, allow_none=True, validate=validate.Length(max=254, error=LENGTH_MAX)
    )
    organization = fields.String(
        load_default=None, allow_none=True, validate=[validate.Length(max=100, error=LENGTH_MAX), plain]
    )
    party_size = fields.Integer(required=True, strict=True, validate=PartySize(error=RANGE_BETWEEN))
    locale = fields.String(load_default=None, allow_none=True, validate=validate.OneOf(LOCALES, error=ONE_OF))
    # No load_default: a body without it keeps the fingerprint it had before (idempotency.py).
    consent = fields.Boolean(
        truthy={True},
        falsy={False},
        metadata={
            "description": "true: the person read the privacy notice (/privacy) and consented, "
            "as the form's checkbox records; kept as its proof (time, notice version, scope). "
            "false is refused (validation_failed, consent: consent_required), and so is a body "
            "without it where SCIDAY_API_CONSENT_REQUIRED is on"
        },
    )

    # Issue 29 (代预约). No load_default: a body without them keeps its fingerprint (idempotency.py).
    for_someone_else = fields.Boolean(
        truthy={True},
        falsy={False},
        metadata={
            "description": "true: the verified phone books for someone else (a parent, a friend), who "
            "is the party's registrant at the door: name (and on real-name activities the first member) "
            "are theirs. The limits count that person: the one registration per phone their phone "
            "(attendee_phone), else their ID, else the helper's phone; the per-ID limits their ID. One "
            "phone may book for SCIDAY_PROXY_MAX_PERSONS_PER_FESTIVAL different people in the festival "
            "(proxy_limit_reached). The helper keeps the booking in 我的报名"
        },
    )
    attendee_phone = CanonicalPhone(
        allow_none=True,
        metadata={
            "description": "the person booked for: their mobile (optional; implies for_someone_else), "
            "sent the ticket by SMS as well, and counted by the one registration per phone"
        },
    )

    # Issue 29 item 6: no load_default either (the fingerprint of a body without it stays the same).
    accessible = fields.Nested(
        lambda: AccessibleIn(),
        metadata={
            "description": "wheelchair places and companion seats (seats/accessible.py): the party's "
            "wheelchair users come from the activity's wheelchair places only, companion seats only "
            "with them; refused no_wheelchair_place | no_companion_seat | companion_needs_wheelchair"
        },
    )

    @validates_schema
    def _accessible_within_party(self, data, **_):
        asked = data.get("accessible") or {}
        if asked.get("wheelchairs", 0) + asked.get("companions", 0) > data.get("party_size", 0):
            raise ValidationError(rule("accessible_over_party"), "accessible")

    @post_load
    def _clean(self, data, **_):
        data["name"] = data["name"].strip()
        return data


class AccessibleIn(Keyed):
    """The form's "I need a wheelchair place": how many of the party use a wheelchair, and how
    many companion seats beside them (the rest of the party sits in general seats)."""

    class Meta:
        unknown = RAISE

    wheelchairs = fields.Integer(
        required=True, strict=True, validate=validate.Range(min=0, max=100, error=RANGE_BETWEEN)
    )
    companions = fields.Integer(
        load_default=0, strict=True, validate=validate.Range(min=0, max=100, error=RANGE_BETWEEN)
    )


class MemberIn(Keyed):
    """One person of a real-name party; a child under the set age may come with id_type "none"
    and a birth date instead of a document."""

    class Meta:
        unknown = RAISE

    name = fields.String(
        required=True, validate=[validate.Length(min=1, max=50, error=LENGTH_BETWEEN), person_name]
    )
    id_type = fields.String(required=True, validate=validate.OneOf([*ID_TYPES, NO_ID], error=ONE_OF))
    id_number = fields.String(
        load_default=None, allow_none=True, validate=validate.Length(max=40, error=LENGTH_MAX)
    )
    birth_date = fields.Date(load_default=None, allow_none=True)
    guardian = fields.Integer(
        load_default=None,
        allow_none=True,
        strict=True,
        metadata={
            "description": "a child's (id_type none): the place in members, from 0, of its guardian, "
            "another member with an ID; absent: the first member with an ID. Refused with "
            "guardian_invalid (members.<i>.guardian: guardian_not_in_party | guardian_without_id)"
        },
    )
    # A passport's issuing country, ISO 3166-1 alpha-3 (CHN, USA...); required for passports.
    nationality = fields.String(
        load_default=None, allow_none=True, validate=validate.Length(max=3, error=LENGTH_MAX)
    )


class MemberCorrectionIn(Keyed):
    """A member corrected after booking (issue 26): the new name, and for a member with an ID the
    number typed again. The number cannot change: another one is a new member in this one's place,
    within the per-ID limits, and only with ``replace`` (else ``member_id_changed``)."""

    class Meta:
        unknown = RAISE

    name = fields.String(
        required=True, validate=[validate.Length(min=1, max=50, error=LENGTH_BETWEEN), person_name]
    )
    id_type = fields.String(load_default=None, validate=validate.OneOf(ID_TYPES, error=ONE_OF))
    id_number = fields.String(load_default=None, validate=validate.Length(max=40, error=LENGTH_MAX))
    nationality = fields.String(
        load_default=None, allow_none=True, validate=validate.Length(max=3, error=LENGTH_MAX)
    )
    replace = fields.Boolean(load_default=False, metadata={"description": "another ID: a new member"})


class GuardianOut(Schema):
    name_masked = fields.String()
    id_masked = fields.String()


class MemberOut(Schema):
    name_masked = fields.String()
    id_type = fields.String()
    id_masked = fields.String()
    nationality = fields.String(metadata={"description": "a passport's issuing country (ISO alpha-3)"})
    guardian = fields.Nested(GuardianOut, metadata={"description": "a child's (id_type none) guardian"})


class TicketOut(Schema):
    code = fields.String()
    url = fields.String()
    qr_png_url = fields.String()
    qr_svg_url = fields.String()


class RegistrationCreatedOut(Schema):
    registration_id = fields.String()
    status = fields.String(metadata={"description": "confirmed | waitlisted"})
    party_size = fields.Integer()
    waitlist_position = fields.Integer(allow_none=True)
    ticket = fields.Nested(TicketOut, allow_none=True)
    manage_url = fields.String()


class RegistrationOut(RegistrationCreatedOut):
    activity_id = fields.String()
    name = fields.String()
    phone_masked = fields.String()
    email = fields.String(allow_none=True)
    organization = fields.String(allow_none=True)
    locale = fields.String()
    created_at = fields.String()
    cancelled_at = fields.String(allow_none=True)
    activity = fields.Nested(ActivityOut)
    members = fields.List(fields.Nested(MemberOut))
    for_someone_else = fields.Boolean(
        metadata={"description": "issue 29: booked by this phone for someone else"}
    )
    attendee_phone_masked = fields.String(metadata={"description": "the person booked for's phone, masked"})
    wheelchairs = fields.Integer(metadata={"description": "wheelchair places booked (issue 29)"})
    companions = fields.Integer(metadata={"description": "companion seats booked with them"})


class ManageTokenQuery(Schema):
    class Meta:
        unknown = EXCLUDE

    token = fields.String(
        load_default=None, metadata={"description": "manage token from manage_url (or X-Manage-Token)"}
    )


class KeyOut(Schema):
    kid = fields.Integer()
    alg = fields.String()
    public_key = fields.String(metadata={"description": "raw 32-byte Ed25519 key, base64url"})


class KeyListOut(Schema):
    keys = fields.List(fields.Nested(KeyOut))
