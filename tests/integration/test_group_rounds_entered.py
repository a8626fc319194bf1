"""From the entry side to the draw side (issue 27): parties enter a group with ranked choices, the
scheduler freezes it, and its rounds are drawn, settled into registrations and shown in 我的报名.
The group names real recorded quicknet rounds here (a demonstration: nothing here reaches drand)."""

from __future__ import annotations

import json

from services.registration.lottery import groups, public_v2, rounds, rounds_settle
from services.registration.lottery.entry import registration_id
from services.registration.lottery.group_rounds_store import GroupRoundsStore
from services.registration.lottery.rounds_mine import with_rounds
from tests.group_support import ROUNDS
from tests.integration.test_lottery_groups import GID, SESSIONS, close, eng, enter

__all__ = ["eng"]  # the fixture, used by name


def test_entered_frozen_drawn_settled_and_shown(eng, store_settings, store_redis):
    out = [enter(eng, i, [SESSIONS[i % 3], SESSIONS[(i + 1) % 3]]) for i in range(12)]
    now = close(eng)
    assert GID in groups.freeze_due(eng, now)
    meta = eng.groups.meta(GID)
    named = json.loads(meta["beacon_rounds"])
    eng.groups.redis.hset(eng.groups.k("", GID), "beacon_rounds", json.dumps(ROUNDS[: len(named)]))
    store = GroupRoundsStore(store_redis, store_settings)
    at = float(meta["draw_at"])
    rounds_settle.step(eng.ports, store, GID, now=at)
    first = store.round(GID, 1)
    assert first is not None and set(first.order) == {o["entry_id"] for o in out}
    for eid, aid in first.wins.items():
        assert eng.ports.seats.get_registration(registration_id(aid, eid)) is not None
    doc = json.loads(json.dumps(rounds.public_draw(eng.ports, store, GID)))
    assert public_v2.check(doc, allow_recorded=True) == []
    winner = next(iter(first.wins))
    ref = eng.groups.entry(GID, winner)["owner_ref"]
    (item,) = with_rounds(store, groups.my_group_entries(eng, ref))
    assert item["outcome"] == "won" and item["activity_id"] == first.wins[winner]
    assert item["rounds"][0]["outcome"] == "won" and item["registration_id"] is not None
