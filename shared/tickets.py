"""Signed ticket codes: the contract between the registration service, which signs, and the
check-in service and scanner page, which verify with the public key alone.

Code text: ``SD1.`` + base64url(payload ‖ Ed25519 signature), about 150 characters.

Payload (big-endian): key id (u8) · registration id (10 bytes) · party size (u8) ·
valid from (u32, Unix s) · valid until (u32, Unix s) · activity id (u8 length + ASCII) ·
venue id (u8 length + ASCII).  The signature covers ``b"SD1" + payload``.

A **standby ticket** (issue 15 §3, a walk-in whose standby number was called) is the same family
with its own kind: ``SB1.`` and a signature over ``b"SB1" + payload``, so it can never pass for a
registration's ticket (nor the reverse).  Its 10-byte id is six zero bytes and the standby number
(u32); :attr:`Ticket.standby_number` reads it back.
"""

from __future__ import annotations

import base64
import binascii
import os
import secrets
import struct
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import Encoding, NoEncryption, PrivateFormat, PublicFormat

PREFIX = "SD1."
STANDBY_PREFIX = "SB1."
REGISTRATION, STANDBY = "registration", "standby"
_KINDS = {PREFIX: REGISTRATION, STANDBY_PREFIX: STANDBY}  # code prefix -> kind; the domain is the prefix
RID_BYTES = 10


def checkin_window(starts_at: datetime, ends_at: datetime, opens_before_min: int) -> tuple[int, int]:
    """Unix seconds: check-in opens ``opens_before_min`` (Settings.checkin_opens_before_min)
    before the start and closes at the end.  Registration signs it into a ticket; the door judges
    a scan by it (from the activity when it knows it, else from the ticket)."""
    opens = starts_at - timedelta(minutes=opens_before_min)
    return int(opens.timestamp()), int(ends_at.timestamp())


class InvalidTicket(Exception):
    """Bad format, unknown key or bad signature. The check-in reason is ``invalid``."""


def new_registration_id() -> str:
    return base64.b32encode(secrets.token_bytes(RID_BYTES)).decode().lower()


def _rid_bytes(rid: str) -> bytes:
    try:
        raw = base64.b32decode(rid.upper())
    except (binascii.Error, ValueError) as exc:
        raise ValueError(f"bad registration id {rid!r}") from exc
    if len(raw) != RID_BYTES:
        raise ValueError(f"bad registration id {rid!r}")
    return raw


def standby_id(number: int) -> str:
    """The 10-byte id field of a standby ticket: six zero bytes and the number (u32)."""
    return base64.b32encode(b"\0" * 6 + struct.pack(">I", number)).decode().lower()


