"""Marshmallow schemas of the registration API: activities, and the validators the registration
schemas share (registration_schemas.py). OpenAPI is generated from these."""

from __future__ import annotations

import unicodedata
from datetime import UTC, datetime

from marshmallow import (
    RAISE,
    Schema,
    ValidationError,
    fields,
    pre_load,
    validate,
    validates_schema,
)

from services.registration.queue.schemas import QueueIn, QueueOut
from services.registration.seats.party_limit import PartySize
from services.registration.seats.quota_schemas import QuotaMixin, QuotaOut
from services.registration.vocabulary import ALLOCATIONS, FCFS, HANDBACKS
from shared.events import SLUG
from shared.i18n import LENGTH_BETWEEN, LENGTH_MAX, rule
from shared.text import no_controls, one_line, plain_text

KINDS = ("imax", "dome", "lecture", "exhibition", "other", "screening")
AUDIENCES = ("sci_workers_and_families", "public")
_NAME_PUNCT = set(" ·•-'.．。")
# Activity times: a ticket signs its window as unsigned 32-bit seconds, and a typo such as 2202
# in an imported spreadsheet must be refused, not carried to the ticket.
WHEN = validate.Range(
    min=datetime(2000, 1, 1, tzinfo=UTC),
    max=datetime(2100, 1, 1, tzinfo=UTC),
    error="Must be between 2000 and 2100.",
)


def plain(value: str) -> None:
    """shared.text.plain_text, reported as the ``characters`` rule."""
    try:
        plain_text(value)
    except ValidationError:
        raise ValidationError(rule("characters")) from None


def person_name(value: str) -> None:
    """Letters of any script (Chinese, Latin, Arabic…) with spaces and name punctuation only."""
    plain(value)
    if not value.strip() or any(
        not (unicodedata.category(ch)[0] in "LM" or ch in _NAME_PUNCT) for ch in value
    ):
        raise ValidationError(rule("letters_only"))


class _Strict(Schema):
    class Meta:
        unknown = RAISE


class _Filled(_Strict):
    """A required field left empty ("", spaces or null) says 必填 / Required, not 格式不正确 (issue 17).

    The empty value is taken as missing, so a create answers marshmallow's "required"; a partial
    change (PATCH), where missing means "unchanged", is told the same by :meth:`_emptied`."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for f in self.fields.values():
            f.error_messages["required"] = rule("required")  # 必填项 / Required.

    @pre_load
    def _empty_is_missing(self, data, **_):
        if not isinstance(data, dict):
            return data
        empty = [
            name
            for name, f in self.fields.items()
            if f.required and name in data and (data[name] is None or str(data[name]).strip() == "")
        ]
        self._empty = empty  # read by _emptied in this same load
        return {k: val for k, val in data.items() if k not in empty}

    @validates_schema(skip_on_field_errors=False)
    def _emptied(self, _data, partial=None, **_):
        if partial and getattr(self, "_empty", None):
            raise ValidationError({name: [rule("required")] for name in self._empty})


class I18nText(_Filled):
    """A title: it becomes an email's subject, so it is one line (issue 23)."""

    zh = fields.String(
        required=True,
        validate=[validate.Length(min=1, max=200, error=LENGTH_BETWEEN), no_controls, one_line],
    )
    en = fields.String(
        load_default="", validate=[validate.Length(max=200, error=LENGTH_MAX), no_controls, one_line]
    )


class I18nLongText(_Strict):
    zh = fields.String(load_default="", validate=[validate.Length(max=4000), no_controls])
    en = fields.String(load_default="", validate=[validate.Length(max=4000), no_controls])


class DirectionsIn(_Strict):
    zh = fields.String(load_default="", validate=[validate.Length(max=500), no_controls])
    en = fields.String(load_default="", validate=[validate.Length(max=500), no_controls])


