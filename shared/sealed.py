"""Sealed personal fields: AES-256-GCM with rotatable keys, one key ring per purpose (issue 16).

A sealed value is text: ``SX1.<purpose>.<key id>.`` + base64url(12-byte nonce ‖ ciphertext ‖ tag).
The purpose and the key id are in the text and bound into the tag (associated data), so a value
sealed for notify cannot be opened as the registration service's own, and a rotated ring still
opens every value sealed under an older key.

Purposes (who can read):
  ``registration``  the registration record's personal fields at rest (name, phone, email, manage
                    token and links); only the registration service holds this ring.
  ``notify``        the fields notify needs to reach a registrant (phone, email, name, links,
                    ticket code): registration seals them into the event, notify keeps them
                    sealed in its projection and delivery log and opens them only to send.

Keys: ``SCIDAY_SEAL_KEYS_<PURPOSE>`` = ``"<kid>:<base64url 32 bytes>,..."`` (a setting, so a
secrets mount or the environment), else the files ``<keys_dir>/seal-<purpose>-<kid>.key``, made
on first use (kid 1) like the other secrets of ``make run``.  The highest key id seals; rotating
means adding ``kid+1`` to every process that opens, then to the ones that seal.
"""

from __future__ import annotations

import base64
import json
import os
import secrets as _random
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from shared import keyfile

PREFIX = "SX1"
REGISTRATION = "registration"
NOTIFY = "notify"
PURPOSES = (REGISTRATION, NOTIFY)
_NONCE = 12


class SealError(Exception):
    """Not a sealed value, an unknown key id, another purpose's value, or a forged one."""


def _b64e(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def _b64d(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def is_sealed(value: Any) -> bool:
    return isinstance(value, str) and value.startswith(PREFIX + ".")


class Sealer:
    """One purpose's key ring: the newest key seals, every key opens."""

    def __init__(self, purpose: str, keys: dict[int, bytes]) -> None:
        if not keys:
            raise ValueError(f"no key for sealing {purpose}")
        self.purpose, self.keys = purpose, dict(keys)
        self.kid = max(self.keys)
        self._aead = {kid: AESGCM(key) for kid, key in self.keys.items()}

    def _aad(self, kid: int) -> bytes:
        return f"{PREFIX}.{self.purpose}.{kid}".encode()

    def seal(self, value: Any) -> str:
        """Seal any JSON value (a dict of fields, or one string)."""
        nonce = _random.token_bytes(_NONCE)
        plain = json.dumps(value, ensure_ascii=False, separators=(",", ":")).encode()
        ct = self._aead[self.kid].encrypt(nonce, plain, self._aad(self.kid))
        return f"{PREFIX}.{self.purpose}.{self.kid}.{_b64e(nonce + ct)}"

    def open(self, text: str) -> Any:
        try:
            prefix, purpose, kid_text, body = text.split(".", 3)
            kid = int(kid_text)
            raw = _b64d(body)
        except (AttributeError, ValueError) as exc:
            raise SealError("not a sealed value") from exc
        if prefix != PREFIX or purpose != self.purpose:
            raise SealError(f"sealed for {purpose}, not {self.purpose}")
        if kid not in self.keys:
            raise SealError(f"unknown key id {kid} for {purpose}")
        try:
            plain = self._aead[kid].decrypt(raw[:_NONCE], raw[_NONCE:], self._aad(kid))
        except Exception as exc:  # InvalidTag, short input
            raise SealError("forged or damaged sealed value") from exc
        return json.loads(plain)


def parse_keys(configured: str) -> dict[int, bytes]:
    """``"1:<b64>,2:<b64>"`` as a key ring; each key 32 bytes."""
    keys: dict[int, bytes] = {}
    for item in filter(None, (part.strip() for part in configured.split(","))):
        kid, _, b64 = item.partition(":")
        key = _b64d(b64)
        if len(key) != 32:
            raise ValueError(f"seal key {kid} is not 32 bytes")
        keys[int(kid)] = key
    return keys


def _file_keys(keys_dir: Path, purpose: str) -> dict[int, bytes]:
    keys_dir = Path(keys_dir)
    first = keys_dir / f"seal-{purpose}-1.key"
    if not keys_dir.is_dir() or not list(keys_dir.glob(f"seal-{purpose}-*.key")):
        try:
            keys_dir.mkdir(parents=True, exist_ok=True)
            fd = os.open(first, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            pass  # another process made it
        except OSError as exc:  # a read-only secrets mount: the ring must come from the setting
            setting = f"SCIDAY_SEAL_KEYS_{purpose.upper()}"
            raise RuntimeError(f"cannot create {first} ({exc.strerror}); set {setting}") from None
        else:
            with os.fdopen(fd, "w") as fh:
                fh.write(_b64e(_random.token_bytes(32)) + "\n")
    keys: dict[int, bytes] = {}
    for path in keys_dir.glob(f"seal-{purpose}-*.key"):
        for _ in range(100):  # the creating process may still be writing it
            text = path.read_text().strip()
            if len(text) >= 43:
                break
            import time

            time.sleep(0.01)
        keys[int(path.stem.rsplit("-", 1)[1])] = _b64d(text)
    return keys


def new_key_file(keys_dir: Path, purpose: str, kid: int) -> Path:
    """A new key for ``purpose`` with id ``kid`` (``sciday up --new-keys``, sciday/continuity.py)."""
    path = Path(keys_dir) / f"seal-{purpose}-{kid}.key"
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as fh:
        fh.write(_b64e(_random.token_bytes(32)) + "\n")
    return path


def sealer(settings: Any, purpose: str) -> Sealer:
    """The ring for ``purpose`` from its setting, else from ``keys_dir`` (made on first use)."""
    configured = getattr(settings, f"seal_keys_{purpose}", "")
    if not configured:
        keyfile.require_local(settings, f"SCIDAY_SEAL_KEYS_{purpose.upper()}")
    keys = parse_keys(configured) if configured else _file_keys(settings.keys_dir, purpose)
    return Sealer(purpose, keys)