def b64e(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def b64d(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def peek(code: object) -> Ticket | None:
    """What a code says, NOT verified: only to read ahead the data its verdict will need (the
    check-in service's door, issue 18). Nothing read this way may decide anything;
    :meth:`KeyRing.verify` does."""
    if not isinstance(code, str) or len(code) > 400:
        return None
    kind = _KINDS.get(code[:4])
    if kind is None:
        return None
    try:
        return Ticket.parse(b64d(code[4:])[:-64], kind)
    except (InvalidTicket, binascii.Error, ValueError):
        return None


@dataclass(frozen=True)
class Ticket:
    registration_id: str
    activity_id: str
    venue_id: str
    party_size: int
    valid_from: int
    valid_until: int
    key_id: int
    kind: str = REGISTRATION

    @property
    def standby_number(self) -> int | None:
        """The called standby number of a standby ticket; None for a registration's."""
        if self.kind != STANDBY:
            return None
        return int(struct.unpack(">I", _rid_bytes(self.registration_id)[6:])[0])

    def payload(self) -> bytes:
        aid, vid = self.activity_id.encode("ascii"), self.venue_id.encode("ascii")
        return (
            struct.pack(">B", self.key_id)
            + _rid_bytes(self.registration_id)
            + struct.pack(">BII", self.party_size, self.valid_from, self.valid_until)
            + struct.pack(">B", len(aid))
            + aid
            + struct.pack(">B", len(vid))
            + vid
        )

    @classmethod
    def parse(cls, payload: bytes, kind: str = REGISTRATION) -> Ticket:
        try:
            kid = payload[0]
            rid = base64.b32encode(payload[1:11]).decode().lower()
            party, vfrom, vuntil = struct.unpack(">BII", payload[11:20])
            alen = payload[20]
            aid = payload[21 : 21 + alen].decode("ascii")
            vlen = payload[21 + alen]
            vid = payload[22 + alen : 22 + alen + vlen].decode("ascii")
            if 22 + alen + vlen != len(payload) or len(aid) != alen or len(vid) != vlen:
                raise ValueError("length mismatch")
        except (IndexError, struct.error, UnicodeDecodeError, ValueError) as exc:
            raise InvalidTicket(f"bad payload: {exc}") from exc
        return cls(rid, aid, vid, party, vfrom, vuntil, kid, kind)


class KeyRing:
    """Ed25519 keys by id. The newest private key signs; every public key verifies."""

    def __init__(
        self,
        private: dict[int, Ed25519PrivateKey] | None = None,
        public: dict[int, Ed25519PublicKey] | None = None,
    ):
        self.private = private or {}
        self.public = dict(public or {})
        for kid, key in self.private.items():
            self.public.setdefault(kid, key.public_key())

    # -- loading ---------------------------------------------------------------------------
    @classmethod
    def load_or_create(cls, keys_dir: Path, first_kid: int = 1) -> KeyRing:
        """Load every key under ``keys_dir``; make key ``first_kid`` if there is none (race-safe).
        After a loss the new key takes an id never used before (sciday/continuity.py), so a ticket
        signed by the lost key can never be read as the new key's."""
        keys_dir = Path(keys_dir)
        keys_dir.mkdir(parents=True, exist_ok=True)
        if not list(keys_dir.glob("ed25519-*.key")):
            key = Ed25519PrivateKey.generate()
            pem = key.private_bytes(Encoding.PEM, PrivateFormat.PKCS8, NoEncryption())
            path = keys_dir / f"ed25519-{first_kid}.key"
            try:
                fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            except FileExistsError:
                pass  # another worker won the race
            else:
                with os.fdopen(fd, "wb") as fh:
                    fh.write(pem)
                (keys_dir / f"ed25519-{first_kid}.pub").write_bytes(
                    key.public_key().public_bytes(Encoding.PEM, PublicFormat.SubjectPublicKeyInfo)
                )
        return cls.load(keys_dir)

    @classmethod
    def load(cls, keys_dir: Path, public_only: bool = False) -> KeyRing:
        from cryptography.hazmat.primitives.serialization import load_pem_private_key, load_pem_public_key

        private: dict[int, Ed25519PrivateKey] = {}
        public: dict[int, Ed25519PublicKey] = {}
        keys_dir = Path(keys_dir)
        for path in sorted(keys_dir.glob("ed25519-*.pub")):
            pub = load_pem_public_key(path.read_bytes())
            if not isinstance(pub, Ed25519PublicKey):
                raise ValueError(f"{path} is not an Ed25519 public key")
            public[int(path.stem.split("-")[1])] = pub
        if not public_only:
            for path in sorted(keys_dir.glob("ed25519-*.key")):
                for _ in range(50):  # the creating worker may still be writing it
                    data = path.read_bytes()
                    if data.strip().endswith(b"-----"):
                        break
                    import time

                    time.sleep(0.02)
                key = load_pem_private_key(data, None)
                if not isinstance(key, Ed25519PrivateKey):
                    raise ValueError(f"{path} is not an Ed25519 private key")
                private[int(path.stem.split("-")[1])] = key
        return cls(private, public)

    @classmethod
    def from_public_list(cls, items: list[dict[str, Any]]) -> KeyRing:
        return cls(
            public={int(i["kid"]): Ed25519PublicKey.from_public_bytes(b64d(i["public_key"])) for i in items}
        )

    def public_list(self) -> list[dict[str, Any]]:
        return [
            {
                "kid": kid,
                "alg": "Ed25519",
                "public_key": b64e(key.public_bytes(Encoding.Raw, PublicFormat.Raw)),
            }
            for kid, key in sorted(self.public.items())
        ]

    # -- codes -------------------------------------------------------------------------------
    @property
    def signing_kid(self) -> int:
        if not self.private:
            raise RuntimeError("no private key loaded")
        return max(self.private)

    def sign(
        self,
        *,
        registration_id: str,
        activity_id: str,
        venue_id: str,
        party_size: int,
        valid_from: int,
        valid_until: int,
        prefix: str = PREFIX,
    ) -> str:
        ticket = Ticket(
            registration_id,
            activity_id,
            venue_id,
            party_size,
            int(valid_from),
            int(valid_until),
            self.signing_kid,
        )
        payload = ticket.payload()
        sig = self.private[ticket.key_id].sign(prefix[:-1].encode() + payload)
        return prefix + b64e(payload + sig)

    def sign_standby(
        self,
        *,
        number: int,
        activity_id: str,
        venue_id: str,
        party_size: int,
        valid_from: int,
        valid_until: int,
    ) -> str:
        """A called standby number's ticket (``SB1.``): the scanner admits it like any other."""
        return self.sign(
            registration_id=standby_id(number),
            activity_id=activity_id,
            venue_id=venue_id,
            party_size=party_size,
            valid_from=valid_from,
            valid_until=valid_until,
            prefix=STANDBY_PREFIX,
        )

    def verify(self, code: str) -> Ticket:
        prefix = code[:4] if isinstance(code, str) else ""
        kind = _KINDS.get(prefix)
        if kind is None or len(code) > 400:
            raise InvalidTicket("not a sciday ticket")
        body = code[len(prefix) :]
        try:
            raw = b64d(body)
        except (binascii.Error, ValueError) as exc:
            raise InvalidTicket("not base64url") from exc
        if b64e(raw) != body:  # reject non-canonical encodings of the same bytes
            raise InvalidTicket("non-canonical encoding")
        if len(raw) < 22 + 64:
            raise InvalidTicket("too short")
        payload, sig = raw[:-64], raw[-64:]
        key = self.public.get(payload[0])
        if key is None:
            raise InvalidTicket("unknown key id")
        try:
            key.verify(sig, prefix[:-1].encode() + payload)
        except InvalidSignature as exc:
            raise InvalidTicket("bad signature") from exc
        return Ticket.parse(payload, kind)
