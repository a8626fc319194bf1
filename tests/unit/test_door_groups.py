"""Issue 29: a school's group holds ONE ticket; the door admits it member by member or the whole group
in one action, never more people than its roster. Where cards are required (door_id_required), a
group comes in on its lead teacher's word (rules.py CARDS_WAIVED, admit.lua); any other real-name
party still shows each card. On the session's Redis with the real admit.lua (door_world.py)."""

from __future__ import annotations

import pytest

from services.checkin import vocabulary as V
from services.checkin.door.usecases import Refusal
from shared import door_id
from tests.fair_support import resident_id
from tests.unit.door_world import AID, DoorWorld, activity

GROUP, FAMILY = "schoolgroupxxxxx", "familyofthreexxx"
SIZE = 30  # more than any family: the events and the door's ticks carried at most 20 before


def _members(w: DoorWorld, n: int, first: int) -> list[dict]:
    key = w.cards.key(AID)
    return [
        {"name_masked": "王*", "id_type": "resident_id", "id_masked": "1101**********0000",
         "door_hash": door_id.door_hash(key, resident_id(first + i))}
        for i in range(n)
    ]  # fmt: skip


@pytest.fixture
def door(store_settings, store_redis) -> DoorWorld:
    w = DoorWorld(store_settings.with_overrides(door_id_required=True), store_redis)
    w.put_activity(activity())
    w.put_registration(GROUP, party=SIZE, members=_members(w, SIZE, 1), channel=V.CH_GROUP)
    w.put_registration(FAMILY, party=3, members=_members(w, 3, 100))
    return w


def test_a_group_comes_in_whole_in_one_action_and_never_twice(door):
    got = door.scan(door.sign(GROUP, SIZE))
    assert (got["admitted"], got["remaining"]) == (SIZE, 0)
    with pytest.raises(Refusal) as again:
        door.scan(door.sign(GROUP, SIZE))
    assert again.value.reason == V.ALREADY_CHECKED_IN


def test_a_group_comes_in_member_by_member_then_the_rest_and_no_more_than_its_roster(door):
    ticks = tuple((m, "") for m in range(1, 11))  # ten pupils ticked, no card read
    got = door.scan(door.sign(GROUP, SIZE), members=ticks)
    assert (got["admitted"], got["remaining"], got["members"]) == (10, 20, list(range(1, 11)))
    with pytest.raises(Refusal) as beyond:
        door.scan(door.sign(GROUP, SIZE), members=((SIZE + 1, ""),))  # nobody of that place
    assert beyond.value.reason == V.ID_MISMATCH
    rest = door.scan(door.sign(GROUP, SIZE))
    assert (rest["admitted"], rest["remaining"]) == (20, 0)


def test_another_real_name_party_still_shows_each_card(door):
    with pytest.raises(Refusal) as refused:
        door.scan(door.sign(FAMILY, 3))
    assert refused.value.reason == V.ID_REQUIRED


def test_the_scanner_state_lists_the_group_for_the_offline_door(door):
    act = next(a for a in door.scanner_state()["activities"] if a["id"] == AID)
    assert act["cards_waived"] == [GROUP]