def english(max_length: int, what: str) -> fields.String:
    """An optional English name beside a Chinese one (issue 26): empty when none was given."""
    return fields.String(
        load_default="",
        validate=[validate.Length(max=max_length, error=LENGTH_MAX), no_controls],
        metadata={"description": f"{what} (optional; English pages show it)"},
    )


class VenueIn(_Filled):
    id = fields.String(required=True, validate=validate.Regexp(r"^[a-z0-9][a-z0-9-]{0,23}$"))
    name = fields.String(
        required=True, validate=[validate.Length(min=1, max=100, error=LENGTH_BETWEEN), no_controls]
    )
    address = fields.String(load_default="", validate=[validate.Length(max=200), no_controls])
    # issue 26: English pages show these; without them the Chinese, marked as such
    name_en = english(100, "the venue's English name")
    address_en = english(200, "the address in English")
    directions = fields.Nested(
        DirectionsIn,
        load_default=lambda: {"zh": "", "en": ""},
        metadata={"description": "how to get there (交通指引)"},
    )


class WaitlistIn(_Strict):
    enabled = fields.Boolean(load_default=True)
    max_length = fields.Integer(
        load_default=200,
        validate=validate.Range(min=0, max=100000),
        metadata={"description": "parties that may wait"},
    )


HANDBACK_DOC = "a seat handed back goes to: waitlist (only; else standby) or pool (docs/registration.md)"


class LotteryIn(_Strict):
    """A lottery's times (摇号): the entries' window and the draw; the order said as field rules."""

    opens_at = fields.AwareDateTime(required=True, validate=WHEN, metadata={"description": "entries open"})
    closes_at = fields.AwareDateTime(required=True, validate=WHEN, metadata={"description": "entries close"})
    draw_at = fields.AwareDateTime(
        required=True, validate=WHEN, metadata={"description": "the draw, at or after closes_at"}
    )
    confirm_hours = fields.Integer(
        load_default=None, allow_none=True, strict=True, validate=validate.Range(min=0, max=168),
        metadata={"description": "winners confirm within N hours (0 = no confirmation)"},
    )  # fmt: skip

    @validates_schema
    def _order(self, data, **_):
        if missing := [f for f in ("opens_at", "closes_at", "draw_at") if f not in data]:  # PATCH: whole
            raise ValidationError({f: [rule("required")] for f in missing})
        if data["closes_at"] <= data["opens_at"]:
            raise ValidationError(rule("after_entries_open"), "closes_at")
        if data["draw_at"] < data["closes_at"]:
            raise ValidationError(rule("not_before_entries_close"), "draw_at")


class ActivityIn(_Filled, QueueIn, QuotaMixin):  # issue 28: queue, expected_demand; 29: quotas
    id = fields.String(required=True, validate=SLUG, metadata={"description": "slug, 1–32 chars"})
    kind = fields.String(required=True, validate=validate.OneOf(KINDS))
    title = fields.Nested(I18nText, required=True)
    description = fields.Nested(I18nLongText, load_default=lambda: {"zh": "", "en": ""})
    venue = fields.Nested(VenueIn, required=True)
    hall = fields.String(
        load_default="",
        validate=[validate.Length(max=100, error=LENGTH_MAX), no_controls],
        metadata={"description": "empty for a place without halls (a square, a park)"},
    )
    hall_en = english(100, "the hall's English name")
    organizer = fields.String(
        load_default="",
        validate=[validate.Length(max=100), no_controls],
        metadata={"description": "organizing unit (主办单位)"},
    )
    starts_at = fields.AwareDateTime(required=True, validate=WHEN)
    ends_at = fields.AwareDateTime(required=True, validate=WHEN)
    capacity = fields.Integer(required=True, strict=True, validate=validate.Range(min=1, max=100000))
    max_party_size = fields.Integer(required=True, strict=True, validate=PartySize())
    audience = fields.String(required=True, validate=validate.OneOf(AUDIENCES))
    registration_opens_at = fields.AwareDateTime(required=True, validate=WHEN)
    registration_closes_at = fields.AwareDateTime(required=True, validate=WHEN)
    waitlist = fields.Nested(WaitlistIn, load_default=lambda: {"enabled": True, "max_length": 200})
    real_name = fields.Boolean(
        load_default=False,
        metadata={"description": "every member gives a name and an ID (实名制), one ID once per activity"},
    )
    allocation = fields.String(
        load_default=FCFS,
        validate=validate.OneOf(ALLOCATIONS),
        metadata={"description": "fcfs (first come, first served) or lottery (摇号: entered, then drawn)"},
    )
    handback = fields.String(validate=validate.OneOf(HANDBACKS), metadata={"description": HANDBACK_DOC})
    lottery = fields.Nested(
        LotteryIn,
        metadata={
            "description": "with allocation lottery: its times; saving the activity opens the lottery "
            "(the seed is committed then) or moves its times, as POST …/lottery does"
        },
    )

    @validates_schema(skip_on_field_errors=False)  # time order is shown with every other error
    def _times(self, data, **_):
        errors = _lottery_errors(data)
        if data.get("starts_at") and data.get("ends_at") and data["ends_at"] <= data["starts_at"]:
            errors["ends_at"] = [rule("after_start")]
        o, c = data.get("registration_opens_at"), data.get("registration_closes_at")
        if o and c and c <= o:
            errors["registration_closes_at"] = [rule("after_registration_opens")]
        if c and data.get("starts_at") and c > data["starts_at"]:
            errors.setdefault("registration_closes_at", []).append(rule("not_after_start"))
        if errors:
            raise ValidationError(errors)


