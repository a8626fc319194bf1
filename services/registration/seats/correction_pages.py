"""The manage link's page for correcting a member (issue 26; the rule is ``correction.py``):
the member's new name and, for a member with an ID, the number typed again. Another number asks
first whether it is a new member in this one's place."""

from __future__ import annotations

from flask import Blueprint, redirect, request
from marshmallow import ValidationError

from services.registration import vocabulary as v
from services.registration.access import identity, passports
from services.registration.bootstrap import ports
from services.registration.seats import correction, usecases
from services.registration.vocabulary import Refusal
from services.registration.web.edge import field_errors, message_of, status_of
from services.registration.web.registration_schemas import MemberCorrectionIn
from services.registration.web.rendering import expired, lang, render
from shared import csrf
from shared.i18n import localize

bp = Blueprint("correction", __name__)
FIELDS = ("name", "id_type", "id_number", "nationality")


def _page(rid: str, token: str | None, member: int, values: dict, status: int = 200, **ctx):
    try:
        reg = usecases.registration_view(ports(), usecases.own_registration(ports(), rid, token))
    except Refusal:
        return redirect("/", code=303)
    members = reg.get("members") or []
    if not 0 <= member < len(members) or reg["status"] == v.CANCELLED:
        return redirect(f"/r/{rid}?t={token}", code=303)
    m = members[member]
    return render(
        "correct.html",
        status,
        r=reg,
        a=reg["activity"],
        token=token,
        member=member,
        m=m,
        child=m.get("id_type") == identity.NO_ID,
        values={"id_type": m.get("id_type"), **values},
        id_types={k: label for k, label in identity.LABELS.items() if k != identity.NO_ID},
        countries=passports.COMMON,
        errors=ctx.pop("errors", {}),
        **ctx,
    )


@bp.get("/r/<rid>/members/<int:member>/correct")
def correct_page(rid, member):
    return _page(rid, request.args.get("t"), member, {})


@bp.post("/r/<rid>/members/<int:member>/correct")
def correct_submit(rid, member):
    if not csrf.valid():
        return expired()
    token = request.form.get("t")
    values = {k: request.form.get(k, "").strip() for k in FIELDS}
    body: dict[str, object] = {k: val for k, val in values.items() if val}
    body["replace"] = request.form.get("replace") == "1"
    try:
        loaded = MemberCorrectionIn().load(body)
        correction.correct_member(ports(), rid, token, member, loaded)
    except ValidationError as exc:
        return _page(rid, token, member, values, 422, errors=localize(exc.messages, lang()))
    except Refusal as exc:
        errors = field_errors(exc, lang()).get("members", {}).get(str(member), {})
        if exc.reason == v.MEMBER_ID_CHANGED:  # ask first: a new member in this one's place
            return _page(rid, token, member, values, 409, ask_replace=True, banner=message_of(exc, lang()))
        return _page(
            rid, token, member, values, status_of(exc), errors=errors, banner=message_of(exc, lang())
        )
    return redirect(f"/r/{rid}?t={token}&corrected=1", code=303)
