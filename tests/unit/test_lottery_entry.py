"""The lottery wired end to end on the Redis stores and their Lua (issue 15 §1): allocation per activity,
entering as a person does, and the draw becoming registrations exactly once."""

from __future__ import annotations

import threading

import pytest

from services.registration import vocabulary as v
from services.registration.access import fair as fair_access
from services.registration.access import identity
from services.registration.access.fair import FairPolicy
from services.registration.lottery import draw as lot
from services.registration.lottery import entry as lottery_entry
from services.registration.noshow import record as noshow
from services.registration.seats import publishing, usecases
from shared import events
from tests.fair_support import member
from tests.unit.registration_ports import event_types, lottery_store, noshow_store, outbox, stream_events
from tests.unit.registration_scenarios import activity_doc

AID = "imax-lot"
SECRET = b"k" * 32


def wired(new_ports, capacity=4, confirm_hours=0, real_name=True):
    """Registration ports and the lottery store on Redis (``new_ports``: the fixture)."""
    ports = new_ports()
    ports.fair = FairPolicy(
        id_per_day=0, id_per_festival=0, rate_limit_phone_per_min=0, rate_limit_id_per_min=0
    )
    ports.secret = SECRET
    doc = activity_doc(ports, AID, capacity=capacity, allocation=v.LOTTERY, real_name=real_name)
    publishing.publish_activity(ports, doc)
    lotteries = lottery_store(ports)
    now = ports.clock.now().timestamp()
    lot.open_lottery(
        lotteries,
        lot.Lottery(AID, capacity, now - 60, now + 3600, now + 7200, confirm_hours, 4),
    )
    return ports, lotteries


def form(i, party=1, **over):
    out = {"name": "张三", "party_size": party, "members": [member(i * 10 + k) for k in range(party)]}
    out.update(over)
    return out


def phone(i):
    return f"139{i:08d}"


def enter(ports, lotteries, i, party=1, **over):
    return lottery_entry.enter(
        ports, lotteries, AID, form(i, party, **over), session_phone=phone(i), locale="zh-CN"
    )


def drawn(ports, lotteries):
    ports.clock.advance(hours=2)
    return lot.draw(lotteries, AID, now=ports.clock.now().timestamp())


# -- allocation ---------------------------------------------------------------------------------
def test_a_lottery_activity_refuses_the_ordinary_booking(new_ports):
    ports, _lotteries = wired(new_ports)
    with pytest.raises(v.Refusal) as exc:
        usecases.register(ports, AID, form(1), session_phone=phone(1))
    assert exc.value.reason == v.LOTTERY_ALLOCATION


def test_an_fcfs_activity_is_not_entered(new_ports):
    ports, lotteries = wired(new_ports)
    publishing.publish_activity(ports, activity_doc(ports, "fcfs-act"))
    assert publishing.activity(ports, "fcfs-act")[0].get("allocation", v.FCFS) == v.FCFS
    with pytest.raises(v.Refusal) as exc:
        lottery_entry.enter(ports, lotteries, "fcfs-act", form(1), session_phone=phone(1))
    assert exc.value.reason == v.UNKNOWN_ACTIVITY


# -- entering -----------------------------------------------------------------------------------
def test_entering_needs_the_verified_phone(new_ports):
    ports, lotteries = wired(new_ports)
    with pytest.raises(v.Refusal) as exc:
        lottery_entry.enter(ports, lotteries, AID, form(1), session_phone=None)
    assert exc.value.reason == v.PHONE_NOT_VERIFIED


def test_the_entry_takes_the_sessions_phone_and_the_real_name_members(new_ports):
    ports, lotteries = wired(new_ports)
    out = enter(ports, lotteries, 1, party=2)
    entry = lotteries.entry(AID, out["entry_id"])
    assert entry["phone"] == phone(1)
    assert [m["id_type"] for m in entry["record"]["members"]] == ["resident_id", "resident_id"]
    assert len(entry["fair"]["ids"]) == 2
    assert out["draw_at"] == lotteries.settings(AID).draw_at


def test_a_real_name_party_must_name_every_member(new_ports):
    ports, lotteries = wired(new_ports)
    with pytest.raises(v.Refusal) as exc:
        lottery_entry.enter(
            ports, lotteries, AID, form(1, party=2, members=[member(5)]), session_phone=phone(1)
        )
    assert exc.value.reason == v.ID_INVALID


def test_one_entry_per_phone_and_per_id(new_ports):
    ports, lotteries = wired(new_ports)
    first = enter(ports, lotteries, 1)
    with pytest.raises(lot.Refusal) as again:
        enter(ports, lotteries, 1)
    assert (again.value.reason, again.value.details) == (v.ALREADY_ENTERED, {})
    assert first["entry_id"]
    with pytest.raises(lot.Refusal) as same_id:  # another phone, the same person's ID
        lottery_entry.enter(ports, lotteries, AID, form(1), session_phone=phone(2))
    assert same_id.value.reason == v.ALREADY_ENTERED


