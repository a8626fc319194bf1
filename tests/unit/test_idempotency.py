"""Idempotency-Key bound to its request (services/registration/seats/idempotency.py), as the view runs it.

Whether a stored key is a replay or reused is reserve.lua's decision alone, tested on Redis in
tests/integration/test_fair_registration.py; here: the key's digest and the request's fingerprint."""

from __future__ import annotations

import pytest
from flask import Flask

from services.registration.seats import api as api_registrations
from services.registration.seats import idempotency as idem
from shared.errors import ApiError

BODY = {"party_size": 2, "members": [{"name": "张三", "id_type": "passport", "id_number": "E12345678"}]}


def test_the_same_body_from_the_same_phone_has_one_fingerprint():
    fp = idem.fingerprint(BODY, "13800138000")
    assert idem.fingerprint(dict(reversed(list(BODY.items()))), "13800138000") == fp
    assert idem.fingerprint(BODY, "13900139000") != fp
    assert idem.fingerprint(dict(BODY, party_size=3), "13800138000") != fp


@pytest.mark.parametrize("bad", ["", "x" * 129, "a\nb", "ключ"])
def test_malformed_keys(bad):
    with pytest.raises(idem.KeyInvalid):
        idem.key_digest(bad)


def test_no_key_no_digest():
    assert idem.key_digest(None) == "" and len(idem.key_digest("k1")) == 64


def _view_digest(key: str | None) -> str:
    headers = {} if key is None else {"Idempotency-Key": key}
    with Flask(__name__).test_request_context(headers=headers):
        return api_registrations.idempotency_digest()


def test_the_view_digests_a_key_by_the_one_rule():
    assert _view_digest("k1") == idem.key_digest("k1") and _view_digest(None) == ""


@pytest.mark.parametrize("bad", ["clé", "x" * 129, "a\tb"])  # a header arrives as Latin-1 text
def test_the_view_refuses_what_the_rule_refuses(bad):
    with pytest.raises(ApiError) as exc:
        _view_digest(bad)
    assert (exc.value.status_code, exc.value.reason) == (422, "validation_failed")
