"""An activity's quotas (issue 29): seats kept for a channel (the staffed window, groups,
wheelchair places, companion seats), as the organizer writes them.  The rule that keeps them
lives in ``quota.lua``; this module only reads the document and turns it into that script's
configuration (:func:`quota_state`)."""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from services.registration.catalogue.activities import ms
from services.registration.vocabulary import QUOTA_CHANNELS
from shared.i18n import rule

Doc = dict[str, Any]


class QuotaIn(Schema):
    """One channel's kept seats: a number or a share of the capacity, and when they stop being
    kept (hours before the start; the setting of the channel when left out)."""

    class Meta:
        ordered = True

    seats = fields.Integer(strict=True, validate=validate.Range(min=0, max=100000))
    share = fields.Float(
        validate=validate.Range(min=0, max=1), metadata={"description": "0–1 of the capacity"}
    )
    release_before_h = fields.Float(
        validate=validate.Range(min=0, max=24 * 30),
        metadata={"description": "hours before the start when unbooked kept seats stop being kept"},
    )

    @validates_schema
    def _one(self, data, **_):
        if "seats" in data and "share" in data:
            raise ValidationError(rule("seats_or_share"), "share")


class QuotasIn(Schema):
    window = fields.Nested(
        QuotaIn, metadata={"description": "the staffed window and the phone line (现场/电话)"}
    )
    group = fields.Nested(QuotaIn, metadata={"description": "schools and institutes (团体)"})
    wheelchair = fields.Nested(QuotaIn, metadata={"description": "wheelchair places (轮椅位)"})
    companion = fields.Nested(
        QuotaIn, metadata={"description": "companion seats, only with a wheelchair place"}
    )


class QuotaMixin(Schema):
    """ActivityIn's ``quotas`` (a mixin, as QueueIn is)."""

    quotas = fields.Nested(
        QuotasIn, metadata={"description": "seats kept for channels (docs/quota.md); none when left out"}
    )

    @validates_schema
    def _within_capacity(self, data, **_):
        quotas, capacity = data.get("quotas"), data.get("capacity")
        if quotas and capacity and sum(seats(q, capacity) for q in quotas.values()) > capacity:
            raise ValidationError(rule("quota_above_capacity"), "quotas")


class QuotaOut(Schema):
    """ActivityOut's ``quotas`` (a mixin, as QueueOut is): as the organizer set them."""

    quotas = fields.Dict(metadata={"description": "seats kept for channels (docs/quota.md)"})


def seats(quota: Mapping[str, Any], capacity: int) -> int:
    """A channel's kept seats: its number, or its share of the capacity rounded down."""
    if "seats" in quota:
        return int(quota["seats"])
    return math.floor(capacity * float(quota.get("share", 0)) + 1e-9)


def quota_state(doc: Doc, release_before_h: Mapping[str, float]) -> Doc:
    """The document's quotas as quota.lua's ``quota_configure`` reads them:
    ``{channel: {"seats": n, "until_ms": ms}}``; ``release_before_h`` is each channel's setting."""
    quotas, capacity = doc.get("quotas") or {}, int(doc["capacity"])
    starts = ms(doc["starts_at"])
    out: Doc = {}
    for ch in QUOTA_CHANNELS:
        given = quotas.get(ch)
        if not given:
            continue
        before = float(given.get("release_before_h", release_before_h[ch]))
        out[ch] = {"seats": seats(given, capacity), "until_ms": starts - int(before * 3_600_000)}
    return out


def quota_release_hours(settings: Any) -> dict[str, float]:
    """Each channel's setting: hours before the start when its unbooked kept seats stop being kept."""
    accessible = float(settings.quota_accessible_release_before_h)
    return {
        "window": float(settings.quota_window_release_before_h),
        "group": float(settings.quota_group_release_before_h),
        "wheelchair": accessible,
        "companion": accessible,
    }
