"""Redis adapter of the lottery port (services/registration/lottery/draw.py).

Keys, all with the activity's hash tag (the outbox stream is the usual exception):
  {p}lot:{aid}          hash: settings, seed (secret until drawn), commitment, state, published
  {p}lot:entries:{aid}  hash: entry id -> JSON {party_size, locale, fair, record, name_masked,
                        phone_masked, personal, for_notify}: name, phone, email, link and
                        confirmation token sealed (personal.entry_at_rest, issue 16)
  {p}lot:holders:{aid}  hash: holder key (verified phone / ID hash) -> entry id
  {p}lot:lease:{aid}    string: token of the instance drawing now (expires)
  {p}lot:draw:{aid}     string: the draw (JSON); written once by lottery_finish.lua
  {p}lot:mine:<owner>   set: "<aid> <entry id>" of one verified phone (我的报名); no hash tag
  {p}shred:{aid}        hash: "e:<entry id>" -> the entry's data key (issue 23, shared/shredding.py)
The registrations the draw becomes are written with the seat store's keys (lottery_register.lua).
"""

from __future__ import annotations

import json
from dataclasses import asdict
from datetime import UTC, datetime
from pathlib import Path

import redis as redis_lib

from services.registration import vocabulary as v
from services.registration.lottery.draw import Lottery
from services.registration.lottery.specification import Draw, commitment
from services.registration.privacy import personal
from services.registration.seats.keys import NO_FAIR, Keys, now_pair, refused
from services.registration.seats.store import SeatStore
from shared import shredding
from shared.outbox_keys import stream_key
from shared.redis_scripts import Scripts

HERE = Path(__file__).parent
SETTINGS = ("capacity", "opens_at", "closes_at", "draw_at", "confirm_hours", "max_party_size")


def _iso(ts: float) -> str:
    return datetime.fromtimestamp(ts, UTC).isoformat()


