"""Issue 26, the families' real-name party: a child names its guardian (another member with an ID),
and a member's name is corrected after booking; another ID number is a new member in its place,
within the per-ID limits that correct_member.lua takes from fair.lua. Use cases on the session's
Redis and the Lua (registration_ports.py)."""

from __future__ import annotations

from datetime import date

import pytest

from services.registration import vocabulary as v
from services.registration.access.fair import FairPolicy
from services.registration.seats import correction, publishing, usecases
from shared import events
from tests.fair_support import member, resident_id
from tests.unit.registration_ports import outbox, redis_ports
from tests.unit.registration_scenarios import activity_doc

CHILD_BORN = date(2021, 6, 1)


@pytest.fixture
def ports(store_settings, store_redis):
    p = redis_ports(store_settings, store_redis)
    p.fair = FairPolicy(id_per_day=1, id_per_festival=9, rate_limit_phone_per_min=0, rate_limit_id_per_min=0)
    p.secret = b"corrections"
    for aid in ("rn", "rn-b", "rn-other-day"):
        publishing.publish_activity(p, activity_doc(p, aid, real_name=True, capacity=20))
    return p


def child(name: str = "张小宝", **over) -> dict:
    return {"name": name, "id_type": "none", "birth_date": CHILD_BORN, **over}


def book(ports, members: list[dict], aid: str = "rn", phone: str = "13800000001") -> dict:
    form = {"name": members[0]["name"], "phone": None, "party_size": len(members), "email": None}
    return usecases.register(ports, aid, {**form, "members": members}, session_phone=phone)


def refused(call) -> v.Refusal:
    with pytest.raises(v.Refusal) as err:
        call()
    return err.value


# -- a child's guardian ---------------------------------------------------------------------------
def test_a_child_names_its_guardian_and_the_record_marks_both(ports):
    reg = book(ports, [member(1, "王芳"), member(2, "李雷"), child(guardian=1)])
    stored = ports.seats.get_registration(reg["registration_id"])["members"]
    assert stored[2]["id_type"] == "none"
    assert stored[2]["guardian"] == {"name_masked": "李*", "id_masked": stored[1]["id_masked"]}
    assert "guardian" not in stored[0] and "guardian" not in stored[1]


def test_a_child_without_a_named_guardian_is_under_the_first_member_with_an_id(ports):
    reg = book(ports, [member(3, "王芳"), child()])
    stored = ports.seats.get_registration(reg["registration_id"])["members"]
    assert stored[1]["guardian"]["name_masked"] == "王*"


@pytest.mark.parametrize(
    ("guardian", "rule"),
    [
        (2, v.GUARDIAN_NOT_IN_PARTY),  # itself
        (7, v.GUARDIAN_NOT_IN_PARTY),  # nobody in the party
        (1, v.GUARDIAN_WITHOUT_ID),  # another child
    ],
)
def test_a_guardian_who_is_not_another_member_with_an_id_is_refused(ports, guardian, rule):
    members = [member(4, "王芳"), child("张大宝", guardian=0), child(guardian=guardian)]
    err = refused(lambda: book(ports, members))
    assert err.reason == v.GUARDIAN_INVALID
    assert err.details["rules"] == {"members": {"2": {"guardian": [rule]}}}
    assert int(ports.seats.get_activity("rn")[1]["taken"]) == 0


# -- correcting a member --------------------------------------------------------------------------
def correct(ports, reg: dict, place: int, **form) -> dict:
    return correction.correct_member(ports, reg["registration_id"], reg["manage_token"], place, form)


def test_a_misspelled_name_is_corrected_with_the_same_id_and_the_door_is_told(ports):
    reg = book(ports, [member(10, "王芳"), member(11, "李蕾"), child(guardian=1)])
    hashes = ports.seats.get_registration(reg["registration_id"])["id_hashes"]
    after = correct(ports, reg, 1, name="赵雷", id_type="resident_id", id_number=resident_id(11))
    assert [m["name_masked"] for m in after["members"]] == ["王*", "赵*", "张**"]
    assert after["members"][2]["guardian"]["name_masked"] == "赵*"  # the child's guardian, as corrected
    assert after["id_hashes"] == hashes and after["party_size"] == 3
    corrected = [
        e["envelope"] for e in outbox(ports) if e["envelope"]["type"] == events.REGISTRATION_MEMBER_CORRECTED
    ]
    assert len(corrected) == 1 and corrected[0]["data"]["member"] == 1
    assert [m["name_masked"] for m in corrected[0]["data"]["members"]] == ["王*", "赵*", "张**"]


