"""Sealed personal fields (shared/sealed.py): AES-GCM, a key id in the text, rotatable rings."""

from __future__ import annotations

import base64
import stat
from types import SimpleNamespace

import pytest

from shared.sealed import NOTIFY, REGISTRATION, Sealer, SealError, is_sealed, parse_keys, sealer

K1, K2 = bytes(range(32)), bytes(range(1, 33))


def b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def test_a_sealed_value_opens_again_and_shows_nothing_of_itself():
    ring = Sealer(NOTIFY, {1: K1})
    text = ring.seal({"phone": "13912345678", "email": "a@b.cn"})
    assert is_sealed(text) and text.startswith("SX1.notify.1.")
    assert "13912345678" not in text and "a@b.cn" not in text
    assert ring.open(text) == {"phone": "13912345678", "email": "a@b.cn"}
    assert ring.seal("x") != ring.seal("x")  # a fresh nonce each time


def test_a_rotated_ring_seals_with_the_newest_key_and_opens_the_old():
    old = Sealer(NOTIFY, {1: K1}).seal("13912345678")
    ring = Sealer(NOTIFY, {1: K1, 2: K2})
    assert ring.seal("x").startswith("SX1.notify.2.")
    assert ring.open(old) == "13912345678"
    with pytest.raises(SealError, match="unknown key id 2"):
        Sealer(NOTIFY, {1: K1}).open(ring.seal("x"))


def test_another_purposes_value_or_a_forged_one_is_refused():
    mine = Sealer(REGISTRATION, {1: K1}).seal("token")
    with pytest.raises(SealError, match="sealed for registration"):
        Sealer(NOTIFY, {1: K1}).open(mine)
    relabelled = mine.replace("SX1.registration.", "SX1.notify.")  # same key, other purpose: the tag fails
    with pytest.raises(SealError, match="forged"):
        Sealer(NOTIFY, {1: K1}).open(relabelled)
    with pytest.raises(SealError, match="not a sealed value"):
        Sealer(NOTIFY, {1: K1}).open("13912345678")


def test_keys_come_from_the_setting_or_from_files_made_on_first_use(tmp_path):
    assert parse_keys(f"1:{b64(K1)}, 2:{b64(K2)}") == {1: K1, 2: K2}
    with pytest.raises(ValueError, match="not 32 bytes"):
        parse_keys(f"1:{b64(b'short')}")
    configured = SimpleNamespace(keys_dir=tmp_path / "unused", seal_keys_notify=f"7:{b64(K1)}")
    assert sealer(configured, NOTIFY).kid == 7 and not (tmp_path / "unused").exists()
    made = SimpleNamespace(keys_dir=tmp_path / "keys", seal_keys_notify="")
    first = sealer(made, NOTIFY)
    path = tmp_path / "keys" / "seal-notify-1.key"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert sealer(made, NOTIFY).open(first.seal("13912345678")) == "13912345678"  # the same key, read back
    (tmp_path / "keys" / "seal-notify-2.key").write_text(b64(K2))  # rotation: add kid 2
    assert sealer(made, NOTIFY).kid == 2
