"""The door's rules (services/checkin/usecases.py) over in-memory fakes: no Redis, no Flask."""

from __future__ import annotations

from dataclasses import dataclass, field

import pytest

from services.checkin import usecases
from services.checkin import vocabulary as V
from services.checkin.online_marks import OnlineMarks
from services.checkin.usecases import Refusal, Scan, Staff
from tests.unit.fakes_checkin import (
    T0,
    VENUE,
    Clock,
    FakeActivities,
    FakeDoor,
    FakeTickets,
    activity,
    sequential_ids,
    ticket,
)

STEWARD = Staff("steward-1", VENUE, "token-hash-1")
ORGANIZER = Staff("org", None)


@dataclass
class World:
    tickets: FakeTickets = field(default_factory=FakeTickets)
    activities: FakeActivities = field(default_factory=FakeActivities)
    clock: Clock = field(default_factory=Clock)
    marks: OnlineMarks = field(default_factory=lambda: OnlineMarks(b"m" * 32))

    def __post_init__(self) -> None:
        self.door = FakeDoor(self.activities)
        self.ids = sequential_ids()
        self.activities.put_activity(activity())

    def issue(self, rid: str = "r1", party: int = 3, status: str = V.CONFIRMED, **kw) -> str:
        t = ticket(rid, party=party, **kw)
        self.activities.put_registration(t.activity_id, rid, status)
        return self.tickets.add(t)

    def scan(self, code: str, gate: str = "1号门", staff: Staff = STEWARD, **kw) -> dict:
        return usecases.admit(
            Scan(code, gate, **kw),
            staff,
            tickets=self.tickets,
            activities=self.activities,
            door=self.door,
            clock=self.clock,
            ids=self.ids,
            marks=self.marks,
        )

    def refused(self, code: str, **kw) -> Refusal:
        with pytest.raises(Refusal) as err:
            self.scan(code, **kw)
        return err.value

    def undo(self, checkin_id: str, staff: Staff = ORGANIZER) -> dict:
        return usecases.undo(checkin_id, staff, door=self.door, clock=self.clock)

    def denials(self) -> list[str]:
        return [d["reason"] for kind, d in self.door.events if kind == V.CHECKIN_DENIED]


@pytest.fixture
def w() -> World:
    return World()


def test_a_party_is_admitted_whole_by_default(w):
    got = w.scan(w.issue(party=3))
    assert (got["status"], got["admitted"], got["remaining"]) == (V.OK, 3, 0)
    assert got["registration"]["name_masked"] == "张**"
    assert w.door.events[-1][0] == V.CHECKIN_RECORDED


def test_a_second_scan_of_an_admitted_party_is_refused_with_the_first_gate(w):
    code = w.issue(party=2)
    w.scan(code, gate="1号门")
    w.clock.advance(minutes=3)
    refusal = w.refused(code, gate="2号门")
    assert refusal.reason == V.ALREADY_CHECKED_IN
    assert refusal.details["first_gate"] == "1号门"
    assert refusal.details["first_checked_in_at"] == T0.isoformat()
    assert w.denials() == [V.ALREADY_CHECKED_IN]


def test_a_party_steps_in_and_never_adds_up_to_more_than_its_size(w):
    code = w.issue(party=4)
    first = w.scan(code, admit=1)
    second = w.scan(code, admit=2)
    third = w.scan(code, admit=5)  # more than remain: only the rest
    assert [r["admitted"] for r in (first, second, third)] == [1, 2, 1]
    assert [r["remaining"] for r in (first, second, third)] == [3, 1, 0]
    assert w.refused(code).reason == V.ALREADY_CHECKED_IN


def test_a_repeated_nonce_gets_the_first_answer_and_admits_nobody_more(w):
    code = w.issue(party=3)
    first = w.scan(code, admit=1, nonce="n-1")
    again = w.scan(code, admit=1, nonce="n-1")
    assert again["replayed"] and not first["replayed"]
    assert again["checkin_id"] == first["checkin_id"]
    assert w.door.admitted[("imax-0530", "r1")] == 1


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


def test_undo_twice_is_refused(w):
    cid = w.scan(w.issue())["checkin_id"]
    w.undo(cid)
    with pytest.raises(Refusal) as err:
        w.undo(cid)
    assert err.value.reason == V.ALREADY_REVERTED


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
    w.activities.put_activity(
        activity("planet-0530", venue="other-venue", title={"zh": "天象", "en": "Dome"})
    )
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


def test_a_cancelled_activity_admits_nobody(w):
    code = w.issue()
    w.activities.put_activity(activity(status=V.CANCELLED))
    assert w.refused(code).reason == V.ACTIVITY_CANCELLED
    assert w.door.admitted == {}


def test_a_cancelled_registration_is_refused_as_revoked(w):
    code = w.issue(status=V.CANCELLED)
    assert w.refused(code).reason == V.REVOKED
    assert w.denials() == [V.REVOKED]


def test_an_invalid_code_is_refused_and_recorded(w):
    assert w.refused("SD1.forged").reason == V.INVALID
    assert w.denials() == [V.INVALID]


@pytest.mark.parametrize(
    ("minutes", "side"), [(-31, V.TOO_EARLY), (-29, None), (150, None), (151, V.TOO_LATE)]
)
def test_the_check_in_window_opens_an_hour_before_and_closes_at_the_end(w, minutes, side):
    code = w.issue()
    w.clock.advance(minutes=minutes)  # T0 is 09:30; the door opens at 09:00, closes at 12:00
    if side is None:
        assert w.scan(code)["status"] == V.OK
        return
    refusal = w.refused(code)
    assert (refusal.reason, refusal.variant, refusal.details["side"]) == (V.INVALID_TIME, side, side)


def test_an_offline_scan_is_judged_by_its_own_time(w):
    code = w.issue()
    w.clock.advance(hours=1, minutes=20)  # 10:50: the device's last exchange with the server
    mark = w.marks.issue(STEWARD.holder, w.clock.now())
    w.clock.advance(hours=4)  # uploaded after the end
    got = w.scan(code, scanned_at=w.clock.now().replace(hour=11), online_mark=mark)
    assert got["status"] == V.OK and got["checked_in_at"].startswith("2026-05-30T11:")


def test_a_moved_activity_is_judged_by_its_new_time(w):
    code = w.issue()
    w.activities.put_activity(
        activity(starts_at="2026-05-30T14:00:00+00:00", ends_at="2026-05-30T16:00:00+00:00")
    )
    assert w.refused(code).variant == V.TOO_EARLY


def test_gates_count_their_own_people(w):
    w.scan(w.issue("r1", party=2), gate="1号门")
    w.scan(w.issue("r2", party=3), gate="2号门")
    assert w.door.gates == {("imax-0530", "1号门"): 2, ("imax-0530", "2号门"): 3}


def test_a_ticket_the_projection_has_not_seen_is_admitted_and_noted(w):
    code = w.tickets.add(ticket("r-new"))
    assert w.scan(code)["registration"]["name_masked"] == ""
    assert w.door.unseen == {("imax-0530", "r-new")}


def test_an_activity_of_another_venue_is_not_visible(w):
    with pytest.raises(Refusal) as err:
        usecases.visible_activity("imax-0530", Staff("s", "other"), activities=w.activities)
    assert err.value.reason == V.FORBIDDEN
    with pytest.raises(Refusal) as err:
        usecases.visible_activity("nope", ORGANIZER, activities=w.activities)
    assert err.value.reason == V.UNKNOWN_ACTIVITY
