"""A lottery group's draw over HTTP (issue 27): its public JSON (``sciday-lottery-v2``), and the
organizer's "draw now", which runs the scheduler's step for the group and is refused with
``beacon_unavailable`` (503) while the named beacon round cannot be fetched and verified."""

from __future__ import annotations

from datetime import UTC, datetime

from flask import current_app, jsonify
from flask.views import MethodView
from flask_smorest import Blueprint

from services.registration import vocabulary as v
from services.registration.bootstrap import ports
from services.registration.lottery import rounds, rounds_settle
from services.registration.lottery.group_rounds_store import GroupRoundsStore
from services.registration.web.edge import documented, reasons_text
from shared.auth import require
from shared.web import settings_of

DRAW_REFUSALS = (v.UNKNOWN_GROUP, v.DRAW_NOT_DUE, v.DRAW_IN_PROGRESS, v.BEACON_UNAVAILABLE)
blp = Blueprint(
    "lottery_rounds",
    __name__,
    url_prefix="/api/v1/lottery-groups/<group_id>",
    description=reasons_text(*DRAW_REFUSALS),
)


def store() -> GroupRoundsStore:
    ext = current_app.extensions
    if "sciday.group_rounds" not in ext:
        ext["sciday.group_rounds"] = GroupRoundsStore(ext["sciday.redis"], settings_of())
    return ext["sciday.group_rounds"]


def group_of(aid: str) -> str | None:
    """The group whose v2 JSON answers for activity ``aid``: the group of its session (the entry
    side's ``{p}lotg:session_of``, or the one its session was settled in) once its first round is
    drawn; ``None`` otherwise (a v1 lottery, or a group not drawn yet: the page says as before)."""
    s = store()
    raw = s.redis.hget(f"{s.p}lotg:session_of", aid) or s.redis.hget(s.v1.k("", aid), "group")
    gid = raw.decode() if raw else None
    return gid if gid is not None and s.has_round(gid, 1) else None


def public(group_id: str):
    """The v2 JSON as it is (a Response: the v1 page schema does not shape it)."""
    return jsonify(rounds.public_draw(ports(), store(), group_id))


@blp.route("/draw")
class GroupDraw(MethodView):
    @documented(blp, v.UNKNOWN_GROUP)
    def get(self, group_id):
        """The group's public draw: the frozen entries and their Merkle root, the seed once round 1
        is drawn, each round (beacon value, seats, order, wins) and the waitlist. Check it with
        the verifier of docs/lottery.md."""
        return public(group_id)

    @require("organizer")
    @documented(blp, *DRAW_REFUSALS)
    def post(self, group_id):
        """Draw the rounds that are due now (each once, whoever calls), settle and tell."""
        now = datetime.now(UTC).timestamp()
        s = settings_of()
        doc = rounds_settle.manual_draw(
            ports(),
            store(),
            group_id,
            now=now,
            lease_s=s.lottery_draw_lease_s,
            handback_s=s.lottery_handback_poll_s,
        )
        return jsonify(doc)
