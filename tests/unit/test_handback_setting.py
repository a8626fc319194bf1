"""Issue 27 item 3: an activity's ``handback`` (where a seat handed back goes), its defaults per
allocation (Settings.handback_fcfs / handback_lottery), the API schema, and what the activity's
view counts as open. The rule itself lives in the seat scripts: tests/integration/test_handback_*.py."""

from __future__ import annotations

from datetime import date

import pytest

from sciday import catalogue
from services.registration import vocabulary as v
from services.registration.catalogue import activities
from services.registration.web.schemas import ActivityIn, ActivityOut, ActivityPatch
from shared.config import Settings, load
from tests.conftest import activity_doc

DEFAULTS = {v.FCFS: v.HANDBACK_POOL, v.LOTTERY: v.HANDBACK_WAITLIST}


def test_the_default_follows_the_allocation_unless_the_activity_says():
    assert activities.handback({"allocation": v.LOTTERY}, DEFAULTS) == v.HANDBACK_WAITLIST
    assert activities.handback({"allocation": v.FCFS}, DEFAULTS) == v.HANDBACK_POOL
    assert activities.handback({}, DEFAULTS) == v.HANDBACK_POOL  # stored before issue 15
    assert (
        activities.handback({"allocation": v.LOTTERY, "handback": v.HANDBACK_POOL}, DEFAULTS)
        == v.HANDBACK_POOL
    )
    assert activities.handback({"handback": v.HANDBACK_WAITLIST}, DEFAULTS) == v.HANDBACK_WAITLIST


def test_the_settings_hold_one_default_per_allocation_and_refuse_other_words(monkeypatch):
    s = Settings()
    assert (s.handback_fcfs, s.handback_lottery) == (v.HANDBACK_POOL, v.HANDBACK_WAITLIST)
    assert load({"handback_fcfs": "waitlist"}).handback_fcfs == v.HANDBACK_WAITLIST
    monkeypatch.setenv("SCIDAY_HANDBACK_LOTTERY", "open")
    with pytest.raises(ValueError, match="SCIDAY_HANDBACK_LOTTERY"):
        load()


def test_the_seat_scripts_are_told_whether_seats_are_held():
    doc = activities.to_doc(activity_doc("hb"))
    assert activities.state(doc, v.HANDBACK_WAITLIST)["handback_held"] == "1"
    assert activities.state(doc, v.HANDBACK_POOL)["handback_held"] == "0"


def test_handed_back_seats_are_not_left_to_book():
    doc = {"capacity": 10, "allocation": v.FCFS}
    # issue 29: seats_left is the seat scripts' seats_open (seats_open.lua over quota.lua), which
    # leaves out the seats handed back (tests/integration/test_handback_drill.py on Redis)
    shown = activities.view(doc, {"taken": 6, "handed_back": 3, "handback_held": 1, "seats_open": 1})
    assert (shown["seats_left"], shown["seats_handed_back"], shown["seats_taken"]) == (1, 3, 6)
    assert shown["handback"] == v.HANDBACK_WAITLIST
    plain = activities.view(doc, {"taken": 6, "seats_open": 4})  # an activity stored before issue 27
    assert (plain["seats_left"], plain["seats_handed_back"], plain["handback"]) == (4, 0, v.HANDBACK_POOL)
    out = ActivityOut().dump(shown)
    assert out["seats_handed_back"] == 3 and out["handback"] == v.HANDBACK_WAITLIST


def test_the_api_takes_waitlist_or_pool_and_nothing_else():
    doc = activity_doc("hb")
    assert "handback" not in ActivityIn().load(doc)  # unset: the default of its allocation
    assert ActivityIn().load(dict(doc, handback="waitlist"))["handback"] == v.HANDBACK_WAITLIST
    assert "handback" in ActivityIn().validate(dict(doc, handback="open"))
    assert ActivityPatch().load({"handback": "pool"}) == {"handback": v.HANDBACK_POOL}


def test_the_demo_catalogue_may_set_it():
    docs = {d["id"]: d for d in catalogue.load_file(catalogue.DEFAULT_PATH, today=date(2031, 3, 14))}
    lottery = [d for d in docs.values() if d.get("allocation") == v.LOTTERY]
    assert lottery and all(d["handback"] == v.HANDBACK_WAITLIST for d in lottery)
    assert len(catalogue.validate(list(docs.values()))) == len(docs)
