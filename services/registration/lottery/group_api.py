"""The v2 lottery groups over HTTP, the entry side (issue 27): organizers open a group; anyone
reads its public information (with the live demand); a verified phone enters it with ranked
choices and gets a signed receipt; after the freeze the entrant fetches a signed inclusion proof.
The draw side's endpoints live in rounds_api.py.
"""

from __future__ import annotations

import secrets

from flask import request
from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import Schema, fields, validate

from services.registration import vocabulary as v
from services.registration.access import api as api_verification
from services.registration.lottery import group_edge, groups
from services.registration.lottery.api import ENTER_REFUSALS
from services.registration.web.edge import documented, reasons_text
from services.registration.web.registration_schemas import RegistrationIn
from services.registration.web.schemas import LotteryIn
from shared.auth import require
from shared.events import SLUG

OPEN_REFUSALS = (v.UNKNOWN_ACTIVITY, v.VALIDATION_FAILED, v.LOTTERY_CLOSED, v.SESSION_TAKEN)
GROUP_ENTER_REFUSALS = (*ENTER_REFUSALS, v.UNKNOWN_GROUP, v.CHOICES_INVALID)
PROOF_REFUSALS = (v.UNKNOWN_ENTRY, v.UNAUTHORIZED, v.NOT_FROZEN)
blp = Blueprint(
    "lottery_groups",
    __name__,
    url_prefix="/api/v1/lottery-groups",
    description=reasons_text(*dict.fromkeys(OPEN_REFUSALS + GROUP_ENTER_REFUSALS + PROOF_REFUSALS)),
)


class GroupIn(LotteryIn):
    group_id = fields.String(
        load_default=None, validate=SLUG, metadata={"description": "slug; made if absent"}
    )
    name = fields.String(load_default="", validate=validate.Length(max=100))
    activity_ids = fields.List(
        fields.String(validate=SLUG),
        required=True,
        validate=validate.Length(min=1, max=100),
        metadata={"description": "the sessions: activities whose seats are drawn by lot"},
    )
    rounds = fields.Integer(
        load_default=None, allow_none=True, strict=True, validate=validate.Range(min=1, max=2)
    )


class GroupOut(Schema):
    algorithm = fields.String(required=True)
    group_id = fields.String(required=True)
    name = fields.String()
    sessions = fields.List(fields.Dict(), metadata={"description": "activity_id, title, starts_at, capacity"})
    max_choices = fields.Integer()
    opens_at, closes_at, draw_at = fields.String(), fields.String(), fields.String()
    round2_at = fields.String(allow_none=True, metadata={"description": "null: one round"})
    confirm_hours = fields.Integer()
    state = fields.String(metadata={"description": "open | frozen | drawing | drawn"})
    commitment = fields.String(metadata={"description": "SHA-256 of the secret seed"})
    chain = fields.Dict(metadata={"description": "the pinned drand chain"})
    beacon_rounds = fields.List(fields.Integer(), metadata={"description": "one drand round per round"})
    freezes = fields.List(fields.Integer(), metadata={"description": "each round's freeze (Unix s)"})
    weights = fields.Dict(metadata={"description": "{extra, cap}: a weight is 1 + extra * min(losses, cap)"})
    receipt_key = fields.String(
        metadata={"description": "Ed25519 public key (raw, hex) of receipts and proofs"}
    )
    merkle_root = fields.String(allow_none=True, metadata={"description": "published at the freeze"})
    demand = fields.List(
        fields.Dict(), metadata={"description": "per session: entries, people, first, seats, ratio (live)"}
    )


class GroupEntryIn(RegistrationIn):
    choices = fields.List(
        fields.String(validate=validate.Length(min=1, max=64)),
        required=True,
        metadata={"description": "ranked activity ids of the group, 1 to max_choices, distinct"},
    )


class GroupEntryOut(Schema):
    entry_id = fields.String(required=True)
    group_id = fields.String(required=True)
    draw_at = fields.String(required=True)
    token = fields.String(
        required=True, metadata={"description": "keep it: it confirms a win, fetches the proof"}
    )
    receipt = fields.Dict(
        required=True, metadata={"description": "signed (Ed25519) receipt: docs/lottery.md"}
    )


class ProofOut(Schema):
    algorithm, kind, group_id, entry_id = fields.String(), fields.String(), fields.String(), fields.String()
    leaf_index, tree_size = fields.Integer(), fields.Integer()
    path = fields.List(fields.String())
    merkle_root, signature = fields.String(), fields.String()


@blp.route("")
class Groups(MethodView):
    @require("organizer")
    @blp.arguments(GroupIn())
    @blp.response(201, GroupOut())
    @documented(blp, *OPEN_REFUSALS)
    def post(self, body):
        """Open a lottery group over sessions drawn by lot: fixes the secret seed and publishes its
        commitment, the drand chain and each round's beacon round. Opening again while entries are
        open changes the times, never the committed seed."""
        return group_edge.open_from(body, body.get("group_id") or "g" + secrets.token_hex(6))


@blp.route("/<group_id>")
class Group(MethodView):
    @blp.response(200, GroupOut())
    @documented(blp, v.UNKNOWN_GROUP)
    def get(self, group_id):
        """The group's public information, with each session's live demand (entries ÷ seats)."""
        return groups.group_info(group_edge.engine(), group_id)


@blp.route("/<group_id>/entries")
class GroupEntries(MethodView):
    @blp.arguments(GroupEntryIn())
    @blp.response(201, GroupEntryOut())
    @documented(blp, *GROUP_ENTER_REFUSALS)
    def post(self, body, group_id):
        """Enter the group once, with a registration's body and ``choices``: the ranked sessions.
        The same checks as a lottery entry of one session, for each chosen session."""
        return group_edge.enter(body, group_id)


@blp.route("/<group_id>/entries/<entry_id>/proof")
class Proof(MethodView):
    @blp.response(200, ProofOut())
    @documented(blp, *PROOF_REFUSALS)
    def get(self, group_id, entry_id):
        """The entrant's signed inclusion proof, after entries close: the verified phone that
        entered, or the entry's ``token`` (query)."""
        phone = api_verification.verified_phone()
        return groups.proof(
            group_edge.engine(),
            group_id,
            entry_id,
            token=request.args.get("token", ""),
            owner_ref=group_edge.owner_ref(phone) if phone else "",
        )
