"""Admission tokens: the pass an admitted person's status answer carries, and its one check.

A token is ``<body>.<signature>``, both base64url: the body is the canonical JSON of ``{"a": aid,
"r": owner ref, "e": exp (Unix s), "k": key id}``, the signature Ed25519 by the registration
service's ticket key ring (its signing key; any key of the ring verifies, as for tickets).
:func:`check` is called by the registration use case before the seat script (seats/usecases.py).
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Mapping
from typing import Any

from cryptography.exceptions import InvalidSignature

from services.registration import vocabulary as v
from services.registration.queue import rules


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _canonical(body: Mapping[str, Any]) -> bytes:
    return json.dumps(body, sort_keys=True, separators=(",", ":")).encode()


def issue(ring: Any, aid: str, ref: str, exp_s: int) -> str:
    """A token for ``ref``'s turn at ``aid``, valid until ``exp_s``; ``ring`` is shared/tickets.KeyRing."""
    kid = ring.signing_kid
    body = _canonical({"a": aid, "r": ref, "e": exp_s, "k": kid})
    return f"{_b64(body)}.{_b64(ring.private[kid].sign(body))}"


def check(ring: Any, doc: Mapping[str, Any], ref: str, token: str | None, now_s: float) -> None:
    """Nothing for an activity without a queue; else the token must be ``ref``'s for this activity
    and unexpired: ``queue_token_required`` / ``queue_token_invalid`` / ``queue_token_expired``."""
    if not rules.queued(doc):
        return
    if not token:
        raise v.Refusal(v.QUEUE_TOKEN_REQUIRED, {"activity_id": doc["id"]})
    body = _verified(ring, token)
    if body is None or body.get("a") != doc["id"] or body.get("r") != ref:
        raise v.Refusal(v.QUEUE_TOKEN_INVALID, {"activity_id": doc["id"]})
    if not isinstance(body.get("e"), int) or body["e"] <= now_s:
        raise v.Refusal(v.QUEUE_TOKEN_EXPIRED, {"activity_id": doc["id"]})


def _verified(ring: Any, token: str) -> dict | None:
    """The token's body if a key of the ring signed it, else None."""
    try:
        head, sig = token.split(".")
        raw = _unb64(head)
        body = json.loads(raw)
        key = ring.public[body["k"]]
        key.verify(_unb64(sig), raw)
    except (ValueError, KeyError, TypeError, binascii.Error, InvalidSignature, AttributeError):
        return None
    return body if isinstance(body, dict) else None
