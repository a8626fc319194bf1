"""Issue 26 item 2: a real-name party comes in member by member. The steward ticks who is here (or
reads their cards) and one tap admits them; the admission and its CheckinRecorded name the members
by place, never a number or a hash; undo frees them and its CheckinReverted names them too. On the
session's Redis with the real ``admit.lua`` and ``undo.lua`` (tests/unit/door_world.py)."""

from __future__ import annotations

import pytest

from services.checkin import vocabulary as V
from services.checkin.door.usecases import Refusal
from shared import events as ev
from tests.unit.door_world import AID, VENUE, DoorWorld, activity

RID = "familyofthreexxx"
NUMBERS = ("110101199003071234", "110101199105082345", "110101201506093456")


@pytest.fixture
def door(store_settings, store_redis) -> DoorWorld:
    return _world(store_settings, store_redis, required=True)


def _world(settings, redis, *, required: bool) -> DoorWorld:
    w = DoorWorld(settings.with_overrides(door_id_required=required), redis)
    w.put_activity(activity())
    key = w.cards.key(AID)
    from shared import door_id

    members = [
        {"name_masked": "张*", "id_type": "resident_id", "id_masked": n[:4] + "*" * 10 + n[-4:],
         "door_hash": door_id.door_hash(key, n)}
        for n in NUMBERS
    ]  # fmt: skip
    w.put_registration(RID, party=3, members=members)
    return w


def _hash(w: DoorWorld, number: str) -> str:
    return w.cards.read(AID, number)


def _refused(w: DoorWorld, **kw) -> Refusal:
    with pytest.raises(Refusal) as caught:
        w.scan(w.sign(RID, 3), **kw)
    return caught.value


def test_two_of_a_family_of_three_come_in_on_one_tap_and_the_event_names_them(door):
    ticks = ((1, _hash(door, NUMBERS[0])), (3, _hash(door, NUMBERS[2])))
    got = door.scan(door.sign(RID, 3), members=ticks)
    assert (got["admitted"], got["remaining"], got["members"]) == (2, 1, [1, 3])
    assert [m.get("admitted") for m in got["registration"]["members"]] == [True, False, True]
    recorded = [d for kind, d in door.events() if kind == ev.CHECKIN_RECORDED]
    assert recorded[-1]["members"] == [1, 3] and recorded[-1]["admitted"] == 2
    assert not any(n in str(door.events()) for n in NUMBERS)  # never a number on the topic
    assert not any(h in str(door.events()) for _, h in ticks)  # nor a door hash


def test_a_member_already_in_is_refused_by_name_and_nobody_of_that_tap_comes_in(door):
    door.scan(door.sign(RID, 3), members=((1, _hash(door, NUMBERS[0])),))
    refusal = _refused(door, members=((2, _hash(door, NUMBERS[1])), (1, _hash(door, NUMBERS[0]))))
    assert (refusal.reason, refusal.details["member"]) == (V.ALREADY_CHECKED_IN, 1)
    assert door.admitted() == {RID: 1}


def test_a_card_that_is_not_the_ticked_members_is_refused_id_mismatch(door):
    refusal = _refused(door, members=((2, _hash(door, NUMBERS[0])),))
    assert (refusal.reason, refusal.details["member"]) == (V.ID_MISMATCH, 2)
    assert door.admitted() == {}


def test_with_cards_required_a_carded_member_ticked_without_a_card_is_refused(door):
    refusal = _refused(door, members=((2, ""),))
    assert (refusal.reason, refusal.details["member"]) == (V.ID_REQUIRED, 2)


def test_with_cards_not_required_a_tick_is_enough(store_settings, store_redis):
    w = _world(store_settings, store_redis, required=False)
    got = w.scan(w.sign(RID, 3), members=((2, ""), (3, "")))
    assert (got["admitted"], got["members"]) == (2, [2, 3])


def test_a_place_outside_the_party_is_refused(door):
    assert _refused(door, members=((4, ""),)).reason == V.ID_MISMATCH


def test_undo_frees_the_members_and_its_event_names_them(door):
    first = door.scan(door.sign(RID, 3), members=((1, _hash(door, NUMBERS[0])), (2, _hash(door, NUMBERS[1]))))
    door.undo(first["checkin_id"])
    reverted = [d for kind, d in door.events() if kind == ev.CHECKIN_REVERTED]
    assert reverted[-1]["members"] == [1, 2] and reverted[-1]["reverted"] == 2
    again = door.scan(door.sign(RID, 3), members=((2, _hash(door, NUMBERS[1])),))
    assert again["members"] == [2]


