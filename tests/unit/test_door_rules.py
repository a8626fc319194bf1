"""The door's use cases (services/checkin/door/usecases.py) on the session's Redis (the real store and
its Lua), no Flask; the signer and the clock are the only stand-ins.

Each row's verdict, in the table's order, is tests/integration/test_door_scenarios.py's: here the
details a verdict carries, undo, counts per gate, and tickets the projection has not seen."""

from __future__ import annotations

import pytest

from services.checkin import vocabulary as V
from services.checkin.door import usecases
from services.checkin.door.usecases import Refusal, Scan, Staff
from tests.unit.door_world import ORGANIZER, STEWARD, DoorWorld
from tests.unit.fakes_checkin import T0, FakeTickets, activity, ticket

__all__ = ["ORGANIZER", "STEWARD", "World"]


class World(DoorWorld):
    """The door on the session's Redis (``admit.lua``, ``undo.lua``); codes looked up by the
    signer's fake."""

    def __init__(self, settings, redis) -> None:
        super().__init__(settings, redis, T0)
        self.tickets = FakeTickets()
        self.put_activity(activity())

    def issue(self, rid: str = "r1", party: int = 3, status: str = V.CONFIRMED, **kw) -> str:
        t = ticket(rid, party=party, **kw)
        self.put_registration(rid, status, party, aid=t.activity_id)
        return self.tickets.add(t)

    def refused(self, code: str, **kw) -> Refusal:
        with pytest.raises(Refusal) as err:
            self.scan(code, **kw)
        return err.value


@pytest.fixture
def w(store_settings, store_redis) -> World:
    return World(store_settings, store_redis)


def test_a_party_is_admitted_whole_by_default(w):
    got = w.scan(w.issue(party=3))
    assert (got["status"], got["admitted"], got["remaining"]) == (V.OK, 3, 0)
    assert got["registration"]["name_masked"] == "张**"
    assert w.events()[-1][0] == V.CHECKIN_RECORDED


def test_a_second_scan_of_an_admitted_party_is_refused_with_the_first_gate(w):
    code = w.issue(party=2)
    w.scan(code, gate="1号门")
    w.clock.advance(minutes=3)
    refusal = w.refused(code, gate="2号门")
    assert refusal.reason == V.ALREADY_CHECKED_IN
    assert refusal.details["first_gate"] == "1号门"
    assert refusal.details["first_checked_in_at"] == T0.isoformat()
    assert w.denials() == [V.ALREADY_CHECKED_IN]


def test_undo_lets_the_party_in_again(w):
    code = w.issue(party=2)
    cid = w.scan(code)["checkin_id"]
    undone = w.undo(cid)
    assert (undone["status"], undone["reverted"], undone["admitted_total"]) == (V.OK, 2, 0)
    assert w.scan(code)["admitted"] == 2


def test_undo_of_a_partial_check_in_keeps_the_rest_counted(w):
    code = w.issue(party=3)
    cid = w.scan(code, admit=1)["checkin_id"]
    w.scan(code, admit=1)
    assert w.undo(cid)["admitted_total"] == 1


@pytest.mark.parametrize("cid", ["c-none", "c" * 65])
def test_undo_of_an_unknown_check_in_is_refused(w, cid):
    with pytest.raises(Refusal) as err:
        w.undo(cid)
    assert err.value.reason == V.UNKNOWN_CHECKIN


def test_undo_by_another_venue_is_forbidden(w):
    cid = w.scan(w.issue())["checkin_id"]
    with pytest.raises(Refusal) as err:
        w.undo(cid, Staff("sup", "other-venue"))
    assert (err.value.reason, err.value.variant) == (V.FORBIDDEN, V.OTHER_VENUE)


def test_a_ticket_of_another_venue_is_refused_and_recorded(w):
    w.put_activity(activity("planet-0530", venue="other-venue", title={"zh": "天象", "en": "Dome"}))
    code = w.issue(aid="planet-0530", venue="other-venue")
    refusal = w.refused(code)
    assert refusal.reason == V.WRONG_VENUE
    assert refusal.details == {
        "ticket_venue": "other-venue",
        "venue_name": "辽宁省科学技术馆",
        "activity_title": {"zh": "天象", "en": "Dome"},
    }
    assert w.denials() == [V.WRONG_VENUE]
    assert w.scan(code, staff=ORGANIZER)["status"] == V.OK  # organizers scan at any venue


def test_an_offline_scan_is_judged_by_its_own_time(w):
    code = w.issue()
    w.clock.advance(hours=1, minutes=20)  # 10:50: the device's last exchange with the server
    mark = w.marks.issue(STEWARD.holder, w.clock.now())
    w.clock.advance(hours=4)  # uploaded after the end
    got = w.scan(code, scanned_at=w.clock.now().replace(hour=11), online_mark=mark)
    assert got["status"] == V.OK and got["checked_in_at"].startswith("2026-05-30T11:")


def test_gates_count_their_own_people(w):
    w.scan(w.issue("r1", party=2), gate="1号门")
    w.scan(w.issue("r2", party=3), gate="2号门")
    assert w.gates("imax-0530") == {"1号门": 2, "2号门": 3}


def test_a_ticket_the_projection_has_not_seen_is_admitted_and_noted(w):
    code = w.tickets.add(ticket("r-new"))
    assert w.scan(code)["registration"]["name_masked"] == ""
    assert w.unseen("imax-0530") == {"r-new"}


def test_an_activity_of_another_venue_is_not_visible(w):
    with pytest.raises(Refusal) as err:
        usecases.visible_activity("imax-0530", Staff("s", "other"), activities=w.projection)
    assert err.value.reason == V.FORBIDDEN
    with pytest.raises(Refusal) as err:
        usecases.visible_activity("nope", ORGANIZER, activities=w.projection)
    assert err.value.reason == V.UNKNOWN_ACTIVITY
