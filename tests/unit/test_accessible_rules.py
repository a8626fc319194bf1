"""Issue 29 item 6 without a server: an organizer's spreadsheet may give the wheelchair places and
companion seats of an activity (轮椅位, 陪同座), read into its quotas (a cell that is not a number is
the cell's error; a sheet without the columns keeps nothing); a full form stays for wheelchair users."""

from __future__ import annotations

from services.registration import vocabulary as v
from services.registration.catalogue import key_rows
from services.registration.catalogue.sheet_columns import key_of
from services.registration.seats.accessible import form_state
from services.registration.web.schemas import ActivityIn
from tests.unit.test_city_list_rules import OPTIONS, row_of

ROW = {"title": "巨幕电影《宇宙》", "time": "2026-12-15 09:30-11:00", "place": "辽宁省科学技术馆"}


def test_the_columns_are_recognised():
    assert key_of("轮椅位", {}, {})[0] == "wheelchair" and key_of("陪同座", {}, {})[0] == "companion"


def test_wheelchair_places_and_companion_seats_become_the_quotas():
    body, errors = key_rows.body_of(row_of(**ROW, wheelchair="4个", companion=4), {}, OPTIONS)
    assert errors == [] and body["quotas"] == {"wheelchair": {"seats": 4}, "companion": {"seats": 4}}
    assert ActivityIn().load(body)["quotas"]["wheelchair"] == {"seats": 4}


def test_a_cell_that_is_no_number_is_its_error_and_no_column_keeps_nothing():
    _, errors = key_rows.body_of(row_of(**ROW, wheelchair="若干"), {}, OPTIONS)
    assert [key for key, _zh, _en in errors] == ["wheelchair"]
    body, errors = key_rows.body_of(row_of(**ROW), {}, OPTIONS)
    assert errors == [] and "quotas" not in body


def test_a_full_activity_keeps_its_form_for_wheelchair_users_while_places_are_kept():
    left = {"wheelchair": 1, "companion": 0}
    assert form_state(v.FORM_FULL, left) == v.FORM_OPEN and left["only"] is True
    assert form_state(v.FORM_FULL, {"wheelchair": 0, "companion": 2}) == v.FORM_FULL
    assert form_state(v.FORM_FULL, None) == v.FORM_FULL
    assert form_state(v.FORM_CLOSED, {"wheelchair": 1, "companion": 0}) == v.FORM_CLOSED
