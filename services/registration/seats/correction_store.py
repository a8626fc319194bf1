"""The seat store's step for a corrected member (correct_member.lua; issue 26)."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path
from typing import Any

from services.registration.seats.keys import Keys, now_pair, refused
from services.registration.vocabulary import REFUSED
from shared.redis_scripts import Scripts

HERE = Path(__file__).parent


class MemberCorrections:
    """Mixed into ``SeatStore``: its ``redis``, ``keys`` and ``outbox``."""

    redis: Any
    keys: Keys
    outbox: str
    _corrections: Scripts | None = None

    def correct_member(
        self,
        aid: str,
        rid: str,
        *,
        member_at: int,
        hash_at: int,
        seen: dict,
        new: dict,
        new_hash: str,
        limits: tuple[int, int],
        now: datetime,
    ) -> int:
        """correct_member.lua: how many corrections the registration has had; refusals as in the script."""
        if self._corrections is None:
            self._corrections = Scripts(self.redis, HERE, ["correct_member"])
        k = self.keys
        shown = {"name_masked": seen.get("name_masked", ""), "id_masked": seen.get("id_masked", "")}
        res = self._corrections.correct_member(
            keys=[k.regs(aid), self.outbox, k.ids(aid), k.id_day, k.id_festival],
            args=[
                now_pair(now)[1],
                rid,
                member_at,
                hash_at,
                json.dumps(shown, ensure_ascii=False),
                json.dumps(new, ensure_ascii=False),
                new_hash,
                limits[0],
                limits[1],
            ],
        )
        if res[0].decode() == REFUSED:
            raise refused(res)
        return int(res[1])
