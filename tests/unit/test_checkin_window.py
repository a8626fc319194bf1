"""Issue 25: "check-in opens 60 minutes before the start" is one setting
(Settings.checkin_opens_before_min) and one rule (shared/tickets.checkin_window): the window
registration signs into a ticket and the window the door judges by move together."""

from __future__ import annotations

from datetime import datetime

from services.checkin.door import admission, usecases
from services.registration.catalogue import activities
from shared.config import load

DOC = {"starts_at": "2026-12-07T10:00:00+08:00", "ends_at": "2026-12-07T12:00:00+08:00"}
START, END = (int(datetime.fromisoformat(DOC[k]).timestamp()) for k in ("starts_at", "ends_at"))


def _windows(opens_before_min: int) -> tuple[tuple[int, int], tuple[int, int]]:
    s = load({"checkin_opens_before_min": opens_before_min}, environ={})
    signed = activities.ticket_window(DOC, s.checkin_opens_before_min)
    judged = admission.window(DOC, None, usecases.TimePolicy.from_settings(s).opens_before_min)
    return signed, judged


def test_the_signed_and_the_judged_window_open_an_hour_before_by_default():
    assert load(environ={}).checkin_opens_before_min == 60
    assert _windows(60) == ((START - 3600, END), (START - 3600, END))


def test_one_setting_moves_both_windows():
    assert _windows(30) == ((START - 1800, END), (START - 1800, END))
