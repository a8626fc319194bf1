"""Joining the standby list: the one way in is the registration service's join page.

The walk-in verifies a phone there (issue 14's SMS code and session); registration then calls
``POST /internal/v1/activities/<id>/standby/entries`` signed with the internal key
(``shared/internal.py``), giving the verified phone, the same phone sealed for notify, the party
size and the language.  The phone itself is only keyed and masked here; what is kept is the keyed
hash, the masked form and the sealed form (issue 16).  An
unsigned or stale call is refused, so nobody can join with a phone they did not verify.
Answers: 201 ``{"number", "replayed"}``, or a refusal in the one error shape
(standby_not_open, standby_closed, party_too_large, unknown_activity).
"""

from __future__ import annotations

import hashlib
import hmac
import json
from datetime import UTC, datetime

from flask import Blueprint, Response, current_app, jsonify, request
from marshmallow import ValidationError

from services.checkin import vocabulary as V
from services.checkin.standby import usecases as sb
from services.checkin.web.standby_schemas import StandbyJoinIn, StandbyPlaceIn
from shared import errors, internal, keyfile
from shared.errors import error_response
from shared.masking import mask_phone as masked
from shared.web import settings_of

bp = Blueprint("standby_join", __name__)


def phone_hash(pepper: str, phone: str) -> str:
    """A keyed hash of the verified phone: one number per phone, and no number in a key."""
    return hmac.new(pepper.encode(), phone.encode(), hashlib.sha256).hexdigest()[:32]


def _signed_form(schema) -> tuple[dict | None, Response | None]:
    """The form of a call signed by registration, or the refusal to answer."""
    refused = internal.refusal_here("ck:")  # method, path, time, nonce and body signed; no replay
    if refused:
        return None, error_response(refused)
    body = request.get_data(cache=False)
    try:
        return schema.load(json.loads(body)), None
    except ValueError:
        return None, error_response(errors.MALFORMED_JSON)
    except ValidationError as exc:
        return None, error_response(V.VALIDATION_FAILED, errors=exc.normalized_messages(), status=422)


@bp.post("/internal/v1/activities/<activity_id>/standby/places")
def place(activity_id: str):
    """A verified phone's place (``{"phone"}``, signed): number, party size, status; number null if not joined.
    Registration asks it to show the join page and, once called, the signed standby ticket."""
    form, refused = _signed_form(StandbyPlaceIn())
    if form is None:
        return refused
    s = settings_of()
    store = current_app.extensions["sciday.standby"]
    entry = sb.entry_of(store, activity_id, phone_hash=phone_hash(keyfile.noshow_pepper(s), form["phone"]))
    return jsonify(entry or {"number": None})  # not joined


@bp.post("/internal/v1/activities/<activity_id>/standby/entries")
def join(activity_id: str):
    form, refused = _signed_form(StandbyJoinIn())
    if form is None:
        return refused
    s = settings_of()
    got = sb.join(
        current_app.extensions["sciday.standby"],
        activity_id,
        phone_hash=phone_hash(keyfile.noshow_pepper(s), form["phone"]),
        phone_masked=masked(form["phone"]),
        phone_sealed=form["phone_sealed"],
        party_size=form["party_size"],
        locale=form["locale"],
        now=datetime.now(UTC).timestamp(),
        policy=sb.Policy.from_settings(s),
    )
    resp = jsonify({"number": got["number"], "replayed": bool(got["replayed"])})
    resp.status_code = 201
    return resp
