"""Server secrets kept as files under ``keys_dir`` (``var/keys`` by default), made on first use.

``secret(keys_dir, "hmac")`` returns 32 random bytes, created race-safely (O_EXCL) by whichever
process starts first, readable only by the owner. In production mount the same file (or the same
value) into every process that must agree on it.
"""

from __future__ import annotations

import functools
import hashlib
import hmac
import os
import secrets as _random
import time
from ipaddress import ip_address
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

SIZE = 32


def secret(keys_dir: Path, name: str, configured: str = "", setting: str = "") -> bytes:
    """``configured`` (a setting's value) when given, else the file, made on first use."""
    if configured:
        return configured.encode()
    keys_dir = Path(keys_dir)
    path = keys_dir / f"{name}.secret"
    try:
        keys_dir.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        for _ in range(100):  # the creating process may still be writing it
            data = path.read_bytes()
            if len(data) >= SIZE:
                return data[:SIZE]
            time.sleep(0.01)
        raise RuntimeError(f"{path} is shorter than {SIZE} bytes") from None
    except OSError as exc:  # a read-only secrets mount: the value must come from the setting
        raise RuntimeError(f"cannot create {path} ({exc.strerror}); set {setting or name}") from None
    value = _random.token_bytes(SIZE)
    with os.fdopen(fd, "wb") as fh:
        fh.write(value)
    return value


def is_loopback_url(url: str) -> bool:
    """Whether ``url`` names this machine only (127.0.0.0/8, ::1, localhost): `make run` and tests."""
    host = urlsplit(url).hostname or ""
    if host == "localhost":
        return True
    try:
        return ip_address(host).is_loopback
    except ValueError:
        return False


def require_local(settings: Any, setting: str) -> None:
    """The file fallback under ``keys_dir`` is for a stack on loopback only (`make run`, the tests):
    in a deployment every process must be given the same key (``setting`` or ``setting``_FILE),
    and a key one process made for itself would not be the one the others use."""
    url = getattr(settings, "public_base_url", "http://127.0.0.1")  # as Settings defaults it
    if not is_loopback_url(url):
        raise RuntimeError(
            f"set {setting} (or {setting}_FILE): the public URL {url} is not loopback, so the key "
            f"is not made or read under {settings.keys_dir} (docs/operations.md, Rotation)"
        )


def from_settings(settings: Any, name: str, setting: str) -> bytes:
    """The secret ``setting`` (``SCIDAY_DOOR_MARK_KEY`` -> ``settings.door_mark_key``); unset, the
    file ``<keys_dir>/<name>.secret``, only where the public URL is loopback (:func:`require_local`)."""
    configured = getattr(settings, setting.removeprefix("SCIDAY_").lower())
    if not configured:
        require_local(settings, setting)
    return secret(settings.keys_dir, name, configured, setting)


def keyed(secret: bytes, label: str, value: str) -> str:
    """The one keyed hash of a phone, an ID number, an address or a code wherever it names a key or
    is kept (HMAC-SHA-256 under a server secret, 128 bits): without the secret, trying every phone
    number recovers nothing, as it would from a plain hash."""
    return hmac.new(secret, f"{label}:{value}".encode(), hashlib.sha256).hexdigest()[:32]


@functools.lru_cache(maxsize=8)
def _pepper(configured: str, keys_dir: str) -> str:
    return configured or secret(Path(keys_dir), "noshow-pepper").hex()


def noshow_pepper(settings: Any) -> str:
    """The key of the no-show record's phone and ID hashes (docs/noshow.md): SCIDAY_NOSHOW_PEPPER,
    else a random one kept under ``keys_dir`` like the other secrets, so that every process of
    `make run` shares it and the hashes are never unkeyed (an unkeyed hash of a phone number can
    be reversed by trying every number)."""
    if not settings.noshow_pepper:
        require_local(settings, "SCIDAY_NOSHOW_PEPPER")
    return _pepper(settings.noshow_pepper, str(settings.keys_dir))
