"""A lottery entrant promoted after a winner forfeits is told (i18k, issue 15 §1's leftover).

With confirmation, a winner who lets the time pass forfeits and the seat passes to the next party
on the draw's waitlist (``lottery.pass_on``); that party heard "waitlisted" with the outcomes and
must now confirm in time, so it is told it holds seats: one more LotteryEntryWon, once, after the
outcomes.  The scheduler's step on the Redis store and its Lua; notify's side on its fakes."""

from __future__ import annotations

import pytest

from services.notify import vocabulary as NV
from services.registration.lottery import draw as lot
from services.registration.lottery.store import LotteryStore
from tests.unit.registration_ports import stream_events
from tests.unit.test_notify_lottery import outcome
from tests.unit.test_notify_usecases import world  # a fixture

AID = "imax-lot"
T0 = 1_800_000_000.0


@pytest.fixture
def lotteries(store_settings, store_redis):
    return LotteryStore(store_redis, store_settings)


def drawn_with_confirmation(lotteries, n=3, capacity=1, confirm_hours=2):
    lot.open_lottery(lotteries, lot.Lottery(AID, capacity, T0, T0 + 3600, T0 + 7200, confirm_hours, 4))
    for i in range(n):
        lot.enter(lotteries, AID, holders=[f"phone:{i}"], entry={"party_size": 1}, now=T0 + 1)
    lot.draw_due(lotteries, now=T0 + 7200, settle=lambda aid: False)
    return lotteries, lotteries.get_draw(AID)


def events(lotteries) -> list[tuple[str, str, dict]]:
    return stream_events(lotteries.redis, lotteries.outbox)


def told(lotteries) -> list[tuple[str, str]]:
    return [
        (kind, data["entry_id"]) for kind, _aid, data in events(lotteries) if kind.startswith("LotteryEntry")
    ]


def test_the_entrant_promoted_after_a_forfeit_is_told_it_won_once(lotteries):
    lotteries, d = drawn_with_confirmation(lotteries)
    (winner,), (first, second) = d.winners, d.waitlist
    assert told(lotteries) == [
        ("LotteryEntryWon", winner),
        ("LotteryEntryWaitlisted", first),
        ("LotteryEntryWaitlisted", second),
    ]
    late = T0 + 7200 + 3 * 3600  # the winner let the 2 hours pass
    lot.draw_due(lotteries, now=late, settle=lambda aid: False)
    lot.draw_due(lotteries, now=late + 60, settle=lambda aid: False)  # the next round tells nobody again
    assert told(lotteries)[3:] == [("LotteryEntryWon", first)]
    (_kind, _aid, data) = events(lotteries)[-1]
    assert data["position"] == 2  # the second party seated: after the drawn winner


def test_each_forfeit_in_turn_tells_the_next_promoted_entrant(lotteries):
    lotteries, d = drawn_with_confirmation(lotteries)
    first, second = d.waitlist
    lot.draw_due(lotteries, now=T0 + 7200 + 3 * 3600, settle=lambda aid: False)
    lot.draw_due(lotteries, now=T0 + 7200 + 6 * 3600, settle=lambda aid: False)  # first forfeits too
    assert told(lotteries)[3:] == [("LotteryEntryWon", first), ("LotteryEntryWon", second)]


def test_without_confirmation_nobody_forfeits_and_nothing_more_is_told(lotteries):
    lotteries, _d = drawn_with_confirmation(lotteries, confirm_hours=0)
    lot.draw_due(lotteries, now=T0 + 7200 + 3 * 3600, settle=lambda aid: False)
    assert len(told(lotteries)) == 3


def test_notify_sends_the_promoted_entrant_the_won_message_after_the_waitlisted_one(world):
    notices = world.notices
    assert notices.handle(outcome("LotteryEntryWaitlisted", 1, position=1)) == 1
    assert notices.handle(outcome("LotteryEntryWon", 2, position=2, confirm_hours=2)) == 1
    assert notices.handle(outcome("LotteryEntryWon", 2, position=2, confirm_hours=2)) == 0  # redelivered
    assert world.templates("e1") == [NV.LOTTERY_WAITLISTED_TEMPLATE, NV.LOTTERY_WON_TEMPLATE]
    (_, won) = world.intents("e1")
    assert won["context"]["confirm_hours"] == 2
