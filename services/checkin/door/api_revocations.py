"""POST /internal/v1/revocations: the registration service tells the door of a cancellation at
once, signed with the internal key (``shared/internal.py``), so that a cancelled ticket is refused
even while the broker is down or lagging. The ``RegistrationCancelled`` event still follows and
agrees (both only add to the revoked set). docs/door.md says why a call and not a shared key.
"""

from __future__ import annotations

import json
from typing import TypeGuard

from flask import Blueprint, jsonify, request

from services.checkin import vocabulary as V
from services.checkin.web.edge import store
from shared import errors, internal
from shared.errors import error_response

bp = Blueprint("revocations", __name__)
MAX_ID = 64


def _id(value: object) -> TypeGuard[str]:
    return isinstance(value, str) and 0 < len(value) <= MAX_ID and value.isprintable()


@bp.post("/internal/v1/revocations")
def revoke():
    refused = internal.refusal_here("ck:")  # method, path, time, nonce and body signed; no replay
    if refused:
        return error_response(refused)
    body = request.get_data(cache=True)
    try:
        payload = json.loads(body)
    except ValueError:
        return error_response(errors.MALFORMED_JSON)
    aid, rid = (payload or {}).get("activity_id"), (payload or {}).get("registration_id")
    if not (_id(aid) and _id(rid)):
        return error_response(
            V.VALIDATION_FAILED, errors={"activity_id": ["required"], "registration_id": ["required"]}
        )
    store().projection.revoke(aid, rid)
    return jsonify({"status": V.OK, "activity_id": aid, "registration_id": rid})
