"""Redis adapter of the standby port (services/checkin/standby/usecases.py).

Keys (hash tag per activity, beside the admission keys they work with):
  {p}ck:sb:{aid}         hash: next, pool, given, head, released_at, released, admitted, and
                         handed_back, handed_back_rev (issue 27: standby_handed_back.lua)
  {p}ck:sbq:{aid}        hash: number -> JSON entry (party_size, phone_masked, phone_sealed, locale,
                         status, times); never the phone in clear
  {p}ck:sbph:{aid}       hash: verified-phone hash -> number
  {p}ck:sbcalled:{aid}   list: numbers called, in order (the door screen)
  {p}ck:released:{aid}   set: registrations whose unscanned seats were released (admit.lua refuses)
"""

from __future__ import annotations

import json
from pathlib import Path

from services.checkin import vocabulary as V
from services.checkin.projection import Projection
from shared.outbox_keys import stream_key
from shared.redis_scripts import Scripts

HERE = Path(__file__).parent
OUTBOX = "ck:outbox"


class StandbyStore:
    def __init__(self, redis, settings):
        self.redis, self.p = redis, settings.redis_prefix
        self.outbox = stream_key(settings, OUTBOX)
        self.projection = Projection(redis, settings.redis_prefix)
        self.base_url = settings.public_base_url.rstrip("/")
        self.scripts = Scripts(
            redis, HERE, ["standby_join", "standby_release", "standby_call", "standby_admit"]
        )

    def k(self, name: str, aid: str) -> str:
        return f"{self.p}ck:{name}:{{{aid}}}"

    def activity(self, aid):
        return self.projection.activity(aid)

    def join(self, aid, phone_hash, entry):
        raw = self.scripts.standby_join(
            keys=[self.k("sb", aid), self.k("sbq", aid), self.k("sbph", aid)],
            args=[phone_hash, json.dumps(entry, ensure_ascii=False)],
        )
        return json.loads(raw)

    def release(self, aid, occurred_at):
        keys = [self.k("sb", aid), self.projection.regs_key(aid), self.k("adm", aid), self.k("released", aid)]
        raw = self.scripts.standby_release(keys=[*keys, self.outbox], args=[occurred_at, aid])
        return json.loads(raw)

    def call(self, aid, most, occurred_at):
        keys = [self.k("sb", aid), self.k("sbq", aid), self.k("sbcalled", aid), self.outbox]
        join_page = f"{self.base_url}/standby/{aid}"  # linked in the SMS: it shows the signed ticket
        return json.loads(self.scripts.standby_call(keys=keys, args=[most, occurred_at, aid, join_page]))

    def admit(self, aid, number, gate, at, nonce: str = ""):
        keys = [
            self.k("sb", aid),
            self.k("sbq", aid),
            self.k("gates", aid),
            self.k("stats", aid),
            self.k("nonce", aid),
        ]
        return json.loads(self.scripts.standby_admit(keys=keys, args=[number, gate, at, nonce]))

    def entry_of(self, aid: str, phone_hash: str) -> dict | None:
        """The verified phone's entry (number, party_size, status), or None if it has not joined."""
        number = self.redis.hget(self.k("sbph", aid), phone_hash)
        raw = self.redis.hget(self.k("sbq", aid), number) if number else None
        if raw is None:
            return None
        e = json.loads(raw)
        return {"number": int(e["number"]), "party_size": int(e["party_size"]), "status": e["status"]}

    def entries(self, aid) -> list[dict]:
        """Every number of the list, in order, as a steward sees it: masked, never the sealed phone."""
        shown = ("number", "party_size", "phone_masked", "status", "joined_at", "called_at", "admitted_at")
        rows = [json.loads(raw) for raw in self.redis.hvals(self.k("sbq", aid))]
        entries = ({k: e[k] for k in (*shown, "gate") if k in e} for e in rows)
        return sorted(entries, key=lambda e: int(e["number"]))

    def released_at(self, aid) -> str | None:
        raw = self.redis.hget(self.k("sb", aid), "released_at")
        return raw.decode() if raw else None

    def board(self, aid) -> dict:
        """What the door screen shows: numbers called (newest first), how many wait, seats left."""
        pipe = self.redis.pipeline(transaction=False)
        pipe.lrange(self.k("sbcalled", aid), 0, -1)
        pipe.hgetall(self.k("sb", aid))
        pipe.hvals(self.k("sbq", aid))
        called, meta, entries = pipe.execute()
        waiting = sum(1 for raw in entries if json.loads(raw)["status"] == V.WAITING)
        meta = {k.decode(): v.decode() for k, v in meta.items()}
        pool, given = int(meta.get("pool", 0)), int(meta.get("given", 0))
        return {
            "called": [int(n) for n in reversed(called)],
            "waiting": waiting,
            "seats_free": pool - given,
            "released": int(meta.get("released", 0)),
            "admitted": int(meta.get("admitted", 0)),
            "handed_back": int(meta.get("handed_back", 0)),  # issue 27: in the pool once released
        }
