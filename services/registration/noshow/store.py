"""Redis adapter of the no-show record (services/registration/noshow/record.py).

Keys (hash tag per holder: a holder's marks live on one slot):
  {p}ns:marks:{<holder>}  hash: mark id -> JSON mark (+ forgiven_by, forgiven_at, note)
  {p}ns:idx               hash: mark id -> holder (global, like the check-in index)
  {p}ns:audit             stream: forgiveness, with who and why
"""

from __future__ import annotations

import json
from dataclasses import asdict, fields
from datetime import UTC, datetime
from pathlib import Path

from services.registration.noshow.record import Mark
from shared.outbox_keys import stream_key
from shared.redis_scripts import Scripts

HERE = Path(__file__).parent
MARK_FIELDS = {f.name for f in fields(Mark)}


def iso(ts: float) -> str:
    return datetime.fromtimestamp(ts, UTC).isoformat()


class NoShowStore:
    def __init__(self, redis, settings):
        self.redis, self.p = redis, settings.redis_prefix
        self.outbox = stream_key(settings)
        self.audit = f"{self.p}ns:audit"
        self.idx = f"{self.p}ns:idx"
        self.scripts = Scripts(redis, HERE, ["noshow_mark", "noshow_forgive"])

    def marks_key(self, holder: str) -> str:
        return f"{self.p}ns:marks:{{{holder}}}"

    def add_mark(self, mark: Mark, locked_until: float | None, told: dict | None = None) -> bool:
        data = {
            **(told or {}),  # issue 26: toward_lock, marks_to_lock, lock_days, warning (record.told_of)
            "mark_id": mark.mark_id,
            "holder": mark.holder,
            "registration_id": mark.registration_id,
            "activity_id": mark.activity_id,
            "cause": mark.cause,
            "marked_at": iso(mark.at),
            "locked_until": iso(locked_until) if locked_until else None,
        }
        out = self.scripts.noshow_mark(
            keys=[self.marks_key(mark.holder), self.idx, self.outbox],
            args=[
                mark.mark_id,
                json.dumps(asdict(mark)),
                mark.holder,
                mark.activity_id,
                datetime.now(UTC).isoformat(),
                json.dumps(data),
            ],
        )
        return bool(out)

    def marks(self, holder: str) -> list[Mark]:
        return self.parse(self.redis.hvals(self.marks_key(holder)))

    @staticmethod
    def parse(values: list[bytes]) -> list[Mark]:
        """The marks of a holder's hash values (HVALS), also read in a caller's pipeline (checks.py)."""
        out = []
        for raw in values:
            doc = json.loads(raw)
            out.append(Mark(**{k: v for k, v in doc.items() if k in MARK_FIELDS}))
        return out

    def holder_of(self, mark_id: str) -> str | None:
        raw = self.redis.hget(self.idx, mark_id)
        return raw.decode() if raw else None

    def forgive(self, holder: str, mark_id: str, by: str, note: str, at: float) -> bool:
        out = self.scripts.noshow_forgive(
            keys=[self.marks_key(holder), self.audit, self.outbox], args=[mark_id, holder, by, note, iso(at)]
        )
        return bool(out)

    def forgiveness_log(self, count: int) -> list[dict]:
        """The latest ``count`` forgiveness entries of the audit stream, newest first."""
        raw = self.redis.xrevrange(self.audit, count=count)
        return [{k.decode(): v.decode() for k, v in f.items()} for _id, f in raw]

    def audit_log(self) -> list[dict]:
        return [{k.decode(): v.decode() for k, v in f.items()} for _id, f in self.redis.xrange(self.audit)]
