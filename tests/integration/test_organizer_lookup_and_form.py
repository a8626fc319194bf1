"""Issue 26 item 5 on real Redis: the organizers' no-show lookup by phone (with the IDs it booked)
and by ID number, with activity titles; the forgiveness log; and the activity form's lottery
times, opened with the activity and validated by the same schemas."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from services.registration.noshow.worker import build_flow
from tests.conftest import activity_doc
from tests.fair_support import member, resident_id
from tests.integration.test_checkin_api import TZ, door, soon, verdict
from tests.integration.test_noshow_wiring import P, outbox

LOOKUP = "/api/v1/noshow/lookups"


def _late_cancelled_family(door, settings, redis):
    """A real-name family of two booked by P and cancelled 30 minutes before the start: two marks,
    one on each member's ID, none on the phone."""
    flow = build_flow(door.settings, redis, door.reg.application.extensions["sciday.seats"])
    door.activity(soon("ns-family", real_name=True, title={"zh": "球幕·家庭专场", "en": "Dome for families"}))
    r = door.reg.post(
        "/api/v1/activities/ns-family/registrations",
        json={"name": "张三", "phone": P, "organization": "科学院", "party_size": 2,
              "members": [member(21), member(22, "李四")]},
    )  # fmt: skip
    reg = verdict(r, 201)
    token = reg["manage_url"].rsplit("t=", 1)[1]
    verdict(door.reg.delete(f"/api/v1/registrations/{reg['registration_id']}?t={token}"), 200)
    assert len(flow.handle(outbox(redis, settings, "RegistrationCancelled")[-1])) == 2


def test_a_phone_lookup_counts_the_marks_its_family_ids_carry_with_titles(door, settings, redis):
    _late_cancelled_family(door, settings, redis)
    found = verdict(door.reg.post(LOOKUP, json={"phone": P}, headers=door.org), 200)
    assert len(found["marks"]) == 2 and found["counting"] == 1  # one per ID, each ID has one
    assert {m["holder_kind"] for m in found["marks"]} == {"id"}
    assert {m["activity_title"]["zh"] for m in found["marks"]} == {"球幕·家庭专场"}


def test_an_id_lookup_hashes_the_number_and_shows_its_marks_with_titles(door, settings, redis):
    _late_cancelled_family(door, settings, redis)
    body = {"id_type": "resident_id", "id_number": resident_id(21)}
    found = verdict(door.reg.post(LOOKUP, json=body, headers=door.org), 200)
    assert [m["activity_title"]["en"] for m in found["marks"]] == ["Dome for families"]
    assert found["counting"] == 1
    other = {"id_type": "resident_id", "id_number": resident_id(23)}
    assert verdict(door.reg.post(LOOKUP, json=other, headers=door.org), 200)["marks"] == []
    bad = verdict(door.reg.post(LOOKUP, json={"id_type": "resident_id", "id_number": "11010519600101002X"},
                                headers=door.org), 422)  # fmt: skip
    assert bad["reason"] == "id_invalid" and "id_number" in bad["errors"]
    assert "11010519600101002X" not in str(bad)
    none = verdict(door.reg.post(LOOKUP, json={}, headers={**door.org, "Accept-Language": "en"}), 422)
    assert none["errors"] == {"phone": ["Required."]}
    assert door.reg.post(LOOKUP, json=body).status_code == 401
    stored = b"".join(k + (redis.dump(k) or b"") for k in redis.keys("*"))
    assert resident_id(21).encode() not in stored  # hashed, never kept


def test_the_forgiveness_log_says_who_forgave_what_when_and_why(door, settings, redis):
    _late_cancelled_family(door, settings, redis)
    found = verdict(door.reg.post(LOOKUP, json={"phone": P}, headers=door.org), 200)
    mark = found["marks"][0]["mark_id"]
    url = f"/api/v1/noshow/marks/{mark}/forgiveness"
    verdict(door.reg.post(url, json={"note": "孩子发烧，已电话说明"}, headers=door.org), 201)
    log = verdict(door.reg.get("/api/v1/noshow/forgiveness", headers=door.org), 200)["entries"]
    assert len(log) == 1
    entry = log[0]
    assert (entry["mark_id"], entry["note"], entry["cause"]) == (
        mark,
        "孩子发烧，已电话说明",
        "late_cancellation",
    )
    assert entry["activity_title"]["zh"] == "球幕·家庭专场" and entry["by"] and entry["at"]
    assert door.reg.get("/api/v1/noshow/forgiveness").status_code == 401


def _times(start: datetime, opens=-1, closes=24, draw=25) -> dict:
    now = datetime.now(TZ).replace(microsecond=0)
    return {
        "opens_at": (now + timedelta(minutes=opens)).isoformat(),
        "closes_at": (now + timedelta(hours=closes)).isoformat(),
        "draw_at": (now + timedelta(hours=draw)).isoformat(),
    }