def test_a_member_whose_id_is_locked_for_no_shows_cannot_enter(new_ports):
    """The lock check uses the entry's holders: the phone's key and each member's ID."""
    ports, lotteries = wired(new_ports)
    ports.noshow, ports.noshow_policy = (
        noshow_store(ports),
        noshow.Policy(marks_to_lock=1, window_days=90, lock_days=60),
    )
    locked_member = form(7)["members"][0]
    holder = "id:" + identity.id_hash(SECRET, locked_member["id_type"], locked_member["id_number"])
    now = ports.clock.now().timestamp()
    ports.noshow.add_mark(noshow.Mark("m1", holder, "r1", "other", "not_admitted", now - 86400), None)
    enter(ports, lotteries, 1)  # someone else enters
    with pytest.raises(v.Refusal) as exc:
        enter(ports, lotteries, 7)
    assert exc.value.reason == v.NOSHOW_LOCKED


# -- the draw becomes registrations -------------------------------------------------------------
def test_winners_become_confirmed_registrations_and_the_rest_wait_in_drawn_order(new_ports):
    ports, lotteries = wired(new_ports, capacity=4)
    ids = [enter(ports, lotteries, i, party=p)["entry_id"] for i, p in enumerate([2, 2, 1, 3, 2, 1])]
    d = drawn(ports, lotteries)
    lottery_entry.register_outcomes(ports, lotteries, AID)
    regs = {e: ports.seats.get_registration(lottery_entry.registration_id(AID, e)) for e in ids}
    assert [e for e in d.seated if regs[e]["status"] == v.CONFIRMED] == d.seated
    assert all(regs[e]["status"] == v.WAITLISTED for e in d.waiting)
    positions = [ports.seats.waitlist_position(AID, lottery_entry.registration_id(AID, e)) for e in d.waiting]
    assert positions == list(range(1, len(d.waiting) + 1))
    got = publishing.activity(ports, AID)[1]
    assert int(got["taken"]) == sum(d.party_sizes[e] for e in d.seated) <= 4
    winner = regs[d.seated[0]]
    assert winner["ticket_code"] and winner["members"] and winner["lottery_entry_id"] == d.seated[0]
    owner = fair_access.owner_ref(SECRET, winner["phone"])
    mine = [r["registration_id"] for r in ports.seats.registrations_of(owner)]
    assert winner["registration_id"] in mine


def test_registering_the_draw_again_writes_nothing_new(new_ports):
    ports, lotteries = wired(new_ports, capacity=3)
    for i in range(6):
        enter(ports, lotteries, i)
    drawn(ports, lotteries)
    first = lottery_entry.register_outcomes(ports, lotteries, AID)
    written = len(outbox(ports))
    again = lottery_entry.register_outcomes(ports, lotteries, AID)
    assert first == {v.CONFIRMED: 3, v.WAITLISTED: 3}
    assert again == {v.REPLAY: 6}
    assert len(outbox(ports)) == written


