"""Signed receipts and inclusion proofs of a v2 lottery group (docs/lottery.md, sciday-lottery-v2 §2, §3).

The registration service's ticket key signs them (``shared/tickets.py``'s key ring: its newest
Ed25519 key); ``receipt_key`` is that key's raw 32-byte public key, hex, published with the group.
The signature (hex, 64 bytes) covers ``specification_v2.canonical`` of the document without its
``signature``: anyone checks it with :func:`check` and the public key alone.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Protocol

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from services.registration.lottery import merkle
from services.registration.lottery import specification_v2 as v2

RECEIPT, INCLUSION = "receipt", "inclusion"


class Signer(Protocol):
    def public_key_hex(self) -> str: ...
    def signature_hex(self, data: bytes) -> str: ...


class KeySigner:
    """Signs with one Ed25519 private key (the key ring's signing key: :func:`of_key_ring`)."""

    def __init__(self, key: Ed25519PrivateKey) -> None:
        self.key = key

    def public_key_hex(self) -> str:
        return self.key.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw).hex()

    def signature_hex(self, data: bytes) -> str:
        return self.key.sign(data).hex()


class RingSigner:
    """The ticket key ring's signing key (``KeyRing.private[signing_kid]``), looked up when used."""

    def __init__(self, ring: object) -> None:
        self.ring = ring

    def _key(self) -> KeySigner:
        private = getattr(self.ring, "private", None)
        if not private:
            raise ValueError("the ticket signer holds no Ed25519 private key")
        return KeySigner(private[self.ring.signing_kid])  # type: ignore[attr-defined]

    def public_key_hex(self) -> str:
        return self._key().public_key_hex()

    def signature_hex(self, data: bytes) -> str:
        return self._key().signature_hex(data)


def of_key_ring(ring: object) -> RingSigner:
    """Receipts and proofs signed with the ticket key ring's newest key."""
    return RingSigner(ring)


def signed(signer: Signer, doc: Mapping[str, object]) -> dict:
    """``doc`` with its ``signature``: Ed25519 over the canonical JSON of everything else."""
    body = {k: val for k, val in doc.items() if k != "signature"}
    return {**body, "signature": signer.signature_hex(v2.canonical(body))}


def check(doc: Mapping[str, object], public_key_hex: str) -> bool:
    """Does ``doc``'s signature verify under ``public_key_hex`` (raw Ed25519, hex)?"""
    body = {k: val for k, val in doc.items() if k != "signature"}
    try:
        key = Ed25519PublicKey.from_public_bytes(bytes.fromhex(public_key_hex))
        key.verify(bytes.fromhex(str(doc.get("signature", ""))), v2.canonical(body))
    except (InvalidSignature, ValueError):
        return False
    return True


def receipt(group_id: str, public: Mapping[str, object], nonce: str, entered_at: int) -> dict:
    """The receipt's body (unsigned): the six public fields, the nonce and the time of entering."""
    return {
        "algorithm": v2.ALGORITHM,
        "kind": RECEIPT,
        "group_id": group_id,
        **v2.public_entry(public),
        "nonce": nonce,
        "entered_at": entered_at,
    }


def inclusion(group_id: str, index: int, entry_id: str, tree: merkle.Tree) -> dict:
    """The inclusion proof's body (unsigned) of ``entry_id``, leaf ``index`` of the frozen ``tree``."""
    return {
        "algorithm": v2.ALGORITHM,
        "kind": INCLUSION,
        "group_id": group_id,
        "entry_id": entry_id,
        "leaf_index": index,
        "tree_size": tree.size,
        "path": [p.hex() for p in tree.proof(index)],
        "merkle_root": tree.root.hex(),
    }
