"""Redis adapter of the v2 lottery groups (issue 27; the keys are docs/lottery.md's and the
engine's contract, /work/helpers' b27-contract: the draw side reads the same keys).

Keys, all with the group's hash tag (the due list, the loss record and the owner's list excepted):
  {p}lotg:{gid}          hash: the group as opened (group_open.lua), its state and Merkle root
  {p}lotg:entries:{gid}  hash: entry id -> JSON {public, nonce, entered_at, owner_ref, holders,
                         locale, token; personal fields sealed as v1 entries are (personal.py)}
  {p}lotg:holders:{gid}  hash: holder key (verified phone / ID hash) -> entry id
  {p}lotg:demand:{gid}   hash: "<aid>:entries" / "<aid>:people" / "<aid>:first" (group_enter.lua)
  {p}lotg:frozen:{gid}   string: JSON list of the frozen public entries (group_commit.lua, once)
  {p}lotg:due            zset: gid -> next time something is due (the freeze, then the rounds)
  {p}lotg:session_of     hash: activity id -> its group (a session is one group's: group_open.lua)
  {p}lotg:losses         hash: owner ref -> draws of the festival this phone entered and lost
                         in a group (the draw side adds to it; v1 losses are counted from v1 draws)
  {p}lot:mine:<owner>    set: "g <gid> <entry id>" beside v1's "<aid> <entry id>" (我的报名)
"""

from __future__ import annotations

import json
from pathlib import Path

from services.registration import vocabulary as v
from services.registration.privacy import personal
from services.registration.seats.keys import NO_FAIR, Keys
from services.registration.seats.store import SeatStore
from shared import shredding
from shared.redis_scripts import Scripts

HERE = Path(__file__).parent
MINE_PREFIX = "g "
FROZEN = v.LOT_FROZEN  # the frozen set's key is named after the state it is written in


