"""A lottery group's round told in the party's language (issue 27): not drawn in round 1 of 2
says that round 2 is to come; not drawn in the last round gives the waitlist place as before."""

from __future__ import annotations

import re

import pytest

from services.notify.delivery import messages
from tests.unit.test_notify_lottery import intent
from tests.unit.test_notify_messages import ACTIVITY


@pytest.mark.parametrize("channel", ["sms", "email"])
@pytest.mark.parametrize(("locale", "says"), [("zh-CN", "第 ?2 ?轮"), ("en", "round 2")])
def test_not_drawn_in_round_one_of_two_is_told_round_two_is_to_come(channel, locale, says):
    ctx = {"entry_id": "e1", "waitlist_position": 3, "round": 1, "rounds": 2}
    values = messages.variables(intent("lottery_waitlisted", locale, **ctx), ACTIVITY)
    text = messages.render("lottery_waitlisted", channel, locale, values).text
    assert re.search(says, text) and "e1" in text
    assert "候补第" not in text and "on the waitlist" not in text


@pytest.mark.parametrize("locale", ["zh-CN", "en"])
def test_not_drawn_in_the_last_round_gives_the_waitlist_place(locale):
    ctx = {"entry_id": "e1", "waitlist_position": 3, "round": 2, "rounds": 2}
    values = messages.variables(intent("lottery_waitlisted", locale, **ctx), ACTIVITY)
    text = messages.render("lottery_waitlisted", "sms", locale, values).text
    assert ("候补第3位" if locale == "zh-CN" else "number 3 on the waitlist") in text
