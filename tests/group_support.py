"""A frozen lottery group written straight into Redis as the contract (helpers/b27-contract.md)
lays out its keys, so the draw side is tested before the entry side's use cases exist: the
group hash, the entries (personal fields sealed as lottery entries are), the frozen public entries
with their Merkle root, and the due list. Real quicknet rounds name the beacon (1000, then 123)."""

from __future__ import annotations

import json
from dataclasses import dataclass

from services.registration.lottery import beacon as bc
from services.registration.lottery import specification_v2 as v2
from services.registration.lottery.beacons import recorded_rounds
from services.registration.lottery.store import LotteryStore
from shared import shredding

ROUNDS = [1000, 123]  # recorded real rounds (standins/drand_quicknet_rounds.json)


def recorded_signature(n: int) -> str:
    return next(str(r["signature"]) for r in recorded_rounds() if int(r["round"]) == n)


@dataclass
class Party:
    choices: list[str]
    party_size: int = 1
    weight: int = 1


def write_group(redis, settings, gid: str, parties: list[Party], *, draw_at: float, round2_at: float | None = None,
                confirm_hours: int = 0, sessions: list[str] | None = None) -> dict:  # fmt: skip
    """Write a frozen group of ``parties`` (entry ids e + 16 hex digits of 0, 1, …); returns its meta."""
    p, lots = settings.redis_prefix, LotteryStore(redis, settings)
    sessions = sessions or sorted({c for party in parties for c in party.choices})
    seed, publics, pipe = v2.new_seed(), [], redis.pipeline()
    for i, party in enumerate(parties):
        eid, nonce = f"e{i:016x}", v2.new_nonce()
        public = {"entry_id": eid, "party_size": party.party_size, "choices": party.choices,
                  "weight": party.weight, "hour": 10, "tag": v2.tag(nonce)}  # fmt: skip
        person = {"name": "张三", "phone": f"139{i:08d}", "email": None, "party_size": party.party_size,
                  "locale": "zh-CN", "owner_ref": f"o{i}", "manage_url": "http://x/me", "token": f"tok{i}"}  # fmt: skip
        rec = lots.entry_at_rest(person, (gid, eid))
        pipe.hset(shredding.key_name(p, gid), f"e:{eid}", rec.pop("data_key"))
        rec.update(public=public, nonce=nonce, entered_at=draw_at - 7200, holders=[f"phone:{i}"])
        pipe.hset(f"{p}lotg:entries:{{{gid}}}", eid, json.dumps(rec, ensure_ascii=False))
        publics.append(public)
    frozen = v2.in_order(publics)
    meta = {
        "sessions": json.dumps(sessions),
        "max_choices": 5,
        "opens_at": draw_at - 86400,
        "closes_at": draw_at - 3600,
        "draw_at": draw_at,
        "round2_at": round2_at or "",
        "confirm_hours": confirm_hours,
        "festival": "",
        "seed": seed,
        "commitment": v2.commitment(seed),
        "chain": json.dumps(bc.QUICKNET.public()),
        "beacon_rounds": json.dumps(ROUNDS[: 2 if round2_at else 1]),
        "freezes": json.dumps([draw_at - 3600] + ([round2_at - 60] if round2_at else [])),
        "receipt_key": "00" * 32,
        "state": "frozen",
        "merkle_root": v2.tree(frozen).root.hex(),
        "rounds_drawn": 0,
    }
    pipe.hset(f"{p}lotg:{{{gid}}}", mapping=meta)
    pipe.set(f"{p}lotg:frozen:{{{gid}}}", json.dumps(frozen))
    pipe.zadd(f"{p}lotg:due", {gid: draw_at})
    pipe.hset(f"{p}lotg:session_of", mapping=dict.fromkeys(sessions, gid))
    pipe.execute()
    return meta


def lottery_sessions(settings, redis, sessions: dict[str, int]):
    """The registration app with one lottery activity per session (id -> capacity)."""
    from services.registration.app import create_app
    from shared.auth import create_token
    from tests.conftest import activity_doc

    app = create_app(settings, redis_client=redis)
    org = {"Authorization": "Bearer " + create_token(redis, settings.redis_prefix, "organizer", "t")}
    client = app.test_client()
    for aid, cap in sessions.items():
        body = activity_doc(aid, capacity=cap, allocation="lottery")
        assert client.post("/api/v1/activities", json=body, headers=org).status_code == 201
    return app