class GroupStore:
    def __init__(self, redis, settings):
        self.redis, self.p = redis, settings.redis_prefix
        self.scripts = Scripts(redis, HERE, ["group_open", "group_enter", "group_freeze", "group_commit"])
        self.seat_keys = Keys(self.p)
        self.seats = SeatStore(redis, settings)  # seals the personal fields as reserve does (issue 16)

    def k(self, name: str, gid: str) -> str:
        return f"{self.p}lotg:{name}:{{{gid}}}" if name else f"{self.p}lotg:{{{gid}}}"

    @property
    def due_key(self) -> str:
        return f"{self.p}lotg:due"

    @property
    def losses_key(self) -> str:
        return f"{self.p}lotg:losses"

    def mine_key(self, owner_ref: str) -> str:
        return f"{self.p}lot:mine:{owner_ref}"

    # -- opening ---------------------------------------------------------------------------
    @property
    def session_of_key(self) -> str:
        return f"{self.p}lotg:session_of"

    def open(self, gid: str, seed: str, commitment: str, fields: dict[str, str]) -> str:
        """group_open.lua: the commitment in force, or the reason it was refused (64 hex digits
        are a commitment; anything else is a reason code)."""
        rest = [x for pair in fields.items() if pair[0] != "sessions" for x in pair]
        out = self.scripts.group_open(
            keys=[self.k("", gid), self.due_key, self.session_of_key],
            args=[gid, seed, commitment, fields["sessions"], *rest],
        )
        return out.decode()

    def group_of(self, aid: str) -> str | None:
        """The group whose session the activity is, if any."""
        raw = self.redis.hget(self.session_of_key, aid)
        return raw.decode() if raw else None

    def erase_entries(self, gid: str) -> int:
        """The retention sweep's part (issue 16), as v1's: the entries (sealed contact fields), the
        holders (keyed hashes) and the group's data keys go; the frozen public set and the demand stay."""
        return int(
            self.redis.delete(self.k("entries", gid), self.k("holders", gid), shredding.key_name(self.p, gid))
        )

    def meta(self, gid: str) -> dict[str, str] | None:
        raw = self.redis.hgetall(self.k("", gid))
        return {k.decode(): val.decode() for k, val in raw.items()} if raw else None

    # -- entering --------------------------------------------------------------------------
    def add_entry(self, gid: str, entry: dict, holders: list[str], first_choice: str, now: float) -> dict:
        """One entry (group_enter.lua): ``{"status": "ok"}`` or a refusal's reason."""
        eid, public = entry["public"]["entry_id"], entry["public"]
        sk = self.seat_keys
        keys = [
            self.k("", gid),
            self.k("entries", gid),
            self.k("holders", gid),
            self.k("demand", gid),
            shredding.key_name(self.p, gid),
            sk.ids(first_choice),
            sk.id_day,
            sk.id_festival,
        ]
        if entry.get("owner_ref"):
            keys.append(self.mine_key(entry["owner_ref"]))
        rec = personal.entry_at_rest(entry, self.seats.sealer, self.seats.notify_sealer, (gid, eid))
        data_key = rec.pop("data_key", "")
        raw = self.scripts.group_enter(
            keys=keys,
            args=[
                eid,
                json.dumps(rec, ensure_ascii=False),
                now,
                f"{MINE_PREFIX}{gid} {eid}",
                data_key,
                json.dumps(entry.get("fair") or NO_FAIR),
                public["party_size"],
                json.dumps(public["choices"]),
                *holders,
            ],
        )
        return json.loads(raw)

    def entry(self, gid: str, entry_id: str) -> dict | None:
        raw = self.redis.hget(self.k("entries", gid), entry_id)
        return personal.entry_in_clear(json.loads(raw), self.seats.sealer) if raw else None

    def public_entries(self, gid: str) -> list[dict]:
        """Every entry's public fields (any order): what the freeze commits."""
        return [
            json.loads(raw)["public"]
            for _eid, raw in self.redis.hscan_iter(self.k("entries", gid), count=5000)
        ]

    def demand(self, gid: str) -> dict[str, int]:
        return {k.decode(): int(n) for k, n in self.redis.hgetall(self.k("demand", gid)).items()}

    def entries_of(self, owner_ref: str) -> list[tuple[str, str]]:
        """The verified phone's group entries: (group id, entry id)."""
        return [(a, b) for mark, a, b in self._mine(owner_ref) if mark]

    def v1_entries_of(self, owner_ref: str) -> list[tuple[str, str]]:
        """The verified phone's v1 entries (activity id, entry id), for counting its losses."""
        return [(a, b) for mark, a, b in self._mine(owner_ref) if not mark]

    def _mine(self, owner_ref: str) -> list[tuple[bool, str, str]]:
        """(a group's?, id, entry id) of each member of the phone's list."""
        out = []
        for raw in self.redis.smembers(self.mine_key(owner_ref)):
            m = raw.decode()
            group = m.startswith(MINE_PREFIX)
            head, _, eid = (m[len(MINE_PREFIX) :] if group else m).partition(" ")
            out.append((group, head, eid))
        return sorted(out)

    def group_losses(self, owner_ref: str) -> int:
        return int(self.redis.hget(self.losses_key, owner_ref) or 0)

    # -- the freeze ------------------------------------------------------------------------
    def due(self, now: float) -> list[str]:
        return [g.decode() for g in self.redis.zrangebyscore(self.due_key, "-inf", now)]

    def close(self, gid: str, now: float) -> str:
        """group_freeze.lua: ok | too_early | the state it has | unknown_group."""
        return self.scripts.group_freeze(keys=[self.k("", gid)], args=[now]).decode()

    def commit(self, gid: str, frozen: list[dict], root: str) -> bool:
        """group_commit.lua: True if this call wrote the frozen set and its root."""
        out = self.scripts.group_commit(
            keys=[self.k("", gid), self.k(FROZEN, gid), self.due_key],
            args=[json.dumps(frozen, separators=(",", ":")), root, gid],
        )
        return bool(out)

    def frozen(self, gid: str) -> list[dict] | None:
        raw = self.redis.get(self.k(FROZEN, gid))
        return json.loads(raw) if raw else None
