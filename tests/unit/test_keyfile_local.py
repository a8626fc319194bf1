"""The file fallback for keys (shared/keyfile.py) is for a stack on loopback only (issue 24 §1): a
deployment whose processes each made a key of their own would not agree, and a read-only keys
folder would make the process stop with an unrelated error."""

from __future__ import annotations

import pytest

from shared import door_id, internal, keyfile, sealed
from shared.config import load


def _settings(tmp_path, url: str, **over):
    return load({"keys_dir": tmp_path / "keys", "public_base_url": url, **over})


@pytest.mark.parametrize(
    "read",
    [
        internal.key_of,
        door_id.master_key,
        keyfile.noshow_pepper,
        lambda s: keyfile.from_settings(s, "door-mark", "SCIDAY_DOOR_MARK_KEY"),
        lambda s: keyfile.from_settings(s, "registration-hmac", "SCIDAY_HMAC_SECRET"),
        lambda s: sealed.sealer(s, sealed.REGISTRATION),
    ],
)
def test_a_public_url_refuses_the_file_fallback_and_makes_no_file(tmp_path, read):
    settings = _settings(tmp_path, "https://sciday.example.org")
    with pytest.raises(RuntimeError, match=r"set SCIDAY_[A-Z_]+ \(or SCIDAY_[A-Z_]+_FILE\)"):
        read(settings)
    assert not (tmp_path / "keys").exists()


@pytest.mark.parametrize("url", ["http://127.0.0.1:8001", "http://localhost:8001", "http://[::1]:8001"])
def test_a_loopback_url_keeps_the_file_made_on_first_use(tmp_path, url):
    settings = _settings(tmp_path, url)
    first = keyfile.from_settings(settings, "door-mark", "SCIDAY_DOOR_MARK_KEY")
    assert (tmp_path / "keys" / "door-mark.secret").read_bytes() == first


def test_a_given_key_needs_no_file_whatever_the_url(tmp_path):
    settings = _settings(tmp_path, "https://sciday.example.org", door_mark_key="m" * 32)
    assert keyfile.from_settings(settings, "door-mark", "SCIDAY_DOOR_MARK_KEY") == b"m" * 32
    assert not (tmp_path / "keys").exists()
