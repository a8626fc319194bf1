"""Issue 29, groups, on real Redis and the real Lua: a school books a class as ONE registration of
the channel ``group`` (seats/quota.lua's group quota, reserve.lua); the per-ID limits of fair.lua
count every member, across groups and against open booking."""

from __future__ import annotations

import json

import pytest

from services.registration import vocabulary as v
from services.registration.access.fair import FairPolicy
from services.registration.catalogue import activities
from services.registration.groups import booking, roster
from services.registration.seats import publishing, usecases
from shared import envelope, spreadsheets
from tests.fair_support import member, resident_id
from tests.unit.registration_ports import outbox, redis_ports
from tests.unit.registration_scenarios import activity_doc

LIMIT = 8  # a group holds eight, the teacher included


@pytest.fixture
def ports(store_settings, store_redis):
    p = redis_ports(store_settings, store_redis)
    p.fair = FairPolicy(id_per_day=2, id_per_festival=9, rate_limit_phone_per_min=0, rate_limit_id_per_min=0)
    p.secret = b"k" * 32
    p.group_size_limit = LIMIT
    return p


def publish(ports, aid: str = "g", capacity: int = 10, group: int = 6, **over) -> None:
    doc = activity_doc(ports, aid, capacity=capacity, max_party_size=2, real_name=True, **over)
    doc["quotas"] = {"group": {"seats": group}}
    publishing.publish_activity(ports, doc)


def class_of(ids: list[int], children: int = 0) -> roster.Roster:
    rows = [f"学生{i},{resident_id(i)}," for i in ids]
    rows += [f"小孩{k},,2017-0{k + 1}-01" for k in range(children)]
    data = ("姓名,身份证号,出生日期\n" + "\n".join(rows) + "\n").encode()
    return roster.read("class.csv", data, LIMIT - 1, spreadsheets.Limits())


def lead(n: int) -> dict:
    return {
        "name": f"老师{n}",
        "organization": "沈阳市第一中学",
        **{k: x for k, x in member(900 + n).items() if k != "name"},
    }


def book(ports, n: int, ids: list[int], children: int = 0, aid: str = "g") -> dict:
    return booking.book(ports, aid, lead(n), class_of(ids, children), session_phone=f"1391000{n:04d}")


def taken(ports, aid: str = "g") -> int:
    return activities.view(*publishing.activity(ports, aid))["seats_taken"]


def test_a_group_larger_than_max_party_size_takes_the_group_quota_as_one_registration(ports):
    publish(ports)
    reg = book(ports, 1, [1, 2, 3], children=2)  # the teacher, three pupils with IDs, two children
    assert reg["status"] == v.CONFIRMED and reg["party_size"] == 6
    stored = ports.seats.get_registration(reg["registration_id"])
    assert stored is not None and stored["channel"] == v.CH_GROUP
    assert len(stored["members"]) == 6 and stored["members"][4]["guardian"]["name_masked"]
    assert resident_id(1) not in str(stored)
    assert taken(ports) == 6


def test_a_group_the_quota_cannot_hold_is_refused_and_takes_no_open_seat(ports):
    publish(ports, group=4)
    with pytest.raises(v.Refusal) as err:
        book(ports, 1, [1, 2, 3, 4])  # five people, four kept
    assert err.value.reason == v.GROUP_QUOTA_FULL
    assert taken(ports) == 0
    assert book(ports, 2, [5, 6, 7])["status"] == v.CONFIRMED  # four fit
    with pytest.raises(v.Refusal) as err:
        book(ports, 3, [8])  # the quota is used up: a group never falls back on open seats
    assert err.value.reason == v.GROUP_QUOTA_FULL


def test_an_online_party_cannot_take_the_group_quota(ports):
    publish(ports, capacity=4, group=3, waitlist={"enabled": False})
    form = {"name": "张三", "phone": None, "party_size": 2, "members": [member(50), member(51)]}
    with pytest.raises(v.Refusal) as err:
        usecases.register(ports, "g", form, session_phone="13900000050")
    assert err.value.reason == v.SOLD_OUT  # one seat is open; the three kept are the groups'


def test_an_id_is_once_per_activity_across_groups_and_open_booking(ports):
    publish(ports, capacity=12, group=10)
    book(ports, 1, [1, 2])
    with pytest.raises(v.Refusal) as err:
        book(ports, 2, [3, 2])  # pupil 2 is in the first group already
    assert err.value.reason == v.ID_DUPLICATE
    form = {"name": "学生1", "phone": None, "party_size": 1, "members": [member(1)]}
    with pytest.raises(v.Refusal) as err:
        usecases.register(ports, "g", form, session_phone="13900000001")
    assert err.value.reason == v.ID_DUPLICATE


def test_the_per_id_day_limit_counts_each_member_of_a_group(ports):
    for aid in ("g1", "g2", "g3"):
        publish(ports, aid)
    book(ports, 1, [1, 2], aid="g1")
    book(ports, 2, [1, 3], aid="g2")  # pupil 1's second registration today
    with pytest.raises(v.Refusal) as err:
        book(ports, 3, [4, 1], aid="g3")
    assert err.value.reason == v.ID_LIMIT_REACHED


def test_a_member_refused_by_the_id_checks_is_said_of_its_spreadsheet_row(ports):
    publish(ports)
    with pytest.raises(v.Refusal) as err:
        booking.book(
            ports,
            "g",
            dict(lead(1), id_number=resident_id(2)),
            class_of([1, 2]),
            session_phone="13910000001",
        )  # the teacher's ID is a pupil's
    assert err.value.reason == v.ID_INVALID
    assert set(err.value.details["rules"]["rows"]) == {"3"}


def test_a_group_above_the_group_limit_is_refused_before_the_seat(ports):
    publish(ports, capacity=20, group=20)
    with pytest.raises(v.Refusal) as err:
        class_of(list(range(1, 9)))  # eight pupils and the teacher: nine, the limit is eight
    assert err.value.reason == v.ROSTER_INVALID
    assert taken(ports) == 0


def test_the_group_quota_opens_to_open_booking_when_its_time_comes(ports):
    publish(ports, capacity=4, group=3, waitlist={"enabled": False})
    ports.clock.advance(days=1, hours=1)  # the start is 3 days off; groups keep seats until 48 h before
    form = {"name": "张三", "phone": None, "party_size": 2, "members": [member(60), member(61)]}
    assert usecases.register(ports, "g", form, session_phone="13900000060")["status"] == v.CONFIRMED
    with pytest.raises(v.Refusal) as err:
        book(ports, 1, [1])
    assert err.value.reason == v.GROUP_QUOTA_FULL


def test_a_group_larger_than_any_party_travels_in_its_events(ports):
    """A class of 30: check-in and notify read its RegistrationConfirmed (their schemas once
    stopped at 20 people, and a consumer took the event as poison)."""
    ports.group_size_limit = 40
    publish(ports, capacity=40, group=35)
    pupils = [f"学生{i},{resident_id(i)}," for i in range(1, 30)]
    data = ("姓名,身份证号,出生日期\n" + "\n".join(pupils) + "\n").encode()
    big = roster.read("class.csv", data, 39, spreadsheets.Limits())
    reg = booking.book(ports, "g", lead(1), big, session_phone="13910000001")
    assert reg["party_size"] == 30
    (booked,) = [
        e for e in outbox(ports) if e["envelope"]["data"].get("registration_id") == reg["registration_id"]
    ]
    got = envelope.decode(json.dumps(booked["envelope"]).encode())
    assert got["data"]["party_size"] == 30 and len(got["data"]["members"]) == 30
