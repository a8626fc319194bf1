"""Issue 16, "The door", and issue 17 items 5 and 6, on the use cases over the real store on Redis:
scan times a token cannot forge, the activity's current venue, gates opened for given
activities, and verdicts that name the day and whose ticket it is."""

from __future__ import annotations

from datetime import timedelta

import pytest
from flask import Flask

from services.checkin import vocabulary as V
from services.checkin.door import gates
from services.checkin.door.usecases import Refusal, Staff
from services.checkin.web import edge
from tests.unit.fakes_checkin import VENUE, activity
from tests.unit.test_door_rules import ORGANIZER, STEWARD, World


@pytest.fixture
def w(store_settings, store_redis) -> World:
    return World(store_settings, store_redis)


# -- scan times ----------------------------------------------------------------------------------
def test_a_scan_time_in_the_future_is_refused(w):
    code = w.issue()
    refusal = w.refused(code, scanned_at=w.clock.now() + timedelta(days=7))
    assert (refusal.reason, refusal.variant) == (V.BAD_SCAN_TIME, V.FUTURE)
    assert w.denials() == [V.BAD_SCAN_TIME] and w.admitted("imax-0530") == {}


def test_a_small_clock_skew_is_tolerated(w):
    got = w.scan(w.issue(), scanned_at=w.clock.now() + timedelta(seconds=20))
    assert got["status"] == V.OK


def test_an_online_scan_is_judged_by_the_servers_clock_not_the_one_it_sends(w):
    # Yesterday's time without an online mark: not an offline upload, so the server's clock counts.
    code = w.issue()
    w.clock.advance(hours=3)  # 12:30: the activity is over
    refusal = w.refused(code, scanned_at=w.clock.now() - timedelta(hours=3))
    assert (refusal.reason, refusal.variant) == (V.INVALID_TIME, V.TOO_LATE)


def test_an_offline_time_before_the_devices_last_online_moment_is_refused(w):
    code = w.issue()
    w.clock.advance(hours=3)  # 12:30: online now, and the activity is over
    mark = w.marks.issue(STEWARD.holder, w.clock.now())
    refusal = w.refused(code, scanned_at=w.clock.now() - timedelta(hours=2), online_mark=mark)
    assert (refusal.reason, refusal.variant) == (V.BAD_SCAN_TIME, V.BEFORE_ONLINE)


def test_an_old_mark_cannot_date_a_scan_back_to_another_day(w):
    code = w.issue()
    mark = w.marks.issue(STEWARD.holder, w.clock.now())
    w.clock.advance(days=1)
    refusal = w.refused(code, scanned_at=w.clock.now() - timedelta(days=1, minutes=-5), online_mark=mark)
    assert (refusal.reason, refusal.variant) == (V.BAD_SCAN_TIME, V.STALE_MARK)


@pytest.mark.parametrize("mark", ["", "forged"])
def test_a_mark_of_another_token_or_a_forged_one_vouches_for_nothing(w, mark):
    code = w.issue()
    given = mark or w.marks.issue("another-token", w.clock.now())
    w.clock.advance(hours=3)
    refusal = w.refused(code, scanned_at=w.clock.now() - timedelta(hours=2, minutes=50), online_mark=given)
    assert (refusal.reason, refusal.variant) == (V.BAD_SCAN_TIME, V.NO_MARK)


# -- the activity's current venue ----------------------------------------------------------------
def test_a_moved_activity_is_admitted_at_its_new_venue_and_refused_at_the_old(w):
    code = w.issue(venue=VENUE)  # signed for the old venue
    w.put_activity(activity(venue="new-venue", venue_name="新馆"))
    assert w.scan(code, staff=Staff("new-steward", "new-venue"))["status"] == V.OK
    code2 = w.issue("r2", venue=VENUE)
    refusal = w.refused(code2)  # STEWARD is at the old venue
    assert refusal.reason == V.WRONG_VENUE and refusal.details["venue_name"] == "新馆"


# -- gates ---------------------------------------------------------------------------------------
def test_a_gate_opened_for_other_activities_refuses_with_its_own_reason(w):
    w.put_activity(activity("lab-0530", title={"zh": "实验秀", "en": "Lab show"}))
    gates.open_gate(STEWARD, "1号门", ["lab-0530"], None, plans=w.store, activities=w.projection)
    code = w.issue()
    refusal = w.refused(code, gate="1号门")
    assert refusal.reason == V.WRONG_GATE and refusal.details["gate_activities"] == ["lab-0530"]
    assert w.scan(code, gate="2号门")["status"] == V.OK  # another gate of the venue takes it
    lab = w.issue("r9", aid="lab-0530")
    assert w.scan(lab, gate="1号门")["status"] == V.OK
    gates.open_gate_to_all(STEWARD, "1号门", None, plans=w.store)
    assert w.scan(w.issue("r3"), gate="1号门")["status"] == V.OK


def test_a_gate_takes_only_activities_of_its_venue(w):
    w.put_activity(activity("far", venue="other-venue"))
    with pytest.raises(Refusal) as err:
        gates.open_gate(STEWARD, "1号门", ["far"], None, plans=w.store, activities=w.projection)
    assert (err.value.reason, err.value.variant) == (V.FORBIDDEN, V.OTHER_VENUE)
    with pytest.raises(Refusal) as err:
        gates.open_gate(ORGANIZER, "1号门", ["nope"], VENUE, plans=w.store, activities=w.projection)
    assert err.value.reason == V.UNKNOWN_ACTIVITY


# -- verdicts that name the day and the ticket (the server's message) ----------------------------
@pytest.fixture
def answer():
    app = Flask(__name__)

    def said(refusal: Refusal, lang: str) -> str:
        with app.test_request_context(headers={"Accept-Language": lang}):
            return edge.answer(refusal).get_json()["message"]

    return said


def test_too_early_for_another_day_names_the_date(w, answer):
    code = w.issue()
    w.clock.advance(days=-2)  # 5月28日 17:30 in Shanghai; the doors open 5月30日 17:00
    refusal = w.refused(code)
    assert answer(refusal, "zh-CN") == "未到入场时间 · 本场在 5月30日 17:00 开始入场"
    assert answer(refusal, "en") == "Too early · Doors open on 30 May at 17:00"


def test_too_early_today_names_the_time_only(w, answer):
    code = w.issue()
    w.clock.advance(minutes=-40)  # 08:50 UTC = 16:50 in Shanghai
    assert answer(w.refused(code), "zh-CN") == "未到入场时间 · 17:00 开始入场"


def test_too_late_names_the_day_it_ended(w, answer):
    code = w.issue()
    w.clock.advance(days=1)
    refusal = w.refused(code)
    assert answer(refusal, "zh-CN") == "入场已结束 · 本场已于 5月30日 20:00 结束"
    assert answer(refusal, "en") == "Check-in has closed · This session ended on 30 May at 20:00"


def test_wrong_venue_names_the_venue_and_the_activity(w, answer):
    w.put_activity(
        activity("planet", title={"zh": "天象厅", "en": "Dome"}, venue="sy-sci", venue_name="沈阳科学宫")
    )
    refusal = w.refused(w.issue(aid="planet", venue="sy-sci"))
    assert answer(refusal, "zh-CN") == "非本场馆 · 此票属于沈阳科学宫「天象厅」"
    assert answer(refusal, "en") == "Ticket is for another venue · This ticket is for Dome at 沈阳科学宫"
