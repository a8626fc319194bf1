"""Issue 26: the lottery's times on the organizers' activity form, as the schemas judge them: in
order, said as field rules (in words in each language, not "opens_at < closes_at <= draw_at"),
and drawn before the activity starts."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from services.registration.web.schemas import ActivityIn, ActivityPatch, LotteryIn
from shared.i18n import localize
from tests.conftest import activity_doc

AT = datetime(2031, 5, 30, 19, 0, tzinfo=ZoneInfo("Asia/Shanghai"))  # a fixed time: any hour passes


def times(opens=-72, closes=-30, draw=-26) -> dict:
    return {
        k: (AT + timedelta(hours=h)).isoformat()
        for k, h in (("opens_at", opens), ("closes_at", closes), ("draw_at", draw))
    }


def test_times_in_order_load():
    loaded = LotteryIn().load(dict(times(), confirm_hours=2))
    assert loaded["draw_at"] == AT - timedelta(hours=26) and loaded["confirm_hours"] == 2


def test_entries_closing_before_they_open_is_said_in_words():
    errors = LotteryIn().validate(times(opens=-30, closes=-30))
    assert localize(errors, "en") == {"closes_at": ["Must be after entries open."]}
    assert localize(errors, "zh-CN") == {"closes_at": ["须晚于摇号报名开始时间"]}


def test_a_draw_before_entries_close_is_said_in_words():
    errors = LotteryIn().validate(times(closes=-20, draw=-21))
    assert localize(errors, "en") == {"draw_at": ["Must not be before entries close."]}


def test_the_draw_comes_before_the_activity_starts():
    doc = activity_doc("lot-form", starts_at=AT.isoformat(), ends_at=(AT + timedelta(hours=1)).isoformat(),
                       registration_closes_at=(AT - timedelta(hours=2)).isoformat(), allocation="lottery")  # fmt: skip
    assert "lottery" not in ActivityIn().validate(dict(doc, lottery=times()))
    late = ActivityIn().validate(dict(doc, lottery=times(draw=1)))
    assert localize(late["lottery"], "en") == {"draw_at": ["Must not be after the activity starts."]}
    assert ActivityPatch().validate({"lottery": times(draw=1)}) == {}  # the stored start: the view
    assert ActivityPatch().validate({"lottery": times(), "real_name": True}) == {}
