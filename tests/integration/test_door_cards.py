"""Issue 23: at the door, the card is matched, member by member (finding 2's door half). A family
of three booked one made-up ID number with the same first and last four characters as the real
card's, so the masked form (``1101**********123X``) shows both alike; the door hashes what the
card reader types and compares it with each member's door hash. Through both APIs, on real Redis.
"""

from __future__ import annotations

import json

import pytest

from tests.fair_support import resident_id
from tests.integration.test_checkin_api import door, soon, verdict  # door: the fixture

__all__ = ["door"]
FATHER, MOTHER, CHILD_REAL = resident_id(1), resident_id(2), resident_id(7)
# Booked for the child: a made-up number with the same first 4 and last 4 as the child's real card.
MADE_UP = next(
    n
    for i in range(507, 60000, 500)
    if (n := resident_id(i))[:4] == CHILD_REAL[:4] and n[-4:] == CHILD_REAL[-4:]
)


@pytest.fixture
def family(door):
    door.activity(soon(real_name=True))
    members = [
        {"name": "张三", "id_type": "resident_id", "id_number": FATHER},
        {"name": "李四", "id_type": "resident_id", "id_number": MOTHER},
        {"name": "张小五", "id_type": "resident_id", "id_number": MADE_UP},
    ]
    r = door.reg.post(
        "/api/v1/activities/door-imax/registrations",
        json={
            "name": "张三",
            "phone": "13800000001",
            "organization": "科学院",
            "party_size": 3,
            "members": members,
        },
    )
    created = verdict(r, 201)
    door.project()
    return door, created["ticket"]["code"], created["registration_id"]


def test_two_of_three_are_admitted_and_the_made_up_card_is_refused(family):
    door, code, rid = family
    shown = door.projection.registration("door-imax", rid)["members"]
    assert shown[2]["id_masked"][:4] == CHILD_REAL[:4] and shown[2]["id_masked"][-4:] == CHILD_REAL[-4:]
    first = verdict(door.scan(code, id_number=FATHER[:6] + " " + FATHER[6:].lower()), 201)
    assert (first["admitted"], first["remaining"], first["member"]) == (1, 2, 1)
    assert all("door_hash" not in m for m in first["registration"]["members"])
    assert verdict(door.scan(code, id_number=MOTHER), 201)["member"] == 2
    refused = verdict(door.scan(code, id_number=CHILD_REAL), 409)
    assert refused["reason"] == "id_mismatch" and refused["message"] == "证件与报名信息不符"
    en = door.ck.post("/api/v1/checkins?lang=en", json={"code": code, "gate": "1号门", "id_number": CHILD_REAL},
                      headers={**door.steward, "Accept-Language": "en"})  # fmt: skip
    assert en.get_json()["reason"] == "id_mismatch"
    attendance = verdict(door.ck.get("/api/v1/activities/door-imax/attendance", headers=door.steward), 200)
    assert attendance["checked_in"] == 2


def test_a_members_card_admits_that_member_once_and_a_bare_scan_needs_a_card(family):
    door, code, _ = family
    first = verdict(door.scan(code, id_number=FATHER), 201)
    assert verdict(door.scan(code, id_number=FATHER), 409)["reason"] == "already_checked_in"
    assert verdict(door.scan(code), 409)["reason"] == "id_required"  # the masked form alone admits no one
    supervisor = door.bearer("supervisor", "主管", "ln-stm")
    verdict(door.ck.post(f"/api/v1/checkins/{first['checkin_id']}/undo", headers=supervisor), 200)
    assert verdict(door.scan(code, id_number=FATHER), 201)["member"] == 1  # undone: may come in again


def test_the_number_read_is_never_stored_nor_published(family):
    door, code, _ = family
    verdict(door.scan(code, id_number=FATHER), 201)
    verdict(door.scan(code, id_number=CHILD_REAL), 409)
    for key in door.redis.scan_iter(f"{door.settings.redis_prefix}*"):
        kind = door.redis.type(key)
        dump = {
            b"string": lambda k: door.redis.get(k),
            b"hash": lambda k: json.dumps(
                {a.decode(): b.decode("latin-1") for a, b in door.redis.hgetall(k).items()}
            ),
            b"stream": lambda k: repr(door.redis.xrange(k)),
            b"set": lambda k: repr(door.redis.smembers(k)),
            b"zset": lambda k: repr(door.redis.zrange(k, 0, -1)),
            b"list": lambda k: repr(door.redis.lrange(k, 0, -1)),
        }[kind](key)
        text = dump.decode("latin-1") if isinstance(dump, bytes) else str(dump)
        assert FATHER not in text and CHILD_REAL not in text and MADE_UP not in text, key


def test_a_party_found_by_hand_is_matched_the_same_way(family):
    door, _, rid = family
    found = {"activity_id": "door-imax", "registration_id": rid, "gate": "1号门"}
    post = door.ck.post
    assert (
        verdict(post("/api/v1/checkins/found", json=found, headers=door.steward), 409)["reason"]
        == "id_required"
    )
    refused = post("/api/v1/checkins/found", json={**found, "id_number": CHILD_REAL}, headers=door.steward)
    assert verdict(refused, 409)["reason"] == "id_mismatch"
    admitted = post("/api/v1/checkins/found", json={**found, "id_number": MOTHER}, headers=door.steward)
    assert verdict(admitted, 201)["member"] == 2


def _book(door, members, phone="13800000009"):
    r = door.reg.post(
        "/api/v1/activities/door-imax/registrations",
        json={
            "name": "张三",
            "phone": phone,
            "organization": "科学院",
            "party_size": len(members),
            "members": members,
        },
    )
    code = verdict(r, 201)["ticket"]["code"]
    door.project()
    return code


def test_a_child_booked_without_a_document_comes_in_without_a_card(door):
    door.activity(soon(real_name=True))
    child = {"name": "张小宝", "id_type": "none", "birth_date": "2020-05-01"}
    code = _book(door, [{"name": "张三", "id_type": "resident_id", "id_number": FATHER}, child])
    bare = verdict(door.scan(code), 201)  # the child: the one member without a document
    assert (bare["admitted"], bare["remaining"]) == (1, 1)
    assert verdict(door.scan(code), 409)["reason"] == "id_required"  # the father shows his card
    assert verdict(door.scan(code, id_number=FATHER), 201)["remaining"] == 0


def test_with_cards_not_required_a_bare_scan_admits_as_before_and_a_card_is_still_matched(settings, redis):
    from tests.integration.test_checkin_api import Door

    redis.delete("proj-cursor")
    door = Door(settings.with_overrides(door_id_required=0), redis)
    door.steward = door.bearer("steward", "王师傅", "ln-stm")
    door.activity(soon(real_name=True))
    code = _book(
        door,
        [
            {"name": "张三", "id_type": "resident_id", "id_number": FATHER},
            {"name": "李四", "id_type": "resident_id", "id_number": MADE_UP},
        ],
    )
    assert verdict(door.scan(code, id_number=CHILD_REAL), 409)["reason"] == "id_mismatch"
    assert verdict(door.scan(code), 201)["admitted"] == 2
