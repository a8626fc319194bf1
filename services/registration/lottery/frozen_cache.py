"""Per-process memory of what a frozen lottery group never changes again (issue 27, bench finding).

A group's frozen entry set is written once with its Merkle root (group_commit.lua), and each round
once (group_round_finish.lua). Rebuilding the 100,000-leaf tree for every inclusion proof took 1.5 s
of CPU per request, and the 24 MB public draw 2.5-5.8 s: one entrant asking repeatedly could starve
the service. Both are kept here, keyed by what fixes them (the root; the root, the rounds drawn and
the state), in a small LRU per process; a changed key is simply another entry.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Any

from services.registration.lottery import merkle
from services.registration.lottery import specification_v2 as v2

KEEP = 4  # groups per process; a 100,000-entry tree is about 20 MB of Python objects


class Lru:
    def __init__(self, size: int = KEEP) -> None:
        self.size, self.items, self.lock = size, OrderedDict[Hashable, Any](), threading.Lock()

    def get(self, key: Hashable, make: Callable[[], Any]) -> Any:
        with self.lock:
            if key in self.items:
                self.items.move_to_end(key)
                return self.items[key]
        value = make()  # outside the lock: two threads may both make it once, never wrongly
        with self.lock:
            self.items[key] = value
            self.items.move_to_end(key)
            while len(self.items) > self.size:
                self.items.popitem(last=False)
        return value


TREES = Lru()
DOCS = Lru()


def tree_of(
    gid: str, root: str, frozen: Callable[[], list[dict] | None]
) -> tuple[dict[str, int], merkle.Tree]:
    """``(entry id -> leaf index, tree)`` of the group frozen under ``root``."""

    def make() -> tuple[dict[str, int], merkle.Tree]:
        entries = frozen() or []
        tree = v2.tree(entries)
        if tree.root.hex() != root:  # never serve proofs of a set that is not the published one
            raise ValueError(f"group {gid}: the frozen entries do not give the stored root")
        return {str(e["entry_id"]): i for i, e in enumerate(entries)}, tree

    return TREES.get((gid, root), make)


def clear() -> None:
    for lru in (TREES, DOCS):
        with lru.lock:
            lru.items.clear()
