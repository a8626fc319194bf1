"""Redis adapter of the queue: its keys (hash tag = the activity id) and ``queue_*.lua`` beside it.

``{p}q:{aid}`` the queue (opens_at, release_at, commitment, seed, state, joined, released_n, late),
``{p}q:who:{aid}`` owner ref -> queue id, ``{p}q:pre:{aid}`` the pre-queue in arrival order,
``{p}q:pos:{aid}`` queue id -> position, ``{p}q:mine:{ref}`` the activities a phone queues for.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from services.registration.queue import rules
from services.registration.seats.keys import Keys as SeatKeys
from services.registration.seats.keys import refused
from services.registration.vocabulary import ALREADY, REFUSED
from shared.redis_scripts import Scripts

HERE = Path(__file__).parent
CHUNK = 1000  # positions written per HSET at the release


@dataclass(frozen=True)
class Seen:
    """One status read (queue_status.lua)."""

    state: str
    queue_id: str
    position: int | None
    released_n: int | None
    joined: int
    release_ms: int
    opens_ms: int
    commitment: str
    gone: bool
    froze: bool


class QueueKeys:
    def __init__(self, prefix: str):
        self.p = prefix

    def queue(self, aid: str) -> str:
        return f"{self.p}q:{{{aid}}}"

    def who(self, aid: str) -> str:
        return f"{self.p}q:who:{{{aid}}}"

    def pre(self, aid: str) -> str:
        return f"{self.p}q:pre:{{{aid}}}"

    def pos(self, aid: str) -> str:
        return f"{self.p}q:pos:{{{aid}}}"

    def mine(self, ref: str) -> str:
        return f"{self.p}q:mine:{ref}"

    @property
    def due(self) -> str:
        return f"{self.p}q:due"


class QueueStore:
    def __init__(self, redis, settings):
        self.redis, self.settings = redis, settings
        self.keys = QueueKeys(settings.redis_prefix)
        self.seat_keys = SeatKeys(settings.redis_prefix)
        self.lease_ms = settings.queue_release_lease_ms
        self.scripts = Scripts(redis, HERE, ["queue_open", "queue_join", "queue_status", "queue_finish"])

    def open(self, aid: str, opens_ms: int, release_ms: int) -> bool:
        """Open the queue with a new seed, committed; False if it was open (its seed stands)."""
        seed = rules.new_seed()
        res = self.scripts.queue_open(
            keys=[self.keys.queue(aid), self.keys.due],
            args=[opens_ms, release_ms, seed.hex(), rules.commitment(seed), aid],
        )
        return res[0].decode() != ALREADY

    def join(self, aid: str, ref: str, now_ms: int, times: tuple[int, int]) -> tuple[bool, str, int | None]:
        """(new place?, queue id, position or None before the release); ``times`` as for
        :meth:`status`. A join that released the
        queue writes the shuffle before it answers."""
        k = self.keys
        res = self.scripts.queue_join(
            keys=[k.queue(aid), k.who(aid), k.pre(aid), k.pos(aid), k.mine(ref)],
            args=[now_ms, ref, rules.new_queue_id(), aid, self.lease_ms, *times],
        )
        if res[0].decode() == REFUSED:
            raise refused(res)
        if int(res[3]) == 1:
            self.shuffle(aid, int(self.redis.hget(k.queue(aid), "released_n")))
        return res[0].decode() != ALREADY, res[1].decode(), _int(res[2])

    def status(self, aid: str, ref: str, now_ms: int, times: tuple[int, int]) -> Seen | None:
        """``times``: the activity's (release_ms, opens_ms) now, which a waiting queue follows."""
        k, a = self.keys, self.seat_keys
        res = self.scripts.queue_status(
            keys=[k.queue(aid), k.who(aid), k.pos(aid), k.pre(aid), a.activity(aid), a.waitlist(aid)],
            args=[now_ms, ref, self.lease_ms, *times],
        )
        if not res:
            return None
        s = [x.decode() if isinstance(x, bytes) else x for x in res]
        return Seen(
            state=s[0],
            queue_id=s[1],
            position=_int(s[2]),
            released_n=_int(s[3]),
            joined=int(s[4] or 0),
            release_ms=int(s[5]),
            opens_ms=int(s[6]),
            commitment=s[7],
            gone=int(s[8]) == 1,
            froze=int(s[9]) == 1,
        )

    def shuffle(self, aid: str, released_n: int) -> None:
        """The release's positions (rules.order over the frozen pre-queue), then ``released``."""
        k = self.keys
        seed = bytes.fromhex(self.redis.hget(k.queue(aid), "seed").decode())
        ids = [x.decode() for x in self.redis.lrange(k.pre(aid), 0, released_n - 1)]
        ordered = rules.order(seed, ids)
        pipe = self.redis.pipeline(transaction=False)
        for start in range(0, len(ordered), CHUNK):
            chunk = ordered[start : start + CHUNK]
            pipe.hset(k.pos(aid), mapping={qid: start + i + 1 for i, qid in enumerate(chunk)})
        pipe.execute()
        self.scripts.queue_finish(keys=[k.queue(aid)])

    def queue_doc(self, aid: str) -> dict[str, str]:
        raw = self.redis.hgetall(self.keys.queue(aid))
        return {key.decode(): val.decode() for key, val in raw.items()}

    def audit(self, aid: str) -> tuple[dict[str, str], list[str]]:
        """The queue and its frozen pre-queue, in arrival order."""
        doc = self.queue_doc(aid)
        n = int(doc.get("released_n") or 0)
        ids = [x.decode() for x in self.redis.lrange(self.keys.pre(aid), 0, n - 1)] if n else []
        return doc, ids

    def due_now(self, now_ms: int) -> list[str]:
        """Queues whose release time has come and that a scheduler has not seen released."""
        return [a.decode() for a in self.redis.zrangebyscore(self.keys.due, "-inf", now_ms)]

    def not_due(self, aid: str) -> None:
        self.redis.zrem(self.keys.due, aid)

    def erase_places(self, aid: str) -> int:
        """The retention sweep (privacy/retention.py): which phone held which place goes (the
        places hash and each phone's index); the seed, the ids and the order stay for the audit."""
        k = self.keys
        refs = [r.decode() for r in self.redis.hkeys(k.who(aid))]
        pipe = self.redis.pipeline(transaction=False)
        for ref in refs:
            pipe.srem(k.mine(ref), aid)
        pipe.delete(k.who(aid))
        pipe.execute()
        return len(refs)

    def queued_activities(self, ref: str) -> list[str]:
        return sorted(x.decode() for x in self.redis.smembers(self.keys.mine(ref)))


def _int(value) -> int | None:
    if isinstance(value, bytes):
        value = value.decode()
    return int(value) if value not in (None, "") else None
