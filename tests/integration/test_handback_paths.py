"""Issue 27 item 3 on real Redis and the real Lua, one test a path that frees seats: a registrant
cancels (cancel.lua), a member is dropped (drop_member.lua), the organizer changes the activity
(capacity.lua), and a lottery activity's drawn registrations (lottery_register.lua, then the seat
scripts). A handed-back seat goes to the first waiting party when there is one; else it stays
handed back, never open to ``register``. The drill under racing threads: test_handback_drill.py."""

from __future__ import annotations

import pytest

from services.registration import vocabulary as v
from services.registration.access.fair import FairPolicy
from services.registration.catalogue import activities
from services.registration.lottery import draw as lot
from services.registration.lottery import entry as lottery_entry
from services.registration.seats import publishing, usecases
from tests.fair_support import member
from tests.unit.registration_ports import lottery_store, redis_ports
from tests.unit.registration_scenarios import activity_doc

FORM = {"name": "张三", "email": None, "organization": "沈阳分院"}


@pytest.fixture
def ports(store_settings, store_redis):
    return redis_ports(store_settings, store_redis)


def book(ports, aid: str, n: int, party: int = 1) -> dict:
    return usecases.register(ports, aid, dict(FORM, phone=f"1390000{n:04d}", party_size=party))


def friend_refused(ports, aid: str, n: int = 9999) -> str:
    with pytest.raises(v.Refusal) as err:
        book(ports, aid, n)
    return err.value.reason


def seats(ports, aid: str) -> tuple[int, int, int]:
    """(seats_left, seats_handed_back, seats_taken) as the activity's view shows them."""
    shown = activities.view(*publishing.activity(ports, aid))
    return shown["seats_left"], shown["seats_handed_back"], shown["seats_taken"]


def status(ports, reg: dict) -> str:
    got = ports.seats.get_registration(reg["registration_id"])
    assert got is not None
    return got["status"]


def test_a_cancelled_seat_goes_to_the_first_waiting_party_and_never_to_a_newcomer(ports):
    publishing.publish_activity(ports, activity_doc(ports, "hb", capacity=2, handback=v.HANDBACK_WAITLIST))
    holder, _other = book(ports, "hb", 1), book(ports, "hb", 2)
    waiting = book(ports, "hb", 3)
    assert waiting["status"] == v.WAITLISTED
    usecases.cancel(ports, holder["registration_id"], holder["manage_token"])
    assert status(ports, waiting) == v.CONFIRMED  # the seat went to the waitlist's head
    assert seats(ports, "hb") == (0, 0, 2)


def test_a_cancelled_seat_nobody_waits_for_stays_handed_back(ports):
    doc = activity_doc(
        ports, "hb", capacity=3, max_party_size=2, waitlist={"enabled": False}, handback=v.HANDBACK_WAITLIST
    )
    publishing.publish_activity(ports, doc)
    holder = book(ports, "hb", 1, party=2)
    book(ports, "hb", 2)
    usecases.cancel(ports, holder["registration_id"], holder["manage_token"])
    assert seats(ports, "hb") == (0, 2, 1)
    assert friend_refused(ports, "hb") == v.SOLD_OUT


def test_a_newcomer_on_a_waitlist_takes_handed_back_seats_only_through_the_line(ports):
    publishing.publish_activity(ports, activity_doc(ports, "hb", capacity=2, handback=v.HANDBACK_WAITLIST))
    holder = book(ports, "hb", 1)
    book(ports, "hb", 2)
    usecases.cancel(ports, holder["registration_id"], holder["manage_token"])
    late = book(ports, "hb", 3)  # the seat is handed back: the newcomer is not seated but waits
    assert late["status"] == v.WAITLISTED
    assert seats(ports, "hb") == (0, 1, 1)
    assert publishing.promote(ports, "hb") == 1  # promotion gives the handed-back seat to the line
    assert status(ports, late) == v.CONFIRMED
    assert seats(ports, "hb") == (0, 0, 2)


@pytest.mark.parametrize(
    ("handback", "after", "friend"),
    [(v.HANDBACK_WAITLIST, (0, 1, 2), None), (v.HANDBACK_POOL, (1, 0, 2), v.CONFIRMED)],
)
def test_a_dropped_members_seat_is_handed_back_or_given_to_the_pool(ports, handback, after, friend):
    doc = activity_doc(ports, "hb", capacity=3, waitlist={"enabled": False}, handback=handback)
    publishing.publish_activity(ports, doc)
    family = book(ports, "hb", 1, party=3)
    usecases.drop_member(ports, family["registration_id"], family["manage_token"])
    assert seats(ports, "hb") == after
    if friend is None:
        assert friend_refused(ports, "hb") == v.SOLD_OUT
    else:
        assert book(ports, "hb", 2)["status"] == friend


