"""The pages people see of a v2 lottery group (issue 27), zh-CN first and English:

* ``/lottery/g/<gid>``: the public draw page of the group: sessions with seats and the live demand
  before the close, the commitment, the named drand rounds and when they are published, the Merkle
  root at the freeze, each round's beacon value and figures, the verify command, the JSON;
* ``/lottery/g/<gid>/fairness``: the fairness figures (fairness.py), and their JSON twin
  ``GET /api/v1/lottery-groups/<gid>/fairness``;
* ``POST /a/<activity id>/group-entry``: entering with ranked choices from the activity page of a
  session (the family's form, register.html, with lottery_choices.html), answered by the receipt;
* 我的报名's downloads of an entry's receipt and inclusion proof.

The engine (groups.py: the entry side; rounds.py: the draw side) holds every rule; this module
reads it (group_reads.py) and shows it.
"""

from __future__ import annotations

import json
from datetime import datetime

from flask import Blueprint, Response, abort, redirect, request
from flask.views import MethodView
from flask_smorest import Blueprint as ApiBlueprint
from markupsafe import Markup
from marshmallow import Schema, fields

from services.registration import vocabulary as v
from services.registration.access import api as api_verification
from services.registration.catalogue import activities
from services.registration.lottery import fairness, group_mine, group_reads, group_view
from services.registration.lottery import pages as lottery_page
from services.registration.vocabulary import Refusal
from services.registration.web import pages
from services.registration.web.edge import documented, reasons_text
from services.registration.web.rendering import lang, local, named, render

bp = Blueprint("lottery_group_page", __name__)
api = ApiBlueprint(
    "lottery_fairness",
    __name__,
    url_prefix="/api/v1/lottery-groups",
    description="The fairness figures of a lottery group (issue 27). " + reasons_text(v.UNKNOWN_GROUP),
)


def install(app, api_: object) -> None:
    """Register the lottery's pages: v1's draw page and entry (pages.py), and the group's (here)."""
    app.register_blueprint(lottery_page.bp)
    app.register_blueprint(bp)
    api_.register_blueprint(api)  # type: ignore[attr-defined]


def _ts(iso_or_ts) -> float:
    return (
        float(iso_or_ts) if isinstance(iso_or_ts, (int, float)) else activities.parse(iso_or_ts).timestamp()
    )


def _name(info: dict, docs: dict) -> Markup:
    """The group's name (typed in Chinese: marked so on an English page), else its first
    session's title, in the page's language (``named``)."""
    if info.get("name"):
        return named(str(info["name"]))
    first = next(iter(docs.values()), None) or {}
    return named(first.get("title") or info["group_id"])


def _urls(gid: str) -> dict:
    json_url = f"{request.host_url}api/v1/lottery-groups/{gid}/draw"
    return {"json_url": json_url, "command": f"python scripts/verify_draw.py {json_url}"}


@bp.get("/lottery/g/<gid>")
def group_page(gid: str):
    info, doc, docs = _read(gid)
    rounds = group_view.rounds(info, doc)
    for r in rounds:
        r["beacon_at_text"] = local(r["beacon_at"]) if r["beacon_at"] else ""
        r["draw_at_text"] = local(r["draw_at"]) if r["draw_at"] else ""
    return render(
        "lottery_group.html",
        gid=gid,
        group_name=_name(info, docs),
        phase=group_view.phase(info, doc, datetime.now().timestamp()),
        times={k: local(_ts(info[k])) for k in ("opens_at", "closes_at")},
        max_choices=min(int(info["max_choices"]), len(info["sessions"])),
        sessions=group_view.sessions(info, docs),
        commitment=info["commitment"],
        merkle_root=info.get("merkle_root"),
        rounds=rounds,
        seed=(doc or {}).get("seed"),
        **_urls(gid),
    )


def _read(gid: str) -> tuple[dict, dict | None, dict]:
    """The group's information, its public JSON (None before the freeze), its sessions' documents."""
    try:
        info = group_reads.info(gid)
    except Refusal:
        abort(404)
    docs = {s["activity_id"]: group_reads.activity(s["activity_id"]) for s in info["sessions"]}
    return info, group_reads.public(gid), {k: d for k, d in docs.items() if d}


