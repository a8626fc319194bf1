"""Public keys of the ticket signatures, so a scanner can verify codes offline."""

from __future__ import annotations

from flask import current_app
from flask_smorest import Blueprint

from services.registration.web.registration_schemas import KeyListOut

blp = Blueprint("keys", __name__, url_prefix="/api/v1/keys", description="Ticket verification keys.")


@blp.route("")
@blp.response(200, KeyListOut)
def list_keys():
    """Every public key that may have signed a live ticket (a list, so keys can rotate)."""
    return {"keys": current_app.extensions["sciday.keys"].public_list()}