def test_the_default_follows_the_allocation(store_settings, store_redis):
    ports = redis_ports(store_settings.with_overrides(handback_fcfs="waitlist"), store_redis)
    publishing.publish_activity(ports, activity_doc(ports, "hb", capacity=1, waitlist={"enabled": False}))
    holder = book(ports, "hb", 1)
    usecases.cancel(ports, holder["registration_id"], holder["manage_token"])
    assert seats(ports, "hb") == (0, 1, 0)
    assert friend_refused(ports, "hb") == v.SOLD_OUT


def test_the_organizer_switching_to_pool_reopens_them_and_less_capacity_cuts_them(ports):
    doc = activity_doc(ports, "hb", capacity=4, waitlist={"enabled": False}, handback=v.HANDBACK_WAITLIST)
    publishing.publish_activity(ports, doc)
    regs = [book(ports, "hb", n) for n in range(4)]
    for reg in regs[:3]:
        usecases.cancel(ports, reg["registration_id"], reg["manage_token"])
    assert seats(ports, "hb") == (0, 3, 1)
    publishing.change_activity(ports, "hb", {"capacity": 2})  # two seats fewer: two handed back less
    assert seats(ports, "hb") == (0, 1, 1)
    publishing.change_activity(ports, "hb", {"handback": v.HANDBACK_POOL})  # the organizer's choice
    assert seats(ports, "hb") == (1, 0, 1)


# -- a lottery activity: handed back by default, to the draw's order ---------------------------
AID = "lot-hb"


def drawn_lottery(ports, capacity: int, parties: list[int]):
    """A lottery (no confirmation) drawn and settled: ``parties`` entered, in any order."""
    ports.fair = FairPolicy(
        id_per_day=0, id_per_festival=0, rate_limit_phone_per_min=0, rate_limit_id_per_min=0
    )
    ports.secret = b"k" * 32
    publishing.publish_activity(ports, activity_doc(ports, AID, capacity=capacity, allocation=v.LOTTERY))
    lotteries = lottery_store(ports)
    now = ports.clock.now().timestamp()
    lot.open_lottery(lotteries, lot.Lottery(AID, capacity, now - 60, now + 3600, now + 7200, 0, 4))
    for i, party in enumerate(parties):
        body = {"name": "张三", "party_size": party, "members": [member(i * 10 + k) for k in range(party)]}
        lottery_entry.enter(ports, lotteries, AID, body, session_phone=f"1380000{i:04d}", locale="zh-CN")
    ports.clock.advance(hours=2)
    d = lot.draw(lotteries, AID, now=ports.clock.now().timestamp())
    lottery_entry.register_outcomes(ports, lotteries, AID)
    return ports, d


def lottery_reg(ports, entry_id: str) -> dict:
    got = ports.seats.get_registration(lottery_entry.registration_id(AID, entry_id))
    assert got is not None
    return got


def test_a_lottery_winners_cancelled_seat_goes_to_the_draws_waitlist(ports):
    ports, d = drawn_lottery(ports, capacity=2, parties=[1, 1, 1])
    assert activities.view(*publishing.activity(ports, AID))["handback"] == v.HANDBACK_WAITLIST  # default
    winner, next_drawn = lottery_reg(ports, d.seated[0]), lottery_reg(ports, d.waiting[0])
    assert next_drawn["status"] == v.WAITLISTED
    usecases.cancel(ports, winner["registration_id"], winner["manage_token"])
    assert lottery_reg(ports, d.waiting[0])["status"] == v.CONFIRMED
    assert seats(ports, AID) == (0, 0, 2)


def test_a_lottery_seat_nobody_waits_for_stays_handed_back_and_is_never_booked(ports):
    ports, d = drawn_lottery(ports, capacity=2, parties=[1, 1])
    winner = lottery_reg(ports, d.seated[0])
    usecases.cancel(ports, winner["registration_id"], winner["manage_token"])
    assert seats(ports, AID) == (0, 1, 1)
    assert friend_refused(ports, AID) == v.LOTTERY_ALLOCATION
