"""shared/shredding.py without a server: a value sealed under a registration's data key opens only
with that key, names where the key lives, and cannot be moved to another registration (issue 23)."""

from __future__ import annotations

import secrets

import pytest

from shared import shredding
from shared.sealed import NOTIFY, Sealer, SealError

RING = Sealer(NOTIFY, {1: secrets.token_bytes(32)})


def test_a_value_opens_with_its_own_data_key_only():
    key = shredding.new_key()
    text = shredding.seal(key, "imax", "r1", {"phone": "13912345678"})
    assert text.startswith("SK1.imax.r1.") and "13912345678" not in text
    assert shredding.locate(text) == ("imax", "r1")
    assert shredding.open_with(key, text) == {"phone": "13912345678"}
    with pytest.raises(SealError):
        shredding.open_with(shredding.new_key(), text)
    with pytest.raises(SealError):  # the ring alone opens nothing
        RING.open(text)


def test_a_value_cannot_be_moved_to_another_registration():
    key = shredding.new_key()
    text = shredding.seal(key, "imax", "r1", {"phone": "13912345678"})
    moved = text.replace("SK1.imax.r1.", "SK1.imax.r2.")
    with pytest.raises(SealError):
        shredding.open_with(key, moved)


def test_the_data_key_rests_wrapped_under_notifys_ring():
    key = shredding.new_key()
    wrapped = shredding.wrap(RING, key)
    assert wrapped.startswith("SX1.notify.") and shredding.unwrap(RING, wrapped.encode()) == key
    with pytest.raises(SealError):
        shredding.unwrap(Sealer(NOTIFY, {1: secrets.token_bytes(32)}), wrapped)


def test_an_id_with_a_dot_cannot_name_a_data_key():
    with pytest.raises(ValueError):
        shredding.seal(shredding.new_key(), "a.b", "r1", {})
