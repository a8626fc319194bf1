"""Issue 29 item 6 at the door, over both services on real Redis: a party booked through the public
API with a wheelchair place carries it in its events, the check-in projection keeps it, and the
steward sees it on the scan's verdict and in the lookup (the scanner shows "轮椅位"); a party
without one shows none."""

from __future__ import annotations

from tests.integration.test_checkin_api import door, soon, verdict  # door: the fixture

WHEELCHAIR_DOOR = {  # kept until the start: the activity starts in 30 minutes
    "wheelchair": {"seats": 2, "release_before_h": 0},
    "companion": {"seats": 1, "release_before_h": 0},
}


def book(door, phone: str, party: int, accessible: dict | None) -> dict:
    body = {"name": "张三丰", "phone": phone, "organization": "科学院", "party_size": party}
    if accessible is not None:
        body["accessible"] = accessible
    return door.reg.post("/api/v1/activities/door-imax/registrations", json=body)


def test_the_steward_sees_the_wheelchair_place_on_the_verdict_and_the_lookup(door):
    door.activity(soon(quotas=WHEELCHAIR_DOOR))
    wheel = verdict(book(door, "13800000011", 2, {"wheelchairs": 1, "companions": 1}), 201)
    plain = verdict(book(door, "13800000012", 2, None), 201)
    door.project()
    seen = verdict(door.scan(wheel["ticket"]["code"]), 201)["registration"]
    assert (seen["party_size"], seen["wheelchairs"]) == (2, 1)
    assert verdict(door.scan(plain["ticket"]["code"]), 201)["registration"]["wheelchairs"] == 0
    found = verdict(door.ck.post("/api/v1/checkins/lookup", json={"last4": "0011", "name": "张三丰"},
                                 headers=door.steward), 200)["matches"]  # fmt: skip
    assert [m["wheelchairs"] for m in found] == [1]


def test_the_api_refuses_a_companion_seat_without_a_wheelchair_place_in_words(door):
    door.activity(soon(quotas=WHEELCHAIR_DOOR))
    body = verdict(book(door, "13800000013", 2, {"wheelchairs": 0, "companions": 1}), 422)
    assert body["reason"] == "companion_needs_wheelchair" and body["message"].startswith("陪同座只能")
    body = verdict(book(door, "13800000014", 1, {"wheelchairs": 1, "companions": 1}), 422)
    assert body["reason"] == "validation_failed" and "accessible" in body["errors"]
    body = verdict(book(door, "13800000015", 3, {"wheelchairs": 3}), 409)
    assert body["reason"] == "no_wheelchair_place"


def test_a_wheelchair_booking_gets_through_while_online_booking_hears_sold_out(door):
    """The sold-out memory and the gate before Flask answer online bookings from memory once only
    kept seats are left; a booking with ``accessible`` still reaches reserve.lua."""
    door.activity(soon(capacity=3, waitlist={"enabled": False}, quotas=WHEELCHAIR_DOOR))  # 3 kept
    for phone in ("13800000021", "13800000022"):
        assert verdict(book(door, phone, 1, None), 409)["reason"] == "sold_out"  # the 2nd: from memory
    verdict(book(door, "13800000023", 2, {"wheelchairs": 1, "companions": 1}), 201)
