"""Crypto-shredding (issue 23): what travels on a topic is sealed under a data key of its own
registration (or lottery entry), and erasing deletes that key, so every copy on every topic, in
every consumer's store and in every backup becomes unreadable at once.

- A **data key** is 32 random bytes made when the registration (or entry) is made, before its
  seat script, which writes it in the same atomic step as the record (reserve.lua,
  lottery_register.lua, lottery_enter.lua): no extra round trip on the 201.
- It rests in Redis, in the key family ``{p}shred:{<aid>}`` (a hash per activity, the activity's
  hash tag so the seat scripts stay on one slot): field = the subject (registration id, or
  ``e:<entry id>``), value = the data key **wrapped** under notify's ring (shared/sealed.py), so
  reading Redis alone, or the topics and notify's ring alone, opens nothing.
  Written by the registration service; read by notify (which opens the fields to send);
  deleted by erase.lua, the retention sweep and the lottery's erasure.
- A value sealed under a data key is text ``SK1.<aid>.<subject>.`` + base64url(nonce ‖ ciphertext
  ‖ tag), AES-256-GCM with ``SK1.<aid>.<subject>`` as associated data: the value names the key that
  opens it, and cannot be moved to another registration.

:class:`Opener` is notify's ring that also opens these values: a value whose data key is gone
raises :class:`Shredded` (the registration was erased), which consumers handle as an erasure.
"""

from __future__ import annotations

import base64
import json
import secrets
from typing import Any

from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from shared.sealed import Sealer, SealError

PREFIX = "SK1"
FAMILY = "shred"  # the Redis key family (after SCIDAY_REDIS_PREFIX): sciday/credentials.py
_NONCE = 12


class Shredded(SealError):
    """The value's data key is gone: its registration (or entry) was erased."""


def key_name(prefix: str, aid: str) -> str:
    return f"{prefix}{FAMILY}:{{{aid}}}"


def entry_subject(entry_id: str) -> str:
    """A lottery entry's field in ``{p}shred:{aid}`` (a registration's is its id)."""
    return f"e:{entry_id}"


def is_shredded(value: Any) -> bool:
    return isinstance(value, str) and value.startswith(PREFIX + ".")


def new_key() -> bytes:
    return secrets.token_bytes(32)


def _b64e(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def _b64d(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def wrap(ring: Sealer, key: bytes) -> str:
    """The data key as it rests in Redis: sealed under notify's ring."""
    return ring.seal(_b64e(key))


def unwrap(ring: Sealer, text: str | bytes) -> bytes:
    return _b64d(ring.open(text.decode() if isinstance(text, bytes) else text))


def seal(key: bytes, aid: str, subject: str, value: Any) -> str:
    if "." in aid or "." in subject:
        raise ValueError("an activity id or subject with a dot cannot name its data key")
    head = f"{PREFIX}.{aid}.{subject}"
    nonce = secrets.token_bytes(_NONCE)
    plain = json.dumps(value, ensure_ascii=False, separators=(",", ":")).encode()
    return f"{head}.{_b64e(nonce + AESGCM(key).encrypt(nonce, plain, head.encode()))}"


def locate(text: str) -> tuple[str, str]:
    """(activity id, subject) of the data key a value was sealed under."""
    try:
        prefix, aid, subject, _body = text.split(".", 3)
    except (AttributeError, ValueError) as exc:
        raise SealError("not a shredded value") from exc
    if prefix != PREFIX:
        raise SealError("not a shredded value")
    return aid, subject


def open_with(key: bytes, text: str) -> Any:
    head, _, body = text.rpartition(".")
    try:
        raw = _b64d(body)
        plain = AESGCM(key).decrypt(raw[:_NONCE], raw[_NONCE:], head.encode())
    except Exception as exc:  # InvalidTag, short input, bad base64
        raise SealError("forged or damaged shredded value") from exc
    return json.loads(plain)


class Opener(Sealer):
    """Notify's ring (it seals as the ring does) that also opens values sealed under a data key,
    reading the key from Redis each time, so an erasure takes effect at once."""

    def __init__(self, ring: Sealer, redis: Any, prefix: str) -> None:
        super().__init__(ring.purpose, ring.keys)
        self.redis, self.prefix = redis, prefix

    def data_key(self, text: str) -> bytes:
        aid, subject = locate(text)
        wrapped = self.redis.hget(key_name(self.prefix, aid), subject)
        if wrapped is None:
            raise Shredded(f"the data key of {subject} is gone (erased)")
        return unwrap(self, wrapped)

    def open(self, text: str) -> Any:
        if not is_shredded(text):
            return super().open(text)
        return open_with(self.data_key(text), text)

    def seal_beside(self, text: Any, value: Any) -> str:
        """``value`` sealed under the same data key as ``text`` (so it is shredded with it), or
        under the ring when ``text`` has none (a version 2 event)."""
        if not is_shredded(text):
            return self.seal(value)
        aid, subject = locate(text)
        return seal(self.data_key(text), aid, subject, value)