def test_racing_registrars_and_a_crash_in_the_middle_never_oversell(new_ports):
    ports, lotteries = wired(new_ports, capacity=5)
    for i, p in enumerate([2, 1, 3, 1, 2, 2, 1, 1]):
        enter(ports, lotteries, i, party=p)
    d = drawn(ports, lotteries)
    # A registrar that dies after two parties: the rest is written by the next run.
    todo = lottery_entry.to_register(d, lotteries.settings(AID))
    real = lotteries.register_many

    def dies_after_two(items, now):
        real(items[:2], now)
        raise RuntimeError("crash")

    lotteries.register_many = dies_after_two
    with pytest.raises(RuntimeError):
        lottery_entry.register_outcomes(ports, lotteries, AID)
    lotteries.register_many = real
    written = [t for t in event_types(ports) if t.startswith("Registration")]
    assert len(written) == 2  # two parties were written before the crash
    threads = [
        threading.Thread(target=lottery_entry.register_outcomes, args=(ports, lotteries, AID))
        for _ in range(4)
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    types = event_types(ports)
    assert types.count(events.REGISTRATION_CONFIRMED) == len(d.seated)
    assert types.count(events.REGISTRATION_WAITLISTED) == len(d.waiting)
    assert len(todo) == len(d.order)
    assert int(publishing.activity(ports, AID)[1]["taken"]) <= 5
    rids = [lottery_entry.registration_id(AID, e) for e in d.waiting]
    assert [ports.seats.waitlist_position(AID, r) for r in rids] == list(range(1, len(rids) + 1))


def test_a_seat_freed_later_goes_to_the_first_drawn_waiting_party_that_fits(new_ports):
    ports, lotteries = wired(new_ports, capacity=2)
    for i in range(4):
        enter(ports, lotteries, i)
    d = drawn(ports, lotteries)
    lottery_entry.register_outcomes(ports, lotteries, AID)
    gone = ports.seats.get_registration(lottery_entry.registration_id(AID, d.seated[0]))
    usecases.cancel(ports, gone["registration_id"], gone["manage_token"])
    first_waiting = ports.seats.get_registration(lottery_entry.registration_id(AID, d.waiting[0]))
    assert first_waiting["status"] == v.CONFIRMED
    assert event_types(ports)[-1] == events.WAITLIST_PROMOTED


def test_the_registration_events_say_they_come_from_the_lottery(new_ports):
    ports, lotteries = wired(new_ports, capacity=1)
    for i in range(2):
        enter(ports, lotteries, i)
    drawn(ports, lotteries)
    lottery_entry.register_outcomes(ports, lotteries, AID)
    made = [e["envelope"] for e in outbox(ports) if e["envelope"]["type"].startswith("Registration")]
    assert len(made) == 2 and all(e["data"]["lottery_entry_id"] for e in made)
    for e in made:
        assert events.validate_data(e["type"], e["version"], e["data"])["lottery_entry_id"]


def test_with_confirmation_a_winner_is_registered_once_confirmed_and_the_waitlist_after_all_settle(new_ports):
    ports, lotteries = wired(new_ports, capacity=2, confirm_hours=2)
    for i in range(4):
        enter(ports, lotteries, i)
    d = drawn(ports, lotteries)
    assert lottery_entry.settle(ports, lotteries, AID) is False
    assert ports.seats.get_registration(lottery_entry.registration_id(AID, d.seated[0])) is None
    lot.confirm(lotteries, AID, d.seated[0], now=ports.clock.now().timestamp())
    assert lottery_entry.settle(ports, lotteries, AID) is False
    assert (
        ports.seats.get_registration(lottery_entry.registration_id(AID, d.seated[0]))["status"] == v.CONFIRMED
    )
    assert ports.seats.get_registration(lottery_entry.registration_id(AID, d.waiting[0])) is None
    ports.clock.advance(hours=3)  # the second winner let the time pass; the seat passes on
    promoted = lot.expire(lotteries, AID, now=ports.clock.now().timestamp())
    assert promoted == [d.waiting[0]]
    lot.confirm(lotteries, AID, promoted[0], now=ports.clock.now().timestamp())
    assert lottery_entry.settle(ports, lotteries, AID) is True
    statuses = {
        e: (ports.seats.get_registration(lottery_entry.registration_id(AID, e)) or {}).get("status")
        for e in d.order
    }
    assert statuses[d.seated[0]] == statuses[promoted[0]] == v.CONFIRMED
    assert statuses[d.seated[1]] is None  # forfeited: no registration
    assert statuses[d.waiting[1]] == v.WAITLISTED


def test_the_scheduler_registers_then_tells_and_is_done_once(new_ports):
    ports, lotteries = wired(new_ports, capacity=2)
    for i in range(3):
        enter(ports, lotteries, i)
    ports.clock.advance(hours=2)
    now = ports.clock.now().timestamp()

    def settle(aid):
        return lottery_entry.settle(ports, lotteries, aid)

    assert lot.draw_due(lotteries, now=now, settle=settle) == [AID]
    assert lot.draw_due(lotteries, now=now, settle=settle) == []
    told = [
        t for t, _a, _d in stream_events(lotteries.redis, lotteries.outbox) if t.startswith("LotteryEntry")
    ]
    assert len(told) == 3
    assert event_types(ports).count(events.REGISTRATION_CONFIRMED) == 2


def test_my_entries_show_the_draw_time_then_the_outcome(new_ports):
    ports, lotteries = wired(new_ports, capacity=1)
    out = enter(ports, lotteries, 1)
    enter(ports, lotteries, 2)
    ref = fair_access.owner_ref(SECRET, phone(1))
    before = lottery_entry.my_entries(ports, lotteries, ref)
    assert [(i["entry_id"], i["outcome"]) for i in before] == [(out["entry_id"], None)]
    drawn(ports, lotteries)
    lottery_entry.register_outcomes(ports, lotteries, AID)
    after = lottery_entry.my_entries(ports, lotteries, ref)[0]
    assert after["outcome"] in ("won", v.WAITLISTED) and after["position"] == 1
    assert after["registration_id"] == lottery_entry.registration_id(AID, out["entry_id"])


def test_entering_after_the_window_is_refused(new_ports):
    ports, lotteries = wired(new_ports)
    ports.clock.advance(hours=1, minutes=1)
    with pytest.raises(lot.Refusal) as exc:
        enter(ports, lotteries, 1)
    assert exc.value.reason == v.LOTTERY_CLOSED


def test_the_consent_given_on_the_entry_form_stays_with_the_registration_the_draw_makes(new_ports):
    ports, lotteries = wired(new_ports, capacity=4)
    proof = {
        "given_at": "2030-03-01T10:00:00+08:00",
        "notice": "sha256:0123456789abcdef",
        "scope": "real_name",
    }
    with_form = enter(ports, lotteries, 1, consent=proof)["entry_id"]
    by_api = enter(ports, lotteries, 2)["entry_id"]  # the API asks no consent: no proof to keep
    drawn(ports, lotteries)
    lottery_entry.register_outcomes(ports, lotteries, AID)
    reg = ports.seats.get_registration(lottery_entry.registration_id(AID, with_form))
    assert reg["consent"] == proof
    assert "consent" not in ports.seats.get_registration(lottery_entry.registration_id(AID, by_api))
