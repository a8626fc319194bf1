"""The Merkle tree of a v2 lottery's frozen entry set (RFC 9162 / RFC 6962, certificate transparency).

Leaves are the canonical JSON of each public entry, in entry-id order (docs/lottery.md): the root
then depends on the *set* of entries only. ``leaf = SHA-256(0x00 || bytes)``,
``node = SHA-256(0x01 || left || right)``; an unpaired last node is carried up unchanged, which
builds the same tree as RFC 9162's split at the largest power of two. Inclusion proofs and their
check are RFC 9162 §2.1.3; ``scripts/verify_draw.py`` re-implements them with the standard library.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence

EMPTY_ROOT = hashlib.sha256(b"").digest()


def leaf_hash(data: bytes) -> bytes:
    return hashlib.sha256(b"\x00" + data).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    return hashlib.sha256(b"\x01" + left + right).digest()


class Tree:
    """All levels of the tree over ``leaves`` (leaf hashes), kept to answer proofs quickly."""

    def __init__(self, leaves: Sequence[bytes]) -> None:
        self.levels: list[list[bytes]] = [list(leaves)]
        level = self.levels[0]
        while len(level) > 1:
            up = [node_hash(level[i], level[i + 1]) for i in range(0, len(level) - 1, 2)]
            if len(level) % 2:
                up.append(level[-1])
            self.levels.append(up)
            level = up

    @property
    def size(self) -> int:
        return len(self.levels[0])

    @property
    def root(self) -> bytes:
        return self.levels[-1][0] if self.size else EMPTY_ROOT

    def proof(self, index: int) -> list[bytes]:
        """The audit path of leaf ``index``, from the leaf's level up."""
        if not 0 <= index < self.size:
            raise IndexError(index)
        path = []
        for level in self.levels[:-1]:
            sibling = index ^ 1
            if sibling < len(level):
                path.append(level[sibling])
            index //= 2
        return path


def root_of(leaves: Sequence[bytes]) -> bytes:
    return Tree(leaves).root


def included(leaf: bytes, index: int, size: int, path: Sequence[bytes], root: bytes) -> bool:
    """RFC 9162 §2.1.3.2: does ``path`` prove leaf ``index`` of a tree of ``size`` under ``root``?"""
    if not 0 <= index < size:
        return False
    fn, sn, r = index, size - 1, leaf
    for p in path:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            r = node_hash(p, r)
            while not fn & 1 and fn != 0:
                fn >>= 1
                sn >>= 1
        else:
            r = node_hash(r, p)
        fn >>= 1
        sn >>= 1
    return sn == 0 and r == root
