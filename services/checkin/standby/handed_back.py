"""Seats handed back wait for on-site standby (issue 27, docs/standby.md).

The check-in projection hands each ``SeatsHandedBack`` here: ``standby_handed_back.lua`` keeps
the highest revision's count in the standby hash, where ``standby_release.lua`` adds it to the
pool (and, once released, a newer count moves the pool by its difference).
"""

from __future__ import annotations

from pathlib import Path

from shared.redis_scripts import load_script

HERE = Path(__file__).parent


class HandedBack:
    """The standby pool's side of the seats handed back; idempotent and order-free by revision."""

    def __init__(self, redis, prefix: str):
        self.redis, self.p = redis, prefix
        self.script = load_script(redis, HERE, "standby_handed_back")

    def keep(self, aid: str, handed_back: int, revision: int) -> bool:
        """Keep the count if its revision is newer than the stored one; True when it was."""
        stored, _ = self.script(keys=[f"{self.p}ck:sb:{{{aid}}}"], args=[handed_back, revision])
        return bool(stored)