def _lottery_errors(data) -> dict:
    """A lottery is drawn before the activity starts (that it is drawn at all: lottery.run)."""
    lottery, starts = data.get("lottery"), data.get("starts_at")
    if lottery and starts and lottery.get("draw_at") and lottery["draw_at"] > starts:
        return {"lottery": {"draw_at": [rule("not_after_start")]}}
    return {}


class ActivityPatch(ActivityIn):
    """Every field optional (a lottery's times given whole); ``id`` cannot change."""

    class Meta:
        unknown = RAISE
        exclude = ("id",)

    def __init__(self, *args, **kwargs):
        kwargs["partial"] = True
        super().__init__(*args, **kwargs)


class ActivityCancelIn(_Strict):
    reason = fields.String(load_default="", validate=[validate.Length(max=500), no_controls])


class VenueOut(Schema):
    id = fields.String()
    name = fields.String()
    name_en = fields.String()
    address = fields.String()
    address_en = fields.String()
    directions = fields.Dict()


class ActivityOut(QueueOut, QuotaOut):  # issue 28: queue, expected_demand; 29: quotas
    id = fields.String()
    kind = fields.String()
    title = fields.Dict()
    description = fields.Dict()
    venue = fields.Nested(VenueOut)
    hall = fields.String()
    hall_en = fields.String()
    organizer = fields.String()
    starts_at = fields.String()
    ends_at = fields.String()
    capacity = fields.Integer()
    max_party_size = fields.Integer()
    audience = fields.String()
    registration_opens_at = fields.String()
    registration_closes_at = fields.String()
    waitlist = fields.Dict()
    real_name = fields.Boolean()
    allocation = fields.String(metadata={"description": "fcfs | lottery"})
    handback = fields.String(metadata={"description": "waitlist | pool: where a seat handed back goes"})
    status = fields.String()
    cancel_reason = fields.String()
    seats_left = fields.Integer()
    seats_taken = fields.Integer()
    seats_handed_back = fields.Integer(metadata={"description": "free, kept for the waitlist or standby"})
    waitlist_length = fields.Integer(metadata={"description": "parties waiting"})
    waitlist_people = fields.Integer()
    turned_away = fields.Integer(
        metadata={
            "description": "people refused with sold_out (full, waitlist full or "
            "off); with waitlist_people, the waitlist demand"
        }
    )
    revision = fields.Integer()


class ActivityListOut(Schema):
    activities = fields.List(fields.Nested(ActivityOut))
