"""Redis adapter of the draw side of a lottery group (issue 27; the keys: b27-contract).

It reads the keys the entry side writes (``{p}lotg:{gid}``, ``{p}lotg:entries:{gid}``,
``{p}lotg:frozen:{gid}``) and owns those of the rounds:
  {p}lotg:round:{gid}:<n>   string: specification_v2.Round.public(), written once (Lua, NX)
  {p}lotg:lease:{gid}:<n>   string: the token of the instance drawing round n now (expires)
  {p}lotg:placed:{gid}      hash: entry id -> the session it holds seats in (one per party, ever)
  {p}lotg:due               zset: gid -> when something is next due (the entry side adds groups)
Settling writes each session's per-activity draw of the v1 shape (``{p}lot:{aid}``,
``{p}lot:entries:{aid}``, ``{p}lot:draw:{aid}``), so the per-activity machinery (registrations,
confirmation, forfeits) settles a session as it settles a lottery of its own.
"""

from __future__ import annotations

import json
from pathlib import Path

from services.registration import vocabulary as v
from services.registration.lottery import specification_v2 as v2
from services.registration.lottery.draw import Lottery
from services.registration.lottery.specification import Draw
from services.registration.lottery.store import LotteryStore
from shared.redis_scripts import Scripts

HERE = Path(__file__).parent
PRIVATE = ("public", "nonce", "entered_at", "holders")  # of a group entry, not of a session's copy
# A session's per-activity cursors of telling, set past any list: the group tells its parties
# (group_tell.lua), so the per-activity scripts (lottery_publish / lottery_promoted.lua) tell no one.
TOLD_BY_GROUP = 10**9


