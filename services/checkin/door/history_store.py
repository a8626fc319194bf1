"""Redis reads behind a supervisor's search of past admissions (``history.py``), a pipeline a step:
the activities, their check-in records, then only the registrations those records name."""

from __future__ import annotations

import json
from typing import Any

from services.checkin.door.store import CheckinStore
from services.checkin.ports import Doc


class HistoryReads:
    def __init__(self, store: CheckinStore) -> None:
        self.store, self.redis = store, store.redis

    def activities(self) -> list[Doc]:
        proj = self.store.projection
        pipe = self.redis.pipeline(transaction=False)
        for aid in proj.activity_ids():
            pipe.hget(proj.act_key(aid), "doc")
        return [json.loads(raw) for raw in pipe.execute() if raw]

    def checkins(self, aids: list[str]) -> dict[str, list[Doc]]:
        pipe = self.redis.pipeline(transaction=False)
        for aid in aids:
            pipe.hvals(self.store.k("checkins", aid))
        return {aid: [json.loads(r) for r in raws] for aid, raws in zip(aids, pipe.execute(), strict=True)}

    def registrations(self, wanted: dict[str, list[str]]) -> dict[tuple[str, str], Doc]:
        pipe = self.redis.pipeline(transaction=False)
        pairs: list[tuple[str, list[str]]] = [(aid, sorted(set(rids))) for aid, rids in wanted.items()]
        for aid, rids in pairs:
            pipe.hmget(self.store.projection.regs_key(aid), rids)
        out: dict[tuple[str, str], Any] = {}
        for (aid, rids), raws in zip(pairs, pipe.execute() if pairs else [], strict=True):
            out.update({(aid, rid): json.loads(raw) for rid, raw in zip(rids, raws, strict=True) if raw})
        return out