def test_a_child_s_name_is_corrected_and_it_keeps_its_guardian(ports):
    reg = book(ports, [member(12, "王芳"), child()])
    after = correct(ports, reg, 1, name="张小明")
    assert after["members"][1]["name_masked"] == "张**"
    assert after["members"][1]["guardian"]["name_masked"] == "王*"


def test_another_id_number_is_a_new_member_only_when_asked(ports):
    reg = book(ports, [member(20, "王芳"), member(21, "李雷")])
    before = ports.seats.get_registration(reg["registration_id"])
    err = refused(
        lambda: correct(ports, reg, 1, name="李雷", id_type="resident_id", id_number=resident_id(22))
    )
    assert err.reason == v.MEMBER_ID_CHANGED
    assert ports.seats.get_registration(reg["registration_id"])["members"] == before["members"]

    after = correct(
        ports, reg, 1, name="周杰", id_type="resident_id", id_number=resident_id(22), replace=True
    )
    assert after["members"][1]["id_masked"].endswith(resident_id(22)[-4:])
    assert after["id_hashes"][0] == before["id_hashes"][0] and after["id_hashes"][1] != before["id_hashes"][1]
    # the old ID was given back to the activity and to its day (id_per_day=1): it can book again
    assert book(ports, [member(21, "李雷")], "rn-b", "13800000009")["status"] == v.CONFIRMED


def test_a_new_member_is_held_to_the_per_id_limits_in_lua(ports):
    reg = book(ports, [member(30, "王芳"), member(31, "李雷")])
    book(ports, [member(32, "刘洋")], "rn", "13800000002")  # ID 32 is in this activity already
    book(ports, [member(33, "陈晨")], "rn-b", "13800000003")  # ID 33 spent its day (id_per_day=1)
    dup = refused(
        lambda: correct(
            ports, reg, 1, name="刘洋", id_type="resident_id", id_number=resident_id(32), replace=True
        )
    )
    assert dup.reason == v.ID_DUPLICATE
    day = refused(
        lambda: correct(
            ports, reg, 1, name="陈晨", id_type="resident_id", id_number=resident_id(33), replace=True
        )
    )
    assert day.reason == v.ID_LIMIT_REACHED
    assert ports.seats.get_registration(reg["registration_id"])["members"][1]["name_masked"] == "李*"


def test_a_correction_is_refused_for_a_cancelled_registration_or_a_bad_number(ports):
    reg = book(ports, [member(40, "王芳")])
    bad = resident_id(40)[:-1] + ("1" if resident_id(40)[-1] != "1" else "2")
    err = refused(lambda: correct(ports, reg, 0, name="王芳芳", id_type="resident_id", id_number=bad))
    assert err.reason == v.ID_INVALID
    assert err.details["rules"] == {"members": {"0": {"id_number": [v.ID_CHECK_DIGIT]}}}
    assert refused(lambda: correct(ports, reg, 3, name="王芳")).reason == v.UNKNOWN_MEMBER
    usecases.cancel(ports, reg["registration_id"], reg["manage_token"])
    gone = refused(
        lambda: correct(ports, reg, 0, name="王芳芳", id_type="resident_id", id_number=resident_id(40))
    )
    assert gone.reason == v.REGISTRATION_CANCELLED


def test_no_new_member_once_the_activity_has_started_but_a_name_is_still_corrected(ports):
    reg = book(ports, [member(50, "王芳"), member(51, "李蕾")])
    ports.clock.advance(days=3, minutes=1)  # activity_doc starts 3 days after the clock
    late = refused(
        lambda: correct(
            ports, reg, 1, name="周杰", id_type="resident_id", id_number=resident_id(52), replace=True
        )
    )
    assert late.reason == v.REGISTRATION_CLOSED
    after = correct(ports, reg, 1, name="李雷", id_type="resident_id", id_number=resident_id(51))
    assert after["members"][1]["name_masked"] == "李*"
