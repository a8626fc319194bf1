"""The door's admissions rebuilt from ``checkin-events`` (issue 24 §8): ``sciday rebuild checkin``
replays every ``CheckinRecorded`` and ``CheckinReverted`` through readmit.lua, so that after a
Redis loss an admitted ticket is refused as ``already_checked_in`` again.  Idempotent by check-in
id, and a check-in the door recorded meanwhile is left as it is."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path
from typing import Any

from services.checkin.door import admission
from services.checkin.door.store import CheckinStore
from shared import events as ev
from shared.redis_scripts import Scripts

HERE = Path(__file__).parent
KINDS = {ev.CHECKIN_RECORDED: "recorded", ev.CHECKIN_REVERTED: "reverted"}


class Admissions:
    def __init__(self, redis: Any, settings: Any) -> None:
        self.store = CheckinStore(redis, settings)
        self.scripts = Scripts(redis, HERE, ["readmit"])

    def replay(self, envelopes: list[dict[str, Any]]) -> int:
        """Apply the check-in events among ``envelopes``; returns how many were skipped (every
        other event, and those already applied)."""
        skipped = 0
        for e in envelopes:
            kind = KINDS.get(e.get("type", ""))
            if kind is None:
                skipped += 1
                continue
            d, aid, k = e["data"], e["activity_id"], self.store.k
            at = d.get("checked_in_at") or e["occurred_at"]
            people = d["admitted"] if kind == "recorded" else d["reverted"]
            applied = self.scripts.readmit(
                keys=[
                    k("adm", aid),
                    k("first", aid),
                    k("gates", aid),
                    k("arrivals", aid),
                    k("checkins", aid),
                    k("stats", aid),
                    self.store.cidx,
                    k("members", aid),  # issue 26: the members the events name
                ],
                args=[
                    kind,
                    d["checkin_id"],
                    d["registration_id"],
                    people,
                    d["gate"],
                    at,
                    admission.bucket(datetime.fromisoformat(at)),
                    d.get("staff", ""),
                    aid,
                    json.dumps(d["members"]) if d.get("members") else "",
                    d.get("reason", "") if kind == "reverted" else "",  # issue 26: why it was undone
                ],
            )
            skipped += 0 if int(applied) else 1
        return skipped
