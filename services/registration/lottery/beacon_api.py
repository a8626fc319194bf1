"""The beacon over HTTP: what a v2 draw takes its public randomness from, and an operator's typed round.

- ``GET /api/v1/beacon`` (public): the pinned chain, the source (``http`` | ``recorded``) and the
  rounds an organizer typed in.
- ``GET /api/v1/beacon/rounds/<round>`` (public): the round's verified value as the service's
  beacon gives it (typed first), or 503 ``beacon_unavailable``.
- ``POST /api/v1/beacon/rounds`` (organizer): ``{round, signature}`` read from drand's site when
  this machine reaches no relay; kept once it verifies, else 422 ``beacon_unverified``.
"""

from __future__ import annotations

from datetime import UTC, datetime

from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import RAISE, Schema, fields, validate

from services.registration import vocabulary as v
from services.registration.bootstrap import ports
from services.registration.lottery import beacon as bc
from services.registration.lottery.beacons import chain_of, typed_rounds
from services.registration.web.edge import documented, reasons_text
from shared.auth import require
from shared.web import redis_of, settings_of

TYPE_REFUSALS = (v.BEACON_UNVERIFIED, v.VALIDATION_FAILED)
blp = Blueprint(
    "beacon",
    __name__,
    url_prefix="/api/v1/beacon",
    description="The public randomness beacon (drand) of sciday-lottery-v2. "
    + reasons_text(v.BEACON_UNVERIFIED, v.BEACON_UNAVAILABLE),
)


class RoundIn(Schema):
    class Meta:
        unknown = RAISE

    round = fields.Integer(required=True, strict=True, validate=validate.Range(min=1, max=2**64 - 1))
    signature = fields.String(required=True, validate=validate.Length(min=1, max=200))


class RoundOut(Schema):
    chain_hash = fields.String(required=True)
    round = fields.Integer(required=True)
    signature = fields.String(required=True)
    randomness = fields.String(required=True, metadata={"description": "SHA-256 of the signature"})
    source = fields.String(required=True, metadata={"description": "http | recorded | typed"})


class TypedOut(RoundOut):
    typed_at = fields.String(metadata={"description": "when it was typed in (ISO-8601, UTC)"})


class BeaconOut(Schema):
    chain = fields.Dict(
        required=True, metadata={"description": "hash, public_key, genesis_time, period, scheme"}
    )
    source = fields.String(required=True, metadata={"description": "http | recorded"})
    typed = fields.List(fields.Nested(TypedOut), required=True)


def _typed():
    return typed_rounds(settings_of(), redis_of())


@blp.route("")
class Beacon(MethodView):
    @blp.response(200, BeaconOut())
    def get(self):
        """The pinned chain, where rounds come from, and the rounds an organizer typed in."""
        s = settings_of()
        return {"chain": chain_of(s).public(), "source": s.beacon_source, "typed": _typed().all()}


@blp.route("/rounds")
class Rounds(MethodView):
    @require("organizer")
    @blp.arguments(RoundIn())
    @blp.response(201, RoundOut())
    @documented(blp, *TYPE_REFUSALS)
    def post(self, body):
        """Type a round in (e.g. read from drand's site when no relay is reachable): kept only once
        its signature verifies against the pinned chain's key; a draw then uses it first."""
        try:
            value = _typed().put(body["round"], body["signature"], datetime.now(UTC).timestamp())
        except bc.BeaconUnverified:
            raise v.Refusal(v.BEACON_UNVERIFIED) from None
        return value.public()


@blp.route("/rounds/<int:round_no>")
class Round(MethodView):
    @blp.response(200, RoundOut())
    @documented(blp, v.BEACON_UNAVAILABLE)
    def get(self, round_no):
        """A round's verified value as the draw would take it (a typed round first), or 503."""
        beacon = ports().beacon
        value = beacon.fetch(round_no) if beacon is not None and 0 < round_no < 2**64 else None
        if value is None:
            raise v.Refusal(v.BEACON_UNAVAILABLE)
        return value.public()