def _lottery_doc(aid: str, **over) -> dict:
    start = datetime.now(TZ).replace(microsecond=0) + timedelta(days=3)
    values = {
        "real_name": True,
        "allocation": "lottery",
        "starts_at": start.isoformat(),
        "ends_at": (start + timedelta(hours=2)).isoformat(),
        "registration_closes_at": (start - timedelta(hours=2)).isoformat(),
        "lottery": _times(start),
    }
    return activity_doc(aid, **{**values, **over})


def test_creating_a_real_name_lottery_activity_opens_its_lottery(door):
    created = verdict(
        door.reg.post("/api/v1/activities", json=_lottery_doc("form-lot"), headers=door.org), 201
    )
    assert (created["real_name"], created["allocation"]) == (True, "lottery") and "lottery" not in created
    page = verdict(door.reg.get("/api/v1/activities/form-lot/lottery"), 200)
    assert page["state"] == "open" and len(page["commitment"]) == 64
    assert set(page["times"]) == {"opens_at", "closes_at", "draw_at", "confirm_hours"}
    # Moving the draw on the edit form moves it; the seed stays.
    later = dict(
        page["times"],
        draw_at=(datetime.fromisoformat(page["times"]["draw_at"]) + timedelta(hours=1)).isoformat(),
    )
    later.pop("confirm_hours")
    verdict(door.reg.patch("/api/v1/activities/form-lot", json={"lottery": later}, headers=door.org), 200)
    moved = verdict(door.reg.get("/api/v1/activities/form-lot/lottery"), 200)
    assert moved["commitment"] == page["commitment"] and moved["times"]["draw_at"] == later["draw_at"]
    # A draw after the stored start is refused, in words, though the PATCH does not name the start.
    start = verdict(door.reg.get("/api/v1/activities/form-lot"), 200)["starts_at"]
    past_start = dict(later, draw_at=(datetime.fromisoformat(start) + timedelta(minutes=1)).isoformat())
    en = {**door.org, "Accept-Language": "en"}
    refused = verdict(
        door.reg.patch("/api/v1/activities/form-lot", json={"lottery": past_start}, headers=en), 422
    )
    assert refused["errors"] == {"lottery": {"draw_at": ["Must not be after the activity starts."]}}


def test_the_form_lottery_times_are_refused_in_words_and_nothing_is_created(door):
    en = {**door.org, "Accept-Language": "en"}
    doc = _lottery_doc("form-bad")
    doc["lottery"]["closes_at"] = doc["lottery"]["opens_at"]
    bad = verdict(door.reg.post("/api/v1/activities", json=doc, headers=en), 422)
    assert bad["errors"]["lottery"] == {"closes_at": ["Must be after entries open."]}
    zh = verdict(door.reg.post("/api/v1/activities", json=doc, headers=door.org), 422)
    assert zh["errors"]["lottery"]["closes_at"][0] != "Must be after entries open."
    late = _lottery_doc("form-late", lottery=_times(datetime.now(TZ), draw=24 * 5))
    assert verdict(door.reg.post("/api/v1/activities", json=late, headers=en), 422)["errors"]["lottery"] == {
        "draw_at": ["Must not be after the activity starts."]
    }
    fcfs = _lottery_doc("form-fcfs", allocation="fcfs")
    refused = verdict(door.reg.post("/api/v1/activities", json=fcfs, headers=door.org), 422)
    assert refused["reason"] == "validation_failed" and "allocation" in refused["errors"]
    for aid in ("form-bad", "form-late", "form-fcfs"):
        assert door.reg.get(f"/api/v1/activities/{aid}").status_code == 404


@pytest.mark.usefixtures("v1_lottery")  # issue 27: v1's own draw and settlement
def test_after_the_draw_the_form_keeps_the_times_and_refuses_new_ones(door):
    from services.registration.lottery import draw as lot

    verdict(door.reg.post("/api/v1/activities", json=_lottery_doc("form-drawn"), headers=door.org), 201)
    times = verdict(door.reg.get("/api/v1/activities/form-drawn/lottery"), 200)["times"]
    store = door.reg.application.extensions["sciday.lotteries"]
    lot.draw(store, "form-drawn", now=datetime.fromisoformat(times["draw_at"]).timestamp())
    same = {k: times[k] for k in ("opens_at", "closes_at", "draw_at", "confirm_hours")}
    edited = {"title": {"zh": "改名后的摇号专场", "en": ""}, "lottery": same}
    verdict(door.reg.patch("/api/v1/activities/form-drawn", json=edited, headers=door.org), 200)
    moved = dict(same, draw_at=(datetime.fromisoformat(times["draw_at"]) + timedelta(hours=1)).isoformat())
    refused = door.reg.patch("/api/v1/activities/form-drawn", json={"lottery": moved}, headers=door.org)
    assert verdict(refused, 409)["reason"] == "lottery_closed"
    assert verdict(door.reg.get("/api/v1/activities/form-drawn/lottery"), 200)["times"] == times