class GroupRoundsStore:
    def __init__(self, redis, settings):
        self.redis, self.p = redis, settings.redis_prefix
        self.v1 = LotteryStore(redis, settings)  # the sessions' per-activity lotteries
        self.scripts = Scripts(
            redis,
            HERE,
            ["group_round_begin", "group_round_finish", "group_tell", "group_place", "group_losses"],
        )

    def k(self, name: str, gid: str, n: int | None = None) -> str:
        key = f"{self.p}lotg:{name}:{{{gid}}}" if name else f"{self.p}lotg:{{{gid}}}"
        return key if n is None else f"{key}:{n}"

    # -- the group, as the entry side wrote it ------------------------------------------------
    def meta(self, gid: str) -> dict[str, str] | None:
        raw = self.redis.hgetall(self.k("", gid))
        return {a.decode(): b.decode() for a, b in raw.items()} if raw else None

    def frozen(self, gid: str) -> list[dict] | None:
        raw = self.redis.get(self.k(v.LOT_FROZEN, gid))  # the key is named after the state
        return json.loads(raw) if raw else None

    def is_frozen(self, gid: str) -> bool:
        return bool(self.redis.exists(self.k(v.LOT_FROZEN, gid)))

    def entries(self, gid: str, entry_ids: list[str]) -> list[dict | None]:
        raws = self.redis.hmget(self.k("entries", gid), entry_ids) if entry_ids else []
        return [json.loads(r) if r else None for r in raws]

    @property
    def due_key(self) -> str:
        return f"{self.p}lotg:due"

    def due(self, now: float) -> list[str]:
        return [g.decode() for g in self.redis.zrangebyscore(self.due_key, "-inf", now)]

    def set_due(self, gid: str, at: float | None) -> None:
        """Next due at ``at``; ``None``: nothing left to do for the group."""
        if at is None:
            self.redis.zrem(self.due_key, gid)
        else:
            self.redis.zadd(self.due_key, {gid: at})

    # -- the rounds -------------------------------------------------------------------------------
    def has_round(self, gid: str, n: int) -> bool:
        return bool(self.redis.exists(self.k("round", gid, n)))

    def round(self, gid: str, n: int) -> v2.Round | None:
        raw = self.redis.get(self.k("round", gid, n))
        if not raw:
            return None
        d = json.loads(raw)
        return v2.Round(d["round"], d["beacon"], d["capacities"], d["seed"], d["order"], d["wins"])

    def rounds(self, gid: str) -> list[v2.Round]:
        out: list[v2.Round] = []
        while (r := self.round(gid, len(out) + 1)) is not None:
            out.append(r)
        return out

    def begin_round(self, gid: str, n: int, token: str, now: float, lease_s: float) -> str:
        keys = [self.k("", gid), self.k("lease", gid, n), self.k("round", gid, n)]
        return self.scripts.group_round_begin(keys=keys, args=[token, now, int(lease_s * 1000), n]).decode()

    def finish_round(self, gid: str, n: int, token: str, rnd: v2.Round) -> str:
        keys = [self.k("", gid), self.k("lease", gid, n), self.k("round", gid, n)]
        return self.scripts.group_round_finish(keys=keys, args=[token, json.dumps(rnd.public()), n]).decode()

    # -- settling: the sessions' per-activity draws ------------------------------------------------
    def held(self, aid: str) -> int:
        """Seats of the session held by registrations (the seat store's ``taken``)."""
        return int(self.redis.hget(self.v1.seat_keys.activity(aid), "taken") or 0)

    def materialised(self, gid: str, n: int, done: bool = False) -> bool:
        """Whether round ``n``'s wins are written into their sessions (``done``: they are now)."""
        if done:
            self.redis.hset(self.k("", gid), f"materialised:{n}", 1)
        return bool(self.redis.hexists(self.k("", gid), f"materialised:{n}"))

    def place(self, gid: str, entry_id: str, aid: str, handed: bool = False) -> bool:
        """Claim seats for a party in one session, once per party ever (group_place.lua)."""
        keys = [self.k("placed", gid), self.k("handed", gid)]
        return bool(self.scripts.group_place(keys=keys, args=[entry_id, aid, int(handed)]))

    def placed_in(self, gid: str, entry_ids: list[str]) -> list[str | None]:
        raws = self.redis.hmget(self.k("placed", gid), entry_ids) if entry_ids else []
        return [r.decode() if r else None for r in raws]

    def handed(self, gid: str) -> list[tuple[str, str]]:
        """Parties seated from the waitlist, in order: (entry id, session)."""
        rows = (m.decode().split(" ", 1) for m in self.redis.lrange(self.k("handed", gid), 0, -1))
        return [(eid, aid) for eid, aid in rows]

    def placed(self, gid: str) -> dict[str, str]:
        return {a.decode(): b.decode() for a, b in self.redis.hgetall(self.k("placed", gid)).items()}

    def materialise(self, lottery: Lottery, gid: str, commitment: str, entries: dict[str, dict], d: Draw):
        """The session's per-activity lottery as v1 keeps one: settings, the winners' entries (the
        group's records, sealed as they are) and its draw; each written only if absent."""
        aid, meta = lottery.activity_id, self.v1.k("", lottery.activity_id)
        fields = {
            "capacity": lottery.capacity,
            "opens_at": lottery.opens_at,
            "closes_at": lottery.closes_at,
            "draw_at": lottery.draw_at,
            "confirm_hours": lottery.confirm_hours,
            "max_party_size": lottery.max_party_size,
            "commitment": commitment,
            "state": v.LOT_DRAWN,
            "group": gid,
            "published": TOLD_BY_GROUP,
            "promoted_published": TOLD_BY_GROUP,
        }
        pipe = self.redis.pipeline(transaction=True)
        for name, value in fields.items():
            pipe.hsetnx(meta, name, value)
        for eid, rec in entries.items():
            copy = {k: val for k, val in rec.items() if k not in PRIVATE}
            copy["party_size"] = rec["public"]["party_size"]
            pipe.hsetnx(self.v1.k("entries", aid), eid, json.dumps(copy, ensure_ascii=False))
        pipe.set(self.v1.k("draw", aid), json.dumps(d.to_json()), nx=True)
        pipe.execute()

    def tell(self, gid: str, n: str, start: int, outcomes: list[tuple[str, str, str, int]], **ctx) -> bool:
        """Emit one chunk of round ``n``'s outcomes (group_tell.lua), from its cursor only."""
        flat = [str(x) for quad in outcomes for x in quad]
        out = self.scripts.group_tell(
            keys=[self.k("", gid), self.k("entries", gid), self.v1.outbox],
            args=[start, n, gid, ctx["occurred_at"], ctx["rounds"], ctx["confirm_hours"], *flat],
        )
        return bool(out)

    def count_losses(self, gid: str, owner_refs: list[str]) -> bool:
        """One more festival loss for each owner, once per group (group_losses.lua)."""
        keys = [self.k("", gid), f"{self.p}lotg:losses"]
        return bool(self.scripts.group_losses(keys=keys, args=owner_refs))

    def told(self, gid: str, n: str) -> int:
        return int(self.redis.hget(self.k("", gid), f"told:{n}") or 0)