def test_one_card_read_names_its_member_on_the_event_too(door):
    door.scan(door.sign(RID, 3), id_hash=_hash(door, NUMBERS[1]))
    recorded = [d for kind, d in door.events() if kind == ev.CHECKIN_RECORDED]
    assert recorded[-1]["members"] == [2]


def test_a_party_without_names_is_counted_by_head_as_before(door):
    door.put_registration("headcountxxxxxxx", party=3)
    got = door.scan(door.sign("headcountxxxxxxx", 3), admit=2)
    recorded = [d for kind, d in door.events() if kind == ev.CHECKIN_RECORDED]
    assert (got["admitted"], got["members"]) == (2, [])
    assert "members" not in recorded[-1]  # absent: the schema loads it as []


def test_the_events_still_load_under_their_schema(door):
    door.scan(door.sign(RID, 3), members=((1, _hash(door, NUMBERS[0])),))
    kind, data = [(k, d) for k, d in door.events() if k == ev.CHECKIN_RECORDED][-1]
    loaded = ev.SCHEMAS[(kind, 1)]().load(data)
    assert loaded["members"] == [1] and VENUE


def test_a_rebuild_from_the_events_gives_the_door_its_members_back(door, store_redis):
    from services.checkin.door.readmit import Admissions
    from shared.envelope import decode

    first = door.scan(door.sign(RID, 3), members=((1, _hash(door, NUMBERS[0])), (3, _hash(door, NUMBERS[2]))))
    second = door.scan(door.sign(RID, 3), members=((2, _hash(door, NUMBERS[1])),))
    door.undo(second["checkin_id"])
    envelopes = [decode(f[b"envelope"]) for _id, f in store_redis.xrange(door.store.outbox)]
    for name in ("adm", "first", "checkins", "members", "stats", "gates", "arrivals"):
        store_redis.delete(door.store.k(name, AID))  # Redis lost
    Admissions(store_redis, door.settings).replay(envelopes)
    refusal = _refused(door, members=((3, _hash(door, NUMBERS[2])),))
    assert (refusal.reason, refusal.details["member"]) == (V.ALREADY_CHECKED_IN, 3)
    assert door.scan(door.sign(RID, 3), members=((2, _hash(door, NUMBERS[1])),))["members"] == [2]
    assert first["members"] == [1, 3]


# -- the API: the members field, the state's list, a party found by hand ------------------------------
def _api(door: DoorWorld):
    from services.checkin.app import create_app
    from shared.auth import create_token

    client = create_app(door.settings, redis_client=door.redis).test_client()
    token = create_token(door.redis, door.settings.redis_prefix, "steward", "门岗", VENUE)
    return client, {"Authorization": f"Bearer {token}"}


def test_the_scanner_state_lists_the_members_masked_and_never_a_hash(door):
    act = next(a for a in door.scanner_state()["activities"] if a["id"] == AID)
    listed = act["parties"][RID]
    assert [m["id_masked"] for m in listed] == [n[:4] + "*" * 10 + n[-4:] for n in NUMBERS]
    assert all("door_hash" not in m for m in listed)


def test_the_api_takes_the_ticks_and_refuses_a_place_twice(door):
    client, auth = _api(door)
    url, code = "/api/v1/checkins", door.sign(RID, 3)
    twice = [{"member": 1, "id_hash": _hash(door, NUMBERS[0])}, {"member": 1}]
    bad = client.post(url, json={"code": code, "gate": "1号门", "members": twice}, headers=auth)
    assert (bad.status_code, bad.get_json()["reason"]) == (422, "validation_failed")
    ticks = [
        {"member": 1, "id_hash": _hash(door, NUMBERS[0])},
        {"member": 2, "id_hash": _hash(door, NUMBERS[1])},
    ]
    got = client.post(url, json={"code": code, "gate": "1号门", "members": ticks}, headers=auth)
    assert (got.status_code, got.get_json()["members"], got.get_json()["admitted"]) == (201, [1, 2], 2)
    again = client.post(url, json={"code": code, "gate": "1号门", "members": ticks[1:]}, headers=auth)
    body = again.get_json()
    assert (again.status_code, body["reason"], body["detail"]["member"]) == (409, V.ALREADY_CHECKED_IN, 2)


def test_a_party_found_by_hand_is_admitted_member_by_member(door):
    client, auth = _api(door)
    body = {"activity_id": AID, "registration_id": RID, "gate": "1号门",
            "members": [{"member": 3, "id_hash": _hash(door, NUMBERS[2])}]}  # fmt: skip
    got = client.post("/api/v1/checkins/found", json=body, headers=auth)
    assert (got.status_code, got.get_json()["members"]) == (201, [3])