@bp.get("/lottery/g/<gid>/fairness")
def fairness_page(gid: str):
    info, doc, docs = _read(gid)
    f = fairness.figures(doc or group_reads.empty_document(info))
    opens = _ts(info["opens_at"])

    return render(
        "lottery_fairness.html",
        gid=gid,
        group_name=_name(info, docs),
        f=f,
        json_url=f"/api/v1/lottery-groups/{gid}/fairness",
        draw_json_url=_urls(gid)["json_url"],
        rank_label=lambda r: group_view.rank_label(r["rank"], lang()),
        party_label=lambda r: str(r["party_size"]),
        hour_label=lambda r: local(opens + r["hour"] * 3600),
        session_label=lambda aid: group_mine.label(docs.get(aid), aid),
    )


class FairnessOut(Schema):
    """A group's fairness figures (fairness.py): counts and win rates (null where nothing to divide)."""

    group_id = fields.String()
    opens_at = fields.Float(metadata={"description": "Unix s; an entry's hour counts from it"})
    rounds_drawn = fields.Integer()
    entries = fields.Integer()
    people = fields.Integer()
    winners = fields.Integer()
    rate = fields.Float(allow_none=True)
    by_hour = fields.List(fields.Dict(), metadata={"description": "{hour, entries, winners, rate}"})
    by_party_size = fields.List(
        fields.Dict(), metadata={"description": "{party_size, entries, winners, rate}"}
    )
    by_round = fields.List(
        fields.Dict(), metadata={"description": "{round, seats, participants, winners, rate}"}
    )
    by_rank = fields.List(fields.Dict(), metadata={"description": "{rank, entries, winners, rate}"})
    sessions = fields.List(
        fields.Dict(),
        metadata={
            "description": "{activity_id, seats, entries, first_choice, people, winners, people_seated, rate}"
        },
    )


@api.route("/<group_id>/fairness")
class Fairness(MethodView):
    @api.response(200, FairnessOut)
    @documented(api, v.UNKNOWN_GROUP)
    def get(self, group_id):
        """Win rates with their counts by entry hour, party size, round and choice rank, and per
        session: computed from the public draw JSON alone, so anyone can recompute them."""
        info = group_reads.info(group_id)
        return fairness.figures(group_reads.public(group_id) or group_reads.empty_document(info))


@bp.post("/a/<activity_id>/group-entry")
def group_entry_submit(activity_id: str):
    gid = request.args.get("g") or activity_id

    def enter(loaded: dict):
        loaded["choices"] = group_view.choices_from(request.form, group_reads.max_choices(gid))
        out = group_reads.enter(gid, loaded, lang())
        info, _doc, docs = _read(gid)
        return render(
            "lottery_receipt.html",
            201,
            gid=gid,
            group_name=_name(info, docs),
            out=out,
            choices=[docs.get(c) or {"id": c, "title": {"zh": c}} for c in out["receipt"]["choices"]],
            receipt_json=json.dumps(out["receipt"], ensure_ascii=False, indent=2),
            draw_at=local(_ts(out["draw_at"])),
        )

    return pages.submit(activity_id, enter)


@bp.get("/me/lottery/g/<gid>/<entry_id>/<kind>.json")
def download(gid: str, entry_id: str, kind: str):
    """An entrant's signed receipt, or inclusion proof after the freeze, as a file to keep."""
    if api_verification.verified_phone() is None:
        return redirect("/login?next=/me", code=303)
    if kind not in ("receipt", "proof"):
        abort(404)
    try:
        doc = group_reads.receipt(gid, entry_id) if kind == "receipt" else group_reads.proof(gid, entry_id)
    except Refusal:
        abort(404)
    if doc is None:
        abort(404)
    body = json.dumps(doc, ensure_ascii=False, indent=2)
    disposition = f'attachment; filename="{kind}-{gid}-{entry_id}.json"'
    return Response(body, mimetype="application/json", headers={"Content-Disposition": disposition})
