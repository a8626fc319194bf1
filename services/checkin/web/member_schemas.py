"""The members a steward ticked at the door (issue 26): a real-name party comes in member by member.

Each tick names a member by place in the party (from 1) and, when the member's card was read, the
door hash the scanner made of it (never the number). ``admit.lua`` judges them together.
"""

from __future__ import annotations

from marshmallow import RAISE, ValidationError, fields, validate

from shared.events_v1 import PARTY_MOST
from shared.i18n import LENGTH_BETWEEN, RANGE_BETWEEN, Keyed, as_rule, rule

MAX_MEMBERS = PARTY_MOST  # the party's most, as registration's events carry it (a group's too, issue 29)


class TickIn(Keyed):
    class Meta:
        unknown = RAISE

    member = fields.Integer(
        required=True,
        strict=True,
        validate=validate.Range(min=1, max=MAX_MEMBERS, error=RANGE_BETWEEN),
        metadata={"description": "the member's place in the party, from 1 (as the verdict lists them)"},
    )
    id_hash = fields.String(
        load_default="",
        validate=as_rule(validate.Regexp("^([0-9a-f]{32})?$"), "invalid"),
        metadata={"description": "the door hash of the member's card as read (doorid.js), or none"},
    )


def _distinct(ticks: list[dict]) -> None:
    places = [t["member"] for t in ticks]
    if len(set(places)) != len(places):
        raise ValidationError(rule("invalid"))


def ticks_field() -> fields.List:
    """``members`` of a scan: who of a real-name party comes in now (issue 26)."""
    return fields.List(
        fields.Nested(TickIn),
        load_default=None,
        allow_none=True,
        validate=[validate.Length(min=1, max=MAX_MEMBERS, error=LENGTH_BETWEEN), _distinct],
        metadata={
            "description": "issue 26: the members ticked at the door, admitted together in one step "
            "(id_mismatch, id_required or already_checked_in name the member); the admission and "
            "CheckinRecorded name them by place"
        },
    )


def ticks_of(body: dict) -> tuple[tuple[int, str], ...]:
    """The ticks as the use case takes them: (place, door hash or "")."""
    return tuple((int(t["member"]), t.get("id_hash") or "") for t in body.get("members") or ())
