"""Notify tells each lottery entrant their outcome once (issue 15 §1): LotteryEntryWon /
LotteryEntryWaitlisted send a message; the registration the draw makes sends none."""

from __future__ import annotations

import pytest

from services.notify import vocabulary as V
from services.notify.delivery import messages
from tests.unit.test_notify_messages import ACTIVITY
from tests.unit.test_notify_usecases import event, registration, world


def outcome(kind, n, entry="e1", position=1, **extra):
    return event(
        kind,
        n,
        entry_id=entry,
        activity_id="a1",
        position=position,
        party_size=2,
        name="张三",
        phone="13800000001",
        email=None,
        locale="zh-CN",
        manage_url="http://x/me",
        **extra,
    )


def test_a_winner_is_told_once_and_the_registration_made_from_it_sends_nothing(world):
    notices = world.notices
    assert notices.handle(outcome("LotteryEntryWon", 1)) == 1
    assert notices.handle(outcome("LotteryEntryWon", 1)) == 0  # redelivered
    made = registration("RegistrationConfirmed", 2, lottery_entry_id="e1", status="confirmed")
    assert notices.handle(made) == 0
    assert world.templates("e1", "r1") == [V.LOTTERY_WON_TEMPLATE]
    assert world.reminded() == {("a1", "r1")}  # a ticket holder is still reminded


def test_a_waitlisted_entrant_is_told_the_position_and_a_later_promotion_is_told(world):
    notices = world.notices
    notices.handle(outcome("LotteryEntryWaitlisted", 1, position=3))
    notices.handle(registration("RegistrationWaitlisted", 2, lottery_entry_id="e1", waitlist_position=3))
    notices.handle(registration("WaitlistPromoted", 3, lottery_entry_id="e1"))
    assert world.templates("e1", "r1") == [V.LOTTERY_WAITLISTED_TEMPLATE, V.PROMOTED_TEMPLATE]
    (first, _) = world.intents("e1", "r1")
    assert first["context"]["waitlist_position"] == 3


def test_an_ordinary_registration_still_gets_its_confirmation(world):
    world.notices.handle(registration("RegistrationConfirmed", 1))
    assert world.templates() == [V.CONFIRMED_TEMPLATE]


def intent(template, locale, **ctx):
    reg = {
        "registration_id": "e1",
        "name": "张三",
        "party_size": 2,
        "locale": locale,
        "manage_url": "http://x/me",
    }
    return {"template": template, "locale": locale, "reg": reg, "context": ctx}


@pytest.mark.parametrize(
    ("locale", "confirm", "says"),
    [("zh-CN", 0, "电子票见"), ("zh-CN", 24, "24小时内"), ("en", 0, "Your ticket"), ("en", 24, "24 hours")],
)
def test_the_won_message_says_whether_to_confirm(locale, confirm, says):
    values = messages.variables(intent("lottery_won", locale, entry_id="e1", confirm_hours=confirm), ACTIVITY)
    text = messages.render("lottery_won", "sms", locale, values).text
    assert says in text and "e1" in text and "http://x/me" in text


@pytest.mark.parametrize(
    ("locale", "channel", "named"),
    [("zh-CN", "sms", "在第1轮中签"), ("en", "sms", "in round 1"), ("zh-CN", "email", "在第 1 轮中签"),
     ("en", "email", "won seats in round 1")],
)  # fmt: skip
def test_a_round_1_win_names_the_round_when_the_group_has_more_than_one(locale, channel, named):
    """Issue 27: a group of two rounds names round 1 in the win; a group of one round, a v1 lottery
    and seats handed on from the waitlist after the rounds (round = rounds + 1) do not."""

    def text(**ctx):
        values = messages.variables(intent("lottery_won", locale, entry_id="e1", **ctx), ACTIVITY)
        return messages.render("lottery_won", channel, locale, values).text

    assert named in text(round=1, rounds=2)
    assert named.replace("1", "2") in text(round=2, rounds=2)
    for unnamed in ({"round": 1, "rounds": 1}, {"round": 3, "rounds": 2}, {}):
        assert "轮" not in text(**unnamed) and "round" not in text(**unnamed)


def test_the_waitlisted_message_gives_the_drawn_position():
    values = messages.variables(
        intent("lottery_waitlisted", "zh-CN", entry_id="e1", waitlist_position=7), ACTIVITY
    )
    text = messages.render("lottery_waitlisted", "sms", "zh-CN", values).text
    assert "候补第7位" in text and "/t/" not in text
