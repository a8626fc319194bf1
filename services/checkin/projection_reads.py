"""The check-in projection's keys (listed in ``projection.py``) and what the door, the scanner's
offline state, the pages and the exports read from them; ``projection.Projection`` writes them.
"""

from __future__ import annotations

import json


class ProjectionReads:
    """The keys, and the reads the door (``ports.Activities``) and the pages make."""

    def __init__(self, redis, prefix: str):
        self.redis, self.p = redis, prefix

    def act_key(self, aid):
        return f"{self.p}ck:act:{{{aid}}}"

    def regs_key(self, aid):
        return f"{self.p}ck:regs:{{{aid}}}"

    def revoked_key(self, aid):
        return f"{self.p}ck:revoked:{{{aid}}}"

    def reduced_key(self, aid):
        return f"{self.p}ck:reduced:{{{aid}}}"

    def reduced(self, aid: str) -> dict[str, int]:
        """Parties that dropped a member: registration id -> their party size now."""
        return {k.decode(): int(v) for k, v in self.redis.hgetall(self.reduced_key(aid)).items()}

    def unseen_key(self, aid: str) -> str:
        return f"{self.p}ck:unseen:{{{aid}}}"

    def late_key(self, aid: str) -> str:
        return f"{self.p}ck:late:{{{aid}}}"

    def activity_ids(self) -> list[str]:
        return sorted(a.decode() for a in self.redis.smembers(f"{self.p}ck:acts"))

    def revoked(self, aid: str) -> list[str]:
        return sorted(r.decode() for r in self.redis.smembers(self.revoked_key(aid)))

    def registration(self, aid: str, rid: str) -> dict | None:
        raw = self.redis.hget(self.regs_key(aid), rid)
        return json.loads(raw) if raw else None

    def registrations(self, aid: str) -> list[dict]:
        """All of one activity's registrations (the steward's manual lookup reads them)."""
        return [json.loads(raw) for raw in self.redis.hvals(self.regs_key(aid))]

    def activity_and_registration(self, aid: str, rid: str) -> tuple[dict | None, dict | None]:
        """Both in one round trip (the door's hot path; read_ahead.py sends them with the token)."""
        pipe = self.redis.pipeline(transaction=False)
        self.queue_activity_and_registration(pipe, aid, rid)
        return self.decoded(pipe.execute())

    def queue_activity_and_registration(self, pipe, aid: str, rid: str) -> None:
        pipe.hget(self.act_key(aid), "doc")
        pipe.hget(self.regs_key(aid), rid)

    @staticmethod
    def decoded(replies: list) -> tuple[dict | None, dict | None]:
        act, reg = replies
        return (json.loads(act) if act else None), (json.loads(reg) if reg else None)

    def activity(self, aid: str) -> dict | None:
        raw = self.redis.hget(self.act_key(aid), "doc")
        return json.loads(raw) if raw else None
