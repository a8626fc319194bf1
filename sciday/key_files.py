"""The server keys as files, beside the passwords (`python -m sciday.credentials create DIR`).

docker-compose mounts each as a secret and Kubernetes as a Secret volume; every process reads the
ones it needs through ``SCIDAY_<NAME>_FILE`` (shared/config.py), never from the environment.
A file that exists is never overwritten: rotating a key is a deliberate step (docs/operations.md,
Rotation).  The provider credentials (``sms-api-key``, ``realname-api-key``) are the operator's.
"""

from __future__ import annotations

import base64
import os
import secrets
from pathlib import Path

# file name -> the setting it feeds (SCIDAY_<...>_FILE=/run/secrets/<file>)
KEY_FILES = {
    "hmac-secret": "SCIDAY_HMAC_SECRET",
    "internal-api-key": "SCIDAY_INTERNAL_API_KEY",
    "noshow-pepper": "SCIDAY_NOSHOW_PEPPER",
    "door-id-key": "SCIDAY_DOOR_ID_KEY",
    "door-mark-key": "SCIDAY_DOOR_MARK_KEY",
    "seal-keys-registration": "SCIDAY_SEAL_KEYS_REGISTRATION",
    "seal-keys-notify": "SCIDAY_SEAL_KEYS_NOTIFY",
}
PROVIDER_FILES = {"sms-api-key": "SCIDAY_SMS_API_KEY", "realname-api-key": "SCIDAY_REALNAME_API_KEY"}


def new_value(name: str) -> str:
    """A fresh value: a seal ring "1:<base64url of 32 bytes>", else 32 random bytes as text."""
    if name.startswith("seal-keys-"):
        return "1:" + base64.urlsafe_b64encode(secrets.token_bytes(32)).decode().rstrip("=")
    return secrets.token_urlsafe(32)


def write_key_files(secrets_dir: Path, mode: int = 0o644) -> list[Path]:
    """Every file of :data:`KEY_FILES` missing from ``secrets_dir``, made at random."""
    d = Path(secrets_dir)
    d.mkdir(parents=True, exist_ok=True)
    made = []
    for name in KEY_FILES:
        path = d / name
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, mode)
        except FileExistsError:
            continue
        with os.fdopen(fd, "w") as fh:
            fh.write(new_value(name) + "\n")
        os.chmod(path, mode)
        made.append(path)
    return made
