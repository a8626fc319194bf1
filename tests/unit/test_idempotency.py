"""Idempotency-Key bound to its request (services/registration/idempotency.py)."""

from __future__ import annotations

import pytest

from services.registration import idempotency as idem

BODY = {"party_size": 2, "members": [{"name": "张三", "id_type": "passport", "id_number": "E12345678"}]}


def test_same_body_same_phone_is_a_replay():
    fp = idem.fingerprint(BODY, "13800138000")
    assert idem.fingerprint(dict(reversed(list(BODY.items()))), "13800138000") == fp
    assert idem.decide(("rid", fp), fp) == "replay"


def test_another_body_or_phone_reuses_the_key():
    fp = idem.fingerprint(BODY, "13800138000")
    assert idem.decide(("rid", fp), idem.fingerprint(BODY, "13900139000")) == "reused"
    assert idem.decide(("rid", fp), idem.fingerprint(dict(BODY, party_size=3), "13800138000")) == "reused"
    assert idem.decide(None, fp) == "new"


@pytest.mark.parametrize("bad", ["", "x" * 129, "a\nb", "ключ"])
def test_malformed_keys(bad):
    with pytest.raises(idem.KeyInvalid):
        idem.key_digest(bad)


def test_no_key_no_digest():
    assert idem.key_digest(None) == "" and len(idem.key_digest("k1")) == 64
