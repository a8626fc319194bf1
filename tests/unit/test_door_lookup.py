"""The steward's manual lookup when the QR cannot be read (issue 17, services/checkin/door/lookup.py),
and a party that dropped a member, over the projection and the real store on Redis: no Flask."""

from __future__ import annotations

import pytest

from services.checkin import vocabulary as V
from services.checkin.door import lookup
from services.checkin.door.usecases import Refusal, Scan, Staff
from tests.unit.door_world import Clock, DoorWorld
from tests.unit.fakes_checkin import T0, VENUE, FakeTickets, activity, ticket

STEWARD = Staff("steward-1", VENUE)


class Door(DoorWorld):
    """The projection and the real store on the session's Redis; codes looked up by the signer's fake."""

    def put(self, aid: str, rid: str, *, phone: str, party: int = 3, status: str = V.CONFIRMED, **over):
        members = over.pop("members", [])
        self.put_registration(rid, status, party, aid, members, over.pop("name", "张三丰"), phone)


@pytest.fixture
def door(store_settings, store_redis):
    p = Door(store_settings, store_redis, T0)
    p.tickets = FakeTickets()
    p.put_activity(activity())
    p.put_activity(activity("other-0530", venue="other-venue"))
    p.put("imax-0530", "r1", phone="138****5678")
    p.put("imax-0530", "r2", phone="139****0000", status=V.CANCELLED)
    p.put("imax-0530", "r3", phone="137****4321", party=2, members=[
        {"name_masked": "李*", "id_type": "resident", "id_masked": "1101**********002X"},
        {"name_masked": "李*", "id_type": "resident", "id_masked": ""},
    ], name="李雷")  # fmt: skip
    p.put("imax-0530", "r4", phone="136****5678", status=V.WAITLISTED)
    p.put("other-0530", "r5", phone="135****5678")
    return p, p.store, p.tickets, p.ids


def find(p, last4: str, name: str, staff: Staff = STEWARD) -> list[str]:
    got = lookup.find(lookup.Lookup(last4, name), staff, directory=p.projection, clock=Clock(T0))
    return [m["registration_id"] for m in got]


def found(door, rid: str, admit: int = 0, gate: str = "1号门", clock: Clock | None = None) -> dict:
    p, d, _t, ids = door
    scan = Scan(code="", gate=gate, admit=admit)
    return lookup.admit_found(
        "imax-0530", rid, scan, STEWARD, activities=p.projection, door=d, clock=clock or Clock(T0), ids=ids
    )


def test_the_last_4_digits_and_the_name_find_the_party_masked(door):
    p = door[0]
    got = lookup.find(lookup.Lookup("5678", " 张 三丰 "), STEWARD, directory=p.projection, clock=Clock(T0))
    assert [m["registration_id"] for m in got] == ["r1"]  # not r4 (waitlisted), not r5 (other venue)
    assert got[0]["name_masked"] == "张**" and got[0]["phone_masked"] == "138****5678"
    assert "phone" not in got[0] and "name" not in got[0]


def test_a_wrong_name_or_wrong_digits_find_nothing(door):
    p = door[0]
    assert find(p, "5679", "张三丰") == []
    assert find(p, "5678", "张三") == []
    assert find(p, "56a8", "张三丰") == []


def test_a_projection_keeping_masked_names_is_matched_by_the_heard_name(door):
    """Issue 16: the projection keeps 张** for 张三丰; the steward still types what they hear."""
    p = door[0]
    p.put("imax-0530", "r6", phone="150****2468", name="张**")
    p.put("imax-0530", "r7", phone="151****2468", name="L******")  # Li Ming
    assert find(p, "2468", " 张 三丰 ") == ["r6"]
    assert find(p, "2468", "李三丰") == [] and find(p, "2468", "张三") == []
    assert find(p, "2468", "li ming") == ["r7"] and find(p, "2468", "Li Ming") == ["r7"]
    assert find(p, "2468", "Lee") == []


def test_the_last_4_of_a_members_id_finds_a_real_name_party(door):
    assert find(door[0], "002x", "李雷") == ["r3"]


def test_a_cancelled_party_is_listed_and_refused_as_a_scan_would_be(door):
    assert find(door[0], "0000", "张三丰") == ["r2"]
    with pytest.raises(Refusal) as err:
        found(door, "r2")
    assert err.value.reason == V.REVOKED


def test_a_party_found_by_hand_is_never_admitted_twice_by_hand_or_by_scan(door):
    p, _d, tickets, _ids = door
    first = found(door, "r1", admit=2)
    assert (first["status"], first["admitted"], first["remaining"]) == (V.OK, 2, 1)
    code = tickets.add(ticket("r1", party=3))
    by_scan = p.scan(code, "2号门", STEWARD)
    assert by_scan["admitted"] == 1  # the rest of the party, not three more
    with pytest.raises(Refusal) as err:
        found(door, "r1")
    assert err.value.reason == V.ALREADY_CHECKED_IN
    assert err.value.details["first_gate"] == "1号门"


def test_a_waitlisted_or_unknown_registration_cannot_be_admitted_by_hand(door):
    for rid in ("r4", "nope"):
        with pytest.raises(Refusal) as err:
            found(door, rid)
        assert err.value.reason == V.UNKNOWN_REGISTRATION


def test_the_manual_path_keeps_the_check_in_window(door):
    with pytest.raises(Refusal) as err:
        found(door, "r1", clock=Clock(T0.replace(hour=13)))
    assert (err.value.reason, err.value.variant) == (V.INVALID_TIME, V.TOO_LATE)


def test_a_party_that_dropped_a_member_is_admitted_up_to_its_new_size_on_the_old_code(door):
    p, _d, tickets, _ids = door
    p.drop_member("r1", 2, "imax-0530")  # RegistrationMemberDropped: 3 -> 2
    old_code = tickets.add(ticket("r1", party=3))
    got = p.scan(old_code, "1号门", STEWARD)
    assert (got["admitted"], got["registration"]["party_size"]) == (2, 2)
    with pytest.raises(Refusal) as err:
        p.scan(old_code, "1号门", STEWARD)
    assert err.value.reason == V.ALREADY_CHECKED_IN