class LotteryStore:
    def __init__(self, redis, settings):
        self.redis, self.p = redis, settings.redis_prefix
        self.outbox = stream_key(settings)
        self.scripts = Scripts(
            redis,
            HERE,
            [
                "lottery_enter",
                "lottery_begin",
                "lottery_finish",
                "lottery_publish",
                "lottery_promoted",
                "lottery_register",
            ],
        )
        self.seat_keys = Keys(self.p)
        self.seats = SeatStore(redis, settings)  # seals the personal fields as reserve does (issue 16)

    @property
    def due_key(self) -> str:
        """Global sorted set: activity id -> draw time, until drawn and told (like the check-in index)."""
        return f"{self.p}lot:due"

    def due(self, now: float) -> list[str]:
        return [a.decode() for a in self.redis.zrangebyscore(self.due_key, "-inf", now)]

    def done(self, aid: str) -> None:
        self.redis.zrem(self.due_key, aid)

    def k(self, name: str, aid: str) -> str:
        return f"{self.p}lot:{name}:{{{aid}}}" if name else f"{self.p}lot:{{{aid}}}"

    def open(self, lottery: Lottery, seed: str) -> str:
        c = commitment(seed)
        fields = {k: v for k, v in asdict(lottery).items() if k in SETTINGS}
        # HSETNX on the seed: re-opening never replaces a published commitment.
        pipe = self.redis.pipeline(transaction=True)
        pipe.hsetnx(self.k("", lottery.activity_id), "seed", seed)
        pipe.hsetnx(self.k("", lottery.activity_id), "commitment", c)
        pipe.hsetnx(self.k("", lottery.activity_id), "state", v.LOT_OPEN)
        pipe.hset(self.k("", lottery.activity_id), mapping=fields)
        pipe.zadd(self.due_key, {lottery.activity_id: lottery.draw_at})
        pipe.execute()
        return self.redis.hget(self.k("", lottery.activity_id), "commitment").decode()

    def settings(self, aid: str) -> Lottery | None:
        raw = self.redis.hmget(self.k("", aid), SETTINGS)
        if raw[0] is None:
            return None
        values = dict(zip(SETTINGS, raw, strict=True))
        return Lottery(
            aid,
            capacity=int(values["capacity"]),
            opens_at=float(values["opens_at"]),
            closes_at=float(values["closes_at"]),
            draw_at=float(values["draw_at"]),
            confirm_hours=int(values["confirm_hours"]),
            max_party_size=int(values["max_party_size"]),
        )

    def commitment(self, aid: str) -> str | None:
        raw = self.redis.hget(self.k("", aid), "commitment")
        return raw.decode() if raw else None

    def state(self, aid: str) -> str | None:
        raw = self.redis.hget(self.k("", aid), "state")
        return raw.decode() if raw else None

    def entry(self, aid: str, entry_id: str) -> dict | None:
        raw = self.redis.hget(self.k("entries", aid), entry_id)
        return personal.entry_in_clear(json.loads(raw), self.seats.sealer) if raw else None

    def mine_key(self, owner_ref: str) -> str:
        return f"{self.p}lot:mine:{owner_ref}"

    def enter_keys(self, aid: str) -> list[str]:
        """lottery_enter.lua's KEYS before the owner's list (bench/lottery.py calls it too)."""
        sk = self.seat_keys  # the per-ID limits count at entry too (fair.lua, issue 23)
        return [
            self.k("", aid),
            self.k("entries", aid),
            self.k("holders", aid),
            shredding.key_name(self.p, aid),
            sk.ids(aid),
            sk.id_day,
            sk.id_festival,
        ]

    def add_entry(self, aid, entry_id, holders, entry, now, owner_ref: str = "") -> dict:
        keys = self.enter_keys(aid)
        if owner_ref:
            keys.append(self.mine_key(owner_ref))
        rec = self.entry_at_rest(entry, (aid, entry_id))
        data_key = rec.pop("data_key", "")
        fair = json.dumps(entry.get("fair") or NO_FAIR)
        raw = self.scripts.lottery_enter(
            keys=keys,
            args=[
                entry_id,
                json.dumps(rec, ensure_ascii=False),
                now,
                f"{aid} {entry_id}",
                data_key,
                fair,
                *holders,
            ],
        )
        return json.loads(raw)

    def entry_at_rest(self, entry: dict, shred: tuple[str, str] | None = None) -> dict:
        return personal.entry_at_rest(entry, self.seats.sealer, self.seats.notify_sealer, shred)

    def erase_entries(self, aid: str) -> int:
        """The retention sweep's part (issue 16): an activity's entries (sealed contact fields) and
        holders (keyed hashes of phones and IDs) go, and the activity's data keys (issue 23: every
        copy of an entry or registration on a topic is unreadable from then on); the draw, ids and
        counts only, stays."""
        return int(
            self.redis.delete(self.k("entries", aid), self.k("holders", aid), shredding.key_name(self.p, aid))
        )

    def entries_of(self, owner_ref: str) -> list[tuple[str, str]]:
        """The verified phone's entries: (activity id, entry id)."""
        members = (m.decode().split(" ", 1) for m in self.redis.smembers(self.mine_key(owner_ref)))
        return sorted((aid, eid) for aid, eid in members)

    def entries_by_id(self, aid: str, entry_ids: list[str]) -> list[dict | None]:
        raws = self.redis.hmget(self.k("entries", aid), entry_ids) if entry_ids else []
        mine = self.seats.sealer
        return [personal.entry_in_clear(json.loads(raw), mine) if raw else None for raw in raws]

    def registered(self, aid: str, rids: list[str]) -> set[str]:
        """Which of these registration ids exist already (a hint: the script decides)."""
        pipe = self.redis.pipeline(transaction=False)
        for rid in rids:
            pipe.hexists(self.seat_keys.regs(aid), rid)
        return {rid for rid, there in zip(rids, pipe.execute(), strict=True) if there}

    def register(self, reg: dict, status: str, fair: dict, owner_ref: str, now: datetime):
        """One drawn party becomes a registration (lottery_register.lua): (status | "replay", id, position)."""
        return self.register_many([(reg, status, fair, owner_ref)], now)[0]

    def register_many(self, items: list, now: datetime) -> list[tuple[str, str, int]]:
        """Several parties in one round trip, in order (a pipeline runs its scripts in order, so
        the waitlist stays in drawn order); each script is atomic on its own."""
        k = self.seat_keys
        t_ms, t_iso = now_pair(now)
        pipe = self.redis.pipeline(transaction=False)
        for reg, status, fair, owner_ref in items:
            aid = reg["activity_id"]
            self.scripts.lottery_register(
                keys=[
                    k.activity(aid),
                    k.phones(aid),
                    k.waitlist(aid),
                    k.regs(aid),
                    self.outbox,
                    k.regidx,
                    k.ids(aid),
                    k.id_day,
                    k.id_festival,
                    k.mine(owner_ref or "-"),
                    shredding.key_name(self.p, aid),
                    self.k("", aid),
                ],
                args=[
                    t_ms,
                    t_iso,
                    json.dumps(self.seats.at_rest(reg), ensure_ascii=False),
                    status,
                    json.dumps(fair),
                ],
                client=pipe,
            )
        out = []
        for res in pipe.execute():
            if res[0].decode() == v.REFUSED:
                raise refused(res)
            out.append((res[0].decode(), res[1].decode(), int(res[2])))
        return out

    def begin_draw(self, aid, token, now, lease_s) -> str:
        out = self.scripts.lottery_begin(
            keys=[self.k("", aid), self.k("lease", aid), self.k("draw", aid)],
            args=[token, now, int(lease_s * 1000)],
        )
        return out.decode()

    def seed_and_sizes(self, aid) -> tuple[str, dict[str, int]]:
        seed = self.redis.hget(self.k("", aid), "seed").decode()
        sizes = {}
        for eid, raw in self.redis.hscan_iter(self.k("entries", aid), count=5000):
            sizes[eid.decode()] = json.loads(raw)["party_size"]
        return seed, sizes

    def finish_draw(self, aid, token, d: Draw) -> str:
        counts = d.public()["counts"]
        data = {"activity_id": aid, "commitment": d.commitment, "seed": d.seed, **counts}
        out = self.scripts.lottery_finish(
            keys=[self.k("", aid), self.k("lease", aid), self.k("draw", aid), self.outbox],
            args=[token, json.dumps(d.to_json()), aid, _iso(d.drawn_at), json.dumps(data)],
        )
        return out.decode()

    def get_draw(self, aid) -> Draw | None:
        raw = self.redis.get(self.k("draw", aid))
        return Draw.from_json(json.loads(raw)) if raw else None

    def update_draw(self, aid, change):
        """Apply ``change(draw)`` atomically (optimistic: WATCH the draw, retry on a conflict)."""
        key = self.k("draw", aid)
        with self.redis.pipeline(transaction=True) as pipe:
            while True:
                try:
                    pipe.watch(key)
                    d = Draw.from_json(json.loads(pipe.get(key)))
                    result = change(d)
                    pipe.multi()
                    pipe.set(key, json.dumps(d.to_json()))
                    pipe.execute()
                    return result
                except redis_lib.WatchError:
                    continue

    def settled_as(self, aid: str, entry_id: str) -> str | None:
        """How settlement changed the drawn outcome (lottery_register.lua, issue 23), if it did."""
        skipped, seated = self.redis.hmget(self.k("", aid), f"skipped:{entry_id}", f"seated:{entry_id}")
        return v.SKIPPED if skipped else v.WON if seated else None

    def promotions_told(self, aid: str) -> int:
        return int(self.redis.hget(self.k("", aid), "promoted_published") or 0)

    def publish_promotions(self, aid, start, promoted) -> bool:
        out = self.scripts.lottery_promoted(
            keys=[self.k("", aid), self.k("entries", aid), self.outbox],
            args=[start, aid, datetime.now(UTC).isoformat(), *(str(x) for pair in promoted for x in pair)],
        )
        return bool(out)

    def publish_outcomes(self, aid, start, outcomes) -> bool:
        flat = [str(x) for triple in outcomes for x in triple]
        out = self.scripts.lottery_publish(
            keys=[self.k("", aid), self.k("entries", aid), self.outbox],
            args=[start, aid, datetime.now(UTC).isoformat(), *flat],
        )
        return bool(out)
