"""我的报名 (my registrations): everything a verified phone registered, across the festival, each
with its ticket, and cancelling. It is also how a lost ticket is found again: verify the phone,
and the list has the ticket and manage links."""

from __future__ import annotations

from flask import current_app
from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import Schema, fields

from services.registration import vocabulary as v
from services.registration.access import api as api_verification
from services.registration.access import fair as fair_access
from services.registration.bootstrap import ports
from services.registration.lottery import entry as lottery_entry
from services.registration.lottery import group_edge, groups, rounds_api, rounds_mine
from services.registration.noshow import record as noshow
from services.registration.queue import api as queue_api
from services.registration.queue.api import QueueMeOut
from services.registration.seats import erasure, usecases
from services.registration.vocabulary import Refusal
from services.registration.web.edge import documented, reasons_text
from services.registration.web.registration_schemas import RegistrationOut
from shared.masking import mask_phone as masked

blp = Blueprint(
    "mine",
    __name__,
    url_prefix="/api/v1/me",
    description="我的报名: the verified phone's registrations. "
    + reasons_text(v.PHONE_NOT_VERIFIED, v.UNKNOWN_REGISTRATION, v.CROSS_SITE_REQUEST),
)


class EntryMineOut(Schema):
    """One lottery entry of mine (issue 15): the draw time, then the outcome."""

    entry_id = fields.String()
    activity_id = fields.String()
    title = fields.Dict()
    party_size = fields.Integer()
    draw_at = fields.String()
    outcome = fields.String(
        allow_none=True,
        metadata={
            "description": "null before the draw; won | waitlisted | skipped (a member's ID reached a per-ID "
            "limit before the draw's registrations were made, issue 23)"
        },
    )
    position = fields.Integer(allow_none=True)
    confirm_by = fields.String(allow_none=True, metadata={"description": "a winner confirms by then"})
    registration_id = fields.String(allow_none=True, metadata={"description": "the registration it became"})
    # issue 27: an entry of a v2 lottery group (lottery/groups.py my_group_entries)
    group_id = fields.String(metadata={"description": "the lottery group (v2 entries only)"})
    group_name = fields.String()
    choices = fields.List(fields.String(), metadata={"description": "the ranked sessions (activity ids)"})
    state = fields.String(metadata={"description": "the group's: open | frozen | drawing | drawn"})
    receipt = fields.Dict(metadata={"description": "the signed receipt (docs/lottery.md)"})
    rounds = fields.List(
        fields.Dict(), metadata={"description": "per round: won + session / lost / waitlisted"}
    )


class NoShowRecordOut(Schema):
    marks = fields.List(fields.Dict(), metadata={"description": "no-show marks, oldest first"})
    counting = fields.Integer(metadata={"description": "marks inside the window (for any one holder)"})
    locked_until = fields.Float(allow_none=True, metadata={"description": "Unix seconds, if locked now"})
    marks_to_lock = fields.Integer()
    window_days = fields.Integer()
    lock_days = fields.Integer()
    toward_lock = fields.Integer(metadata={"description": "marks toward the next lock (for any one holder)"})
    warning = fields.Boolean(metadata={"description": "one more no-show locks registering (issue 26)"})


class MineOut(Schema):
    phone_masked = fields.String()
    registrations = fields.List(fields.Nested(RegistrationOut))
    lottery_entries = fields.List(fields.Nested(EntryMineOut))
    noshow = fields.Nested(NoShowRecordOut, metadata={"description": "the no-show record (爽约)"})
    queues = fields.List(
        fields.Nested(QueueMeOut), metadata={"description": "places in release queues (issue 28)"}
    )


def owner() -> tuple[str, str]:
    """The verified phone and its keyed hash (the index of its registrations)."""
    phone = api_verification.verified_phone()
    if phone is None:
        raise Refusal(v.PHONE_NOT_VERIFIED)
    return phone, owner_ref(phone)


def owner_ref(phone: str) -> str:
    """The keyed hash of a verified phone: the index of its registrations."""
    return fair_access.owner_ref(current_app.extensions["sciday.hmac"], phone)


def mine_and_record(phone: str, phone_ref: str) -> tuple[list[dict], dict]:
    """我的报名 in one read of the registrations: their views, and the no-show record."""
    stored = ports().seats.registrations_of(phone_ref)
    return [usecases.registration_view(ports(), r) for r in stored], noshow_record(phone, stored)


def noshow_record(phone: str, regs: list[dict]) -> dict:
    """The no-show record of a registrant: their verified phone's marks, and those of the IDs
    they booked (real-name parties), with the festival's rule (settings) to explain it."""
    p = ports()
    holders = noshow.holders(p.noshow_pepper, phone, [h for r in regs for h in r.get("id_hashes") or []])
    policy = p.noshow_policy or noshow.Policy()
    out = {"marks": [], "counting": 0, "locked_until": None, "toward_lock": 0, "warning": False}
    if p.noshow is not None:  # with what lies ahead (issue 26): the mark before a lock warns
        out = noshow.outlook(p.noshow, holders, now=p.clock.now().timestamp(), policy=policy)
    return {
        **out,
        "marks_to_lock": policy.marks_to_lock,
        "window_days": policy.window_days,
        "lock_days": policy.lock_days,
    }


def my_entries(phone_ref: str) -> list[dict]:
    """The phone's v1 lottery entries, then its v2 group entries (issue 27)."""
    v1 = lottery_entry.my_entries(ports(), current_app.extensions["sciday.lotteries"], phone_ref)
    mine = groups.my_group_entries(group_edge.engine(), phone_ref)
    return v1 + rounds_mine.with_rounds(rounds_api.store(), mine)  # each round's outcome (issue 27)


def own(rid: str) -> dict:
    """The registration if the verified phone made it; another's looks unknown."""
    phone, _ref = owner()
    reg = ports().seats.get_registration(rid) if len(rid) <= 32 else None
    if reg is None or reg.get("phone") != phone:
        raise Refusal(v.UNKNOWN_REGISTRATION, {"registration_id": rid})
    return reg


def cancel_own(rid: str) -> dict:
    """Cancel one of my registrations: the owner holds its manage token by being its owner."""
    return usecases.cancel(ports(), rid, own(rid)["manage_token"])


def erase_own(rid: str) -> dict:
    """Erase one of my registrations' personal data (issue 16); cancels it first if still ahead."""
    return erasure.erase(ports(), rid, own(rid)["manage_token"])


class ErasedOut(Schema):
    """What stays of an erased registration: nothing that names anyone (statistics only)."""

    registration_id = fields.String()
    activity_id = fields.String()
    status = fields.String()
    party_size = fields.Integer()
    erased_at = fields.String()


@blp.route("/registrations")
class Mine(MethodView):
    @blp.response(200, MineOut)
    @documented(blp, v.PHONE_NOT_VERIFIED)
    def get(self):
        """Every registration of the verified phone, newest first, with tickets and manage links."""
        phone, ref = owner()
        regs, record = mine_and_record(phone, ref)
        return {
            "phone_masked": masked(phone),
            "registrations": regs,
            "lottery_entries": my_entries(ref),
            "noshow": record,
            "queues": queue_api.mine(ref),
        }


@blp.route("/registrations/<registration_id>")
class MineItem(MethodView):
    @blp.response(200, RegistrationOut)
    @documented(blp, v.PHONE_NOT_VERIFIED, v.UNKNOWN_REGISTRATION)
    def get(self, registration_id):
        """One of my registrations (its ticket)."""
        return usecases.registration_view(ports(), own(registration_id))

    @blp.response(200, RegistrationOut)
    @documented(blp, v.PHONE_NOT_VERIFIED, v.UNKNOWN_REGISTRATION, v.CROSS_SITE_REQUEST)
    def delete(self, registration_id):
        """Cancel one of my registrations: frees the seats and the IDs, revokes the ticket."""
        return usecases.registration_view(ports(), cancel_own(registration_id))


@blp.route("/registrations/<registration_id>/erasure")
class MineErasure(MethodView):
    @blp.response(200, ErasedOut)
    @documented(blp, v.PHONE_NOT_VERIFIED, v.UNKNOWN_REGISTRATION, v.CROSS_SITE_REQUEST)
    def post(self, registration_id):
        """Erase my data of one registration: name, phone, email, members, manage link. A registration
        still ahead is cancelled first (seats freed, ticket revoked). Cannot be undone."""
        return erase_own(registration_id)
